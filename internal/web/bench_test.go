package web

import (
	"bytes"
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"html"
	"io"
	"log/slog"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"jinguo/internal/auth"
	"jinguo/internal/store"
	"jinguo/internal/store/storetest"
)

// The benchmarks below put each Jinguo operation beside a baseline: a bare
// net/http handler on the same database, reached by the same client, doing
// only the SQL the operation needs. The machines are small and shared, so
// the ratio of the two within one run is the figure to read, not either
// absolute number. docs/benchmarks.md has the targets and the results.

// benchClient keeps connections alive across goroutines, as a browser or
// a reverse proxy does.
func benchClient() *http.Client {
	return &http.Client{Transport: &http.Transport{MaxIdleConns: 256, MaxIdleConnsPerHost: 256, IdleConnTimeout: time.Minute}}
}

// benchServer serves Jinguo over st with logs discarded.
func benchServer(tb testing.TB, st *store.Store) *httptest.Server {
	tb.Helper()
	srv, err := New(st, Config{}, slog.New(slog.DiscardHandler), nil)
	if err != nil {
		tb.Fatal(err)
	}
	hs := httptest.NewServer(srv.Handler())
	tb.Cleanup(hs.Close)
	return hs
}

// benchLogin signs in through the API and returns the session token.
func benchLogin(tb testing.TB, c *http.Client, base, username, password string) string {
	tb.Helper()
	body, _ := json.Marshal(loginRequest{Username: username, Password: password})
	resp, err := c.Post(base+"/api/v1/auth/login", "application/json", bytes.NewReader(body))
	if err != nil {
		tb.Fatal(err)
	}
	defer resp.Body.Close()
	var out loginResponse
	if err := json.NewDecoder(resp.Body).Decode(&out); err != nil || resp.StatusCode != http.StatusOK || out.Token == "" {
		tb.Fatalf("login %s: status %d, err %v", username, resp.StatusCode, err)
	}
	if out.MustChangePassword {
		tb.Fatalf("login %s: password change required", username)
	}
	return out.Token
}

// benchDo sends req and drains the answer, so the connection is reused.
// It fails unless the status is want.
func benchDo(c *http.Client, req *http.Request, want int) error {
	resp, err := c.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	if resp.StatusCode != want {
		b, _ := io.ReadAll(io.LimitReader(resp.Body, 500))
		return fmt.Errorf("%s %s: status %d, want %d: %s", req.Method, req.URL.Path, resp.StatusCode, want, b)
	}
	_, err = io.Copy(io.Discard, resp.Body)
	return err
}

// benchGet fetches u once and returns the body, failing unless it is 200.
func benchGet(tb testing.TB, c *http.Client, u string, header http.Header) string {
	tb.Helper()
	req, _ := http.NewRequest(http.MethodGet, u, nil)
	req.Header = header
	resp, err := c.Do(req)
	if err != nil {
		tb.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusOK {
		tb.Fatalf("GET %s: status %d: %.300s", u, resp.StatusCode, b)
	}
	return string(b)
}

// runThroughput runs do b.N times from parallelism×GOMAXPROCS goroutines
// and reports requests per second. It returns the rate.
func runThroughput(b *testing.B, parallelism int, do func(i int64) error) float64 {
	b.Helper()
	var seq atomic.Int64
	var once sync.Once
	var firstErr error
	b.SetParallelism(parallelism)
	b.ReportAllocs()
	b.ResetTimer()
	start := time.Now()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			if err := do(seq.Add(1)); err != nil {
				once.Do(func() { firstErr = err })
				return
			}
		}
	})
	elapsed := time.Since(start)
	b.StopTimer()
	if firstErr != nil {
		b.Fatal(firstErr)
	}
	rate := float64(b.N) / elapsed.Seconds()
	b.ReportMetric(rate, "req/s")
	return rate
}

// logRatio logs jinguo's throughput as a share of the baseline's.
func logRatio(b *testing.B, name string, jinguo, baseline, target float64) {
	b.Helper()
	if jinguo == 0 || baseline == 0 {
		return
	}
	verdict := "met"
	if jinguo/baseline < target {
		verdict = "MISSED"
	}
	b.Logf("%s: jinguo %.0f req/s, baseline %.0f req/s, ratio %.2f (target ≥ %.1f: %s)", name, jinguo, baseline, jinguo/baseline, target, verdict)
}

// benchRegistration is the body both register handlers accept.
type benchRegistration struct {
	OrgID         int64  `json:"org_id"`
	Name          string `json:"name"`
	IDNumber      string `json:"id_number"`
	Phone         string `json:"phone"`
	Ethnicity     string `json:"ethnicity"`
	Education     string `json:"education"`
	Employment    string `json:"employment"`
	AddressDetail string `json:"address_detail"`
}

// newRegistration returns registration n: a fresh valid ID number (area
// 110101, never used by the seeded data) and phone.
func newRegistration(org int64, n int) []byte {
	b, _ := json.Marshal(benchRegistration{OrgID: org, Name: benchPersonName(n), IDNumber: benchIDNumber("110101", n),
		Phone: fmt.Sprintf("15%09d", n), Ethnicity: "01", Education: "20", Employment: "employed", AddressDetail: "幸福路1号"})
	return b
}

// baselineSession is the one query any signed-in request needs: the
// session's user and org (and whether that org is the root, whose subtree
// is everything). The baselines run it so that they measure the same
// operation as Jinguo, minus everything else Jinguo does.
func baselineSession(r *http.Request, db *sql.DB) (org int64, root bool, ok bool) {
	token := strings.TrimPrefix(r.Header.Get("Authorization"), "Bearer ")
	if c, err := r.Cookie(sessionCookie); err == nil {
		token = c.Value
	}
	sum := sha256.Sum256([]byte(token))
	var atRoot int
	err := db.QueryRowContext(r.Context(), `SELECT u.org_id, (SELECT COUNT(*) FROM orgs o WHERE o.id = u.org_id AND o.parent_id IS NULL)
		FROM sessions s JOIN users u ON u.id = s.user_id WHERE s.token_hash = $1`, hex.EncodeToString(sum[:])).Scan(&org, &atRoot)
	return org, atRoot > 0, err == nil
}

// registerBaseline decodes the same JSON and inserts one people row with
// plain SQL: dummy bytes where Jinguo stores ciphertext and keyed hashes.
func registerBaseline(db *sql.DB) http.Handler {
	dummy := bytes.Repeat([]byte{0xa5}, 48)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if _, _, ok := baselineSession(r, db); !ok {
			http.Error(w, "unauthorized", http.StatusUnauthorized)
			return
		}
		var req benchRegistration
		if err := json.NewDecoder(http.MaxBytesReader(w, r.Body, 1<<20)).Decode(&req); err != nil || len(req.IDNumber) != 18 {
			http.Error(w, "bad request", http.StatusBadRequest)
			return
		}
		idHash := sha256.Sum256([]byte("baseline id " + req.IDNumber))
		phoneHash := sha256.Sum256([]byte("baseline phone " + req.Phone))
		id := req.IDNumber
		sex := "F"
		if (id[16]-'0')%2 == 1 {
			sex = "M"
		}
		now := time.Now().UnixMilli()
		var newID int64
		err := db.QueryRowContext(r.Context(), `INSERT INTO people (org_id, name, id_hash, id_enc, id_masked, phone_hash, phone_enc, phone_masked,
			sex, birth_date, ethnicity, education, employment, address_division, address_enc, note, created_by, created_at, updated_at)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $18) RETURNING id`,
			req.OrgID, req.Name, idHash[:], dummy, id[:6]+"********"+id[14:], phoneHash[:], dummy, req.Phone[:3]+"****"+req.Phone[7:],
			sex, id[6:10]+"-"+id[10:12]+"-"+id[12:14], req.Ethnicity, req.Education, req.Employment, "", dummy, "", nil, now).Scan(&newID)
		if err != nil {
			http.Error(w, err.Error(), http.StatusInternalServerError)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusCreated)
		fmt.Fprintf(w, `{"id":%d}`, newID)
	})
}

// BenchmarkRegisterPerson registers people through POST /api/v1/people
// (validation, encryption, keyed hash, duplicate check, audit, insert)
// beside a handler that only inserts the row. Target: ≥ 0.6× baseline.
func BenchmarkRegisterPerson(b *testing.B) {
	for _, engine := range storetest.Engines() {
		b.Run(string(engine), func(b *testing.B) {
			ctx := context.Background()
			st := storetest.Open(b, engine, storetest.Options{})
			tree := storetest.BuildTree(b, st)
			u := storetest.NewUser(b, st, tree.City, "bench-cadre", auth.RoleCadre)
			if err := st.ChangePassword(ctx, auth.Actor{UserID: u.ID}, storetest.TestPassword, benchPassword); err != nil {
				b.Fatal(err)
			}
			jg := benchServer(b, st)
			base := httptest.NewServer(registerBaseline(st.DB()))
			b.Cleanup(base.Close)
			c := benchClient()
			token := benchLogin(b, c, jg.URL, u.Username, benchPassword)
			var counter atomic.Int64 // shared, so every registration is new
			var rates [2]float64
			for i, target := range []struct{ name, url string }{
				{"jinguo", jg.URL + "/api/v1/people"},
				{"baseline", base.URL + "/api/v1/people"},
			} {
				b.Run(target.name, func(b *testing.B) {
					rates[i] = runThroughput(b, 4, func(int64) error {
						req, _ := http.NewRequest(http.MethodPost, target.url, bytes.NewReader(newRegistration(tree.V1.ID, int(counter.Add(1)))))
						req.Header.Set("Content-Type", "application/json")
						req.Header.Set("Authorization", "Bearer "+token)
						return benchDo(c, req, http.StatusCreated)
					})
				})
			}
			logRatio(b, "register "+string(engine), rates[0], rates[1], 0.6)
		})
	}
}

// listBaseline runs the scoped SELECT of a people page and writes a
// minimal HTML table. scope=0 lists everyone (the city), else the subtree
// of that org through the closure table.
func listBaseline(db *sql.DB) http.Handler {
	const cols = `SELECT p.id, p.name, p.id_masked, p.phone_masked, p.sex, p.birth_date, o.name FROM people p JOIN orgs o ON o.id = p.org_id`
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		scope, root, ok := baselineSession(r, db)
		if !ok {
			http.Error(w, "unauthorized", http.StatusUnauthorized)
			return
		}
		var rows *sql.Rows
		var err error
		if root {
			rows, err = db.QueryContext(r.Context(), cols+` ORDER BY p.id DESC LIMIT 50`)
		} else {
			rows, err = db.QueryContext(r.Context(), cols+` WHERE p.org_id IN (SELECT descendant_id FROM org_closure WHERE ancestor_id = $1)
				ORDER BY p.id DESC LIMIT 50`, scope)
		}
		if err != nil {
			http.Error(w, err.Error(), http.StatusInternalServerError)
			return
		}
		defer rows.Close()
		var buf bytes.Buffer
		buf.WriteString(`<!doctype html><html lang="zh-CN"><head><meta charset="utf-8"><title>人员档案</title></head><body><table>` +
			`<tr><th>姓名</th><th>身份证号码</th><th>手机号码</th><th>性别</th><th>出生日期</th><th>所属组织</th></tr>`)
		for rows.Next() {
			var id int64
			var name, idMasked, phoneMasked, sex, birth, org string
			if err := rows.Scan(&id, &name, &idMasked, &phoneMasked, &sex, &birth, &org); err != nil {
				http.Error(w, err.Error(), http.StatusInternalServerError)
				return
			}
			fmt.Fprintf(&buf, `<tr><td><a href="/people/%d">%s</a></td><td>%s</td><td>%s</td><td>%s</td><td>%s</td><td>%s</td></tr>`,
				id, html.EscapeString(name), html.EscapeString(idMasked), html.EscapeString(phoneMasked), html.EscapeString(sex),
				html.EscapeString(birth), html.EscapeString(org))
		}
		if err := rows.Err(); err != nil {
			http.Error(w, err.Error(), http.StatusInternalServerError)
			return
		}
		buf.WriteString(`</table></body></html>`)
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		w.Write(buf.Bytes())
	})
}

// BenchmarkPeopleListPage renders GET /people (50 rows of 100,000 people)
// for a township cadre (≈ 1/40 of the people in scope) and a city cadre,
// beside the bare scoped SELECT and a minimal table. Target: ≥ 0.5×.
func BenchmarkPeopleListPage(b *testing.B) {
	for _, engine := range storetest.Engines() {
		b.Run(string(engine), func(b *testing.B) {
			d := openBenchData(b, engine)
			jg := benchServer(b, d.Store)
			base := httptest.NewServer(listBaseline(d.ReadDB))
			b.Cleanup(base.Close)
			c := benchClient()
			for _, who := range []struct {
				name, user string
				scope      int64
			}{
				{"township", d.Manifest.TownUser, d.Manifest.TownshipOrgID},
				{"city", d.Manifest.CityUser, 0},
			} {
				b.Run(who.name, func(b *testing.B) {
					token := benchLogin(b, c, jg.URL, who.user, d.Manifest.Password)
					cookie := http.Header{"Cookie": {sessionCookie + "=" + token}}
					baseURL := base.URL + "/people?scope=" + strconv.FormatInt(who.scope, 10)
					for _, u := range []string{jg.URL + "/people", baseURL} {
						page := benchGet(b, c, u, cookie.Clone())
						if n := strings.Count(page, `href="/people/`); n < 50 {
							b.Fatalf("GET %s: %d links to people, want at least 50", u, n)
						}
					}
					var rates [2]float64
					for i, target := range []struct {
						name, url string
						header    http.Header
					}{
						{"jinguo", jg.URL + "/people", cookie},
						{"baseline", baseURL, cookie},
					} {
						b.Run(target.name, func(b *testing.B) {
							rates[i] = runThroughput(b, 2, func(int64) error {
								req, _ := http.NewRequest(http.MethodGet, target.url, nil)
								if target.header != nil {
									req.Header = target.header.Clone()
								}
								return benchDo(c, req, http.StatusOK)
							})
						})
					}
					logRatio(b, "list "+string(engine)+" "+who.name, rates[0], rates[1], 0.5)
				})
			}
		})
	}
}

// searchQueries returns 512 queries of a kind that each match seeded
// people: full names (2 or 3 characters, each shared by ~140 people), or
// one person's full ID number or mobile number.
func searchQueries(kind string) []string {
	r := rand.New(rand.NewPCG(1, 2))
	var qs []string
	for len(qs) < 512 {
		i := r.IntN(benchPeople)
		switch kind {
		case "name":
			qs = append(qs, benchPersonName(i))
		case "id_number":
			qs = append(qs, benchPersonID(i))
		case "phone":
			if p := benchPersonPhone(i); p != "" {
				qs = append(qs, p)
			}
		}
	}
	return qs
}

// BenchmarkPeopleSearch times GET /api/v1/people?q=… as the city cadre
// over 100,000 people, one request at a time, and reports the median
// latency. Target: ≤ 5 ms median.
func BenchmarkPeopleSearch(b *testing.B) {
	for _, engine := range storetest.Engines() {
		b.Run(string(engine), func(b *testing.B) {
			d := openBenchData(b, engine)
			jg := benchServer(b, d.Store)
			c := benchClient()
			token := benchLogin(b, c, jg.URL, d.Manifest.CityUser, d.Manifest.Password)
			hdr := http.Header{"Authorization": {"Bearer " + token}}
			for _, kind := range []string{"name", "id_number", "phone"} {
				b.Run(kind, func(b *testing.B) {
					qs := searchQueries(kind)
					urls := make([]string, len(qs))
					for i, q := range qs {
						urls[i] = jg.URL + "/api/v1/people?q=" + q
					}
					// Each query finds what it should: exact lookups one
					// person, names a full first page.
					for _, u := range urls[:5] {
						var list struct {
							Items []personJSON `json:"items"`
						}
						if err := json.Unmarshal([]byte(benchGet(b, c, u, hdr.Clone())), &list); err != nil {
							b.Fatal(err)
						}
						if want := 1; kind != "name" && len(list.Items) != want || kind == "name" && len(list.Items) < 20 {
							b.Fatalf("GET %s: %d people", u, len(list.Items))
						}
					}
					durations := make([]time.Duration, 0, b.N)
					b.ReportAllocs()
					b.ResetTimer()
					for i := 0; i < b.N; i++ {
						req, _ := http.NewRequest(http.MethodGet, urls[i%len(urls)], nil)
						req.Header = hdr.Clone()
						start := time.Now()
						if err := benchDo(c, req, http.StatusOK); err != nil {
							b.Fatal(err)
						}
						durations = append(durations, time.Since(start))
					}
					b.StopTimer()
					slices.Sort(durations)
					median := durations[len(durations)/2]
					p95 := durations[len(durations)*95/100]
					b.ReportMetric(float64(median.Microseconds())/1000, "ms/median")
					b.ReportMetric(float64(p95.Microseconds())/1000, "ms/p95")
				})
			}
		})
	}
}
