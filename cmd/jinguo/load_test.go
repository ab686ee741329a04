package main

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"jinguo/internal/people"
)

// Load test limits: a bounded amount of work, never a timed assertion.
const (
	loadRequests   = 20_000
	loadMaxRunTime = 60 * time.Second
	loadWorkers    = 4
	loadMaxRSS     = 150 << 20 // bytes
)

// loadManifest is the part of the benchmark data's bench.json we need
// (written by internal/web's TestBuildBenchData).
type loadManifest struct {
	People        int    `json:"people"`
	TownshipOrgID int64  `json:"township_org_id"`
	CityUser      string `json:"city_user"`
	TownUser      string `json:"town_user"`
	Password      string `json:"password"`
	KeyHex        string `json:"key_hex"`
}

// TestLoadServerRSS runs the real jinguo binary over a copy of the
// 100,000-person benchmark database, drives a mixed load of list pages,
// searches and registrations, and checks the server's peak resident
// memory. It asserts memory only; timings are logged, not checked.
func TestLoadServerRSS(t *testing.T) {
	if os.Getenv("JINGUO_LOAD") == "" {
		t.Skip("set JINGUO_LOAD=1 to run the load test")
	}
	root, err := filepath.Abs(filepath.Join("..", ".."))
	if err != nil {
		t.Fatal(err)
	}
	tmp := t.TempDir()
	bin := filepath.Join(tmp, "jinguo")
	goCmd(t, root, nil, "build", "-o", bin, "./cmd/jinguo")

	// One generator for benchmarks and load test: internal/web builds the
	// data set (or finds it cached) and says where it is.
	out := goCmd(t, root, []string{"JINGUO_BUILD_BENCH_DATA=1"}, "test", "./internal/web/", "-run", "^TestBuildBenchData$", "-count=1", "-v")
	var benchDir string
	for _, line := range strings.Split(out, "\n") {
		if v, ok := strings.CutPrefix(strings.TrimSpace(line), "JINGUO_BENCH_DIR="); ok {
			benchDir = v
		}
	}
	if benchDir == "" {
		t.Fatalf("bench data directory not reported:\n%s", out)
	}
	var m loadManifest
	b, err := os.ReadFile(filepath.Join(benchDir, "bench.json"))
	if err == nil {
		err = json.Unmarshal(b, &m)
	}
	if err != nil {
		t.Fatalf("read manifest: %v", err)
	}
	// Work on a copy: registrations must not grow the cached data set.
	data := filepath.Join(tmp, "data")
	if err := os.MkdirAll(data, 0o700); err != nil {
		t.Fatal(err)
	}
	for _, f := range []string{"jinguo.db", "jinguo.db-wal", "secret.key"} {
		if err := copyFile(filepath.Join(benchDir, f), filepath.Join(data, f)); err != nil && !os.IsNotExist(err) {
			t.Fatal(err)
		}
	}

	srv := startServer(t, bin, data, m.KeyHex)
	base := "http://" + srv.addr
	c := &http.Client{Timeout: 30 * time.Second, Transport: &http.Transport{MaxIdleConnsPerHost: 32}}
	cityToken := loadLogin(t, c, base, m.CityUser, m.Password)
	townToken := loadLogin(t, c, base, m.TownUser, m.Password)
	villageID := firstVillage(t, c, base, townToken, m.TownshipOrgID)

	before := procStatus(t, srv.cmd.Process.Pid)
	t.Logf("server started: VmRSS %s, VmHWM %s", mib(before["VmRSS"]), mib(before["VmHWM"]))

	names := []string{"王芳", "李秀英", "张", "刘丽娟", "陈静", "杨", "黄海燕", "赵敏", "周婷婷", "徐桂兰"}
	kinds := []string{"list_city", "list_township", "search_name", "search_id", "search_phone", "register"}
	var counts, failures [6]atomic.Int64
	var seq atomic.Int64
	var errOnce sync.Once
	var firstErr error
	deadline := time.Now().Add(loadMaxRunTime)
	start := time.Now()

	var peakRSS atomic.Int64
	stopSampling := make(chan struct{})
	sampled := make(chan struct{})
	go func() {
		defer close(sampled)
		tick := time.NewTicker(200 * time.Millisecond)
		defer tick.Stop()
		for {
			if st, err := readProcStatus(srv.cmd.Process.Pid); err == nil && st["VmRSS"] > peakRSS.Load() {
				peakRSS.Store(st["VmRSS"])
			}
			select {
			case <-stopSampling:
				return
			case <-tick.C:
			}
		}
	}()

	var wg sync.WaitGroup
	for range loadWorkers {
		wg.Go(func() {
			for time.Now().Before(deadline) {
				n := seq.Add(1)
				if n > loadRequests {
					return
				}
				// Mostly reading, as cadres do: 40% list pages, 45%
				// searches, 15% registrations.
				var kind int
				switch r := n % 20; {
				case r < 4:
					kind = 0
				case r < 8:
					kind = 1
				case r < 11:
					kind = 2
				case r < 14:
					kind = 3
				case r < 17:
					kind = 4
				default:
					kind = 5
				}
				var req *http.Request
				want := http.StatusOK
				switch kind {
				case 0, 1:
					req, _ = http.NewRequest(http.MethodGet, base+"/people", nil)
					token := cityToken
					if kind == 1 {
						token = townToken
					}
					req.AddCookie(&http.Cookie{Name: "jinguo_session", Value: token})
				case 2, 3, 4:
					var q string
					switch kind {
					case 2:
						q = names[n%int64(len(names))]
					case 3:
						q = loadIDNumber("330102", int(n)) // mostly not found: same lookup cost
					case 4:
						q = fmt.Sprintf("13%09d", n*7919%int64(m.People))
					}
					req, _ = http.NewRequest(http.MethodGet, base+"/api/v1/people?q="+url.QueryEscape(q), nil)
					req.Header.Set("Authorization", "Bearer "+cityToken)
				case 5:
					body, _ := json.Marshal(map[string]any{"org_id": villageID, "name": names[n%int64(len(names))] + "英",
						"id_number": loadIDNumber("120101", int(n)), "phone": fmt.Sprintf("17%09d", n), "ethnicity": "01",
						"education": "30", "employment": "employed", "address_detail": "和平路8号"})
					req, _ = http.NewRequest(http.MethodPost, base+"/api/v1/people", bytes.NewReader(body))
					req.Header.Set("Content-Type", "application/json")
					req.Header.Set("Authorization", "Bearer "+townToken)
					want = http.StatusCreated
				}
				counts[kind].Add(1)
				if err := loadDo(c, req, want); err != nil {
					failures[kind].Add(1)
					errOnce.Do(func() { firstErr = err })
				}
			}
		})
	}
	wg.Wait()
	elapsed := time.Since(start)
	close(stopSampling)
	<-sampled

	after := procStatus(t, srv.cmd.Process.Pid)
	if after["VmRSS"] > peakRSS.Load() {
		peakRSS.Store(after["VmRSS"])
	}
	var total, failed int64
	for i, k := range kinds {
		total += counts[i].Load()
		failed += failures[i].Load()
		t.Logf("%-14s %6d requests, %d failed", k, counts[i].Load(), failures[i].Load())
	}
	t.Logf("%d requests from %d workers in %s (%.0f req/s)", total, loadWorkers, elapsed.Round(time.Millisecond), float64(total)/elapsed.Seconds())
	t.Logf("server memory: VmHWM (peak) %s, VmRSS now %s, highest sampled VmRSS %s (limit %s)",
		mib(after["VmHWM"]), mib(after["VmRSS"]), mib(peakRSS.Load()), mib(loadMaxRSS))

	if failed > 0 {
		t.Errorf("%d of %d requests failed; first: %v", failed, total, firstErr)
	}
	if after["VmHWM"] > loadMaxRSS {
		t.Errorf("server peak RSS (VmHWM) = %s, want ≤ %s", mib(after["VmHWM"]), mib(loadMaxRSS))
	}
}

// goCmd runs the go tool in dir and returns its combined output.
func goCmd(t *testing.T, dir string, env []string, args ...string) string {
	t.Helper()
	cmd := exec.Command("go", args...)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), env...)
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("go %s: %v\n%s", strings.Join(args, " "), err, out)
	}
	return string(out)
}

func copyFile(from, to string) error {
	src, err := os.Open(from)
	if err != nil {
		return err
	}
	defer src.Close()
	dst, err := os.OpenFile(to, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, 0o600)
	if err != nil {
		return err
	}
	if _, err := io.Copy(dst, src); err != nil {
		dst.Close()
		return err
	}
	return dst.Close()
}

type runningServer struct {
	cmd  *exec.Cmd
	addr string
}

// startServer runs "jinguo serve" on a free loopback port and waits for
// the line announcing its address. The server is interrupted (and its log
// shown on failure) when the test ends.
func startServer(t *testing.T, bin, data, keyHex string) *runningServer {
	t.Helper()
	cmd := exec.Command(bin, "serve", "--data", data, "--addr", "127.0.0.1:0")
	var env []string
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "JINGUO_") {
			env = append(env, kv)
		}
	}
	cmd.Env = append(env, "JINGUO_SECRET_KEY="+keyHex, "JINGUO_ADMIN_PASSWORD=Load-Test-Root-2024!")
	stderr := &syncBuffer{}
	cmd.Stderr = stderr
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	done := make(chan struct{})
	t.Cleanup(func() {
		cmd.Process.Signal(os.Interrupt)
		select {
		case <-done:
		case <-time.After(30 * time.Second):
			cmd.Process.Kill()
			<-done
		}
		if t.Failed() {
			t.Logf("server log:\n%s", stderr.String())
		}
	})
	addrc := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(stdout)
		for sc.Scan() {
			if rest, ok := strings.CutPrefix(sc.Text(), "Jinguo is serving on http://"); ok {
				addr, _, _ := strings.Cut(rest, " ")
				addrc <- addr
			}
		}
		io.Copy(io.Discard, stdout)
		cmd.Wait()
		close(done)
	}()
	select {
	case addr := <-addrc:
		return &runningServer{cmd: cmd, addr: addr}
	case <-done:
		t.Fatalf("server exited before serving:\n%s", stderr.String())
	case <-time.After(2 * time.Minute):
		t.Fatalf("server did not announce its address:\n%s", stderr.String())
	}
	return nil
}

// syncBuffer is a bytes.Buffer safe to write from the exec copier while
// the test reads it.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

func loadLogin(t *testing.T, c *http.Client, base, username, password string) string {
	t.Helper()
	body, _ := json.Marshal(map[string]string{"username": username, "password": password})
	resp, err := c.Post(base+"/api/v1/auth/login", "application/json", bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var out struct {
		Token              string `json:"token"`
		MustChangePassword bool   `json:"must_change_password"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&out); err != nil || resp.StatusCode != http.StatusOK || out.Token == "" || out.MustChangePassword {
		t.Fatalf("login %s: status %d, err %v, must change %v", username, resp.StatusCode, err, out.MustChangePassword)
	}
	return out.Token
}

// firstVillage returns a village under the township, where the township
// cadre registers people.
func firstVillage(t *testing.T, c *http.Client, base, token string, township int64) int64 {
	t.Helper()
	req, _ := http.NewRequest(http.MethodGet, base+"/api/v1/orgs?parent_id="+strconv.FormatInt(township, 10), nil)
	req.Header.Set("Authorization", "Bearer "+token)
	resp, err := c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var list struct {
		Items []struct {
			ID int64 `json:"id"`
		} `json:"items"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&list); err != nil || len(list.Items) == 0 {
		t.Fatalf("villages of township %d: status %d, err %v, %d found", township, resp.StatusCode, err, len(list.Items))
	}
	return list.Items[0].ID
}

func loadDo(c *http.Client, req *http.Request, want int) error {
	resp, err := c.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	if resp.StatusCode != want {
		b, _ := io.ReadAll(io.LimitReader(resp.Body, 300))
		return fmt.Errorf("%s %s: status %d, want %d: %s", req.Method, req.URL, resp.StatusCode, want, b)
	}
	_, err = io.Copy(io.Discard, resp.Body)
	return err
}

// loadIDNumber returns a valid female ID number in area, unique for each n
// below 10,000,000.
func loadIDNumber(area string, n int) string {
	birth := time.Date(1960, 1, 1, 0, 0, 0, 0, time.UTC).AddDate(0, 0, n%15000)
	first17 := fmt.Sprintf("%s%s%03d", area, birth.Format("20060102"), (n/15000)%500*2)
	return first17 + string(people.CheckDigit(first17))
}

// readProcStatus returns the kB fields of /proc/PID/status in bytes.
func readProcStatus(pid int) (map[string]int64, error) {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return nil, err
	}
	out := map[string]int64{}
	for _, line := range strings.Split(string(b), "\n") {
		k, v, ok := strings.Cut(line, ":")
		fields := strings.Fields(v)
		if !ok || len(fields) != 2 || fields[1] != "kB" {
			continue
		}
		if n, err := strconv.ParseInt(fields[0], 10, 64); err == nil {
			out[k] = n << 10
		}
	}
	return out, nil
}

func procStatus(t *testing.T, pid int) map[string]int64 {
	t.Helper()
	st, err := readProcStatus(pid)
	if err != nil {
		t.Fatalf("read server memory: %v", err)
	}
	if st["VmHWM"] == 0 {
		t.Fatalf("no VmHWM in /proc/%d/status", pid)
	}
	return st
}

func mib(b int64) string { return fmt.Sprintf("%.1f MiB", float64(b)/(1<<20)) }
