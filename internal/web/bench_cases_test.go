package web

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"jinguo/internal/auth"
	"jinguo/internal/localtime"
	"jinguo/internal/orgs"
	"jinguo/internal/store"
	"jinguo/internal/store/storetest"
)

// The rights-case benchmarks: case intake through the API under
// concurrency beside a bare handler that only inserts the rows, and the
// overdue list of a district at 200,000 cases. docs/benchmarks.md has the
// targets and the results.

// benchPercentile returns the p-th percentile (0 < p < 1) of sorted d in
// milliseconds.
func benchPercentile(d []time.Duration, p float64) float64 {
	if len(d) == 0 {
		return 0
	}
	return float64(d[int(float64(len(d)-1)*p)].Microseconds()) / 1000
}

// newCaseIntake returns intake request n: a 12338 call about domestic
// violence (even n) or divorce (odd n) handled by org, with one
// complainant and her phone. One dv call in two answers the risk checklist:
// one in five of those with a red flag (high risk: urgent, restricted, the
// supervisors notified), the others medium.
func newCaseIntake(org int64, n int) []byte {
	req := caseCreateRequest{Channel: "hotline", Category: "divorce", OrgID: org,
		Summary:     "来电咨询离婚时子女抚养和财产分割问题",
		Description: "来电人称与丈夫感情破裂，分居已满一年，丈夫不同意离婚，双方对孩子抚养权和共同购买的住房分割有争议，希望了解起诉离婚的程序和需要准备的材料。",
		Parties:     []casePartyRequest{{Role: "complainant", Name: benchPersonName(n), Phone: fmt.Sprintf("13%09d", n%1_000_000_000)}}}
	if n%2 == 0 {
		req.Category = "dv"
		req.Summary = "来电反映丈夫酒后多次殴打，要求帮助"
		req.Description = "来电人称近半年来丈夫酒后多次殴打她，最近一次造成手臂淤青，曾向派出所报警但未出具告诫书；目前与两个孩子住在娘家，担心丈夫上门纠缠，希望妇联协助申请人身安全保护令。"
		switch {
		case n%20 == 0:
			req.RiskAnswers = []string{"strangulation", "escalating", "children_harmed"}
		case n%4 == 0:
			req.RiskAnswers = []string{"escalating", "substance"}
		}
	}
	b, _ := json.Marshal(req)
	return b
}

// intakeBaseline decodes the same JSON and, in one transaction on the write
// pool, takes the next number from the counters table and inserts the case
// row, one party row per party and the registration event with plain SQL:
// dummy bytes where Jinguo stores ciphertext, a deadline three days on. The
// session lookup runs on the read pool, as Jinguo's does. No validation,
// dictionary or scope checks, risk rule, notifications, audit or re-read.
func intakeBaseline(rdb, wdb *sql.DB) http.Handler {
	dummy := bytes.Repeat([]byte{0xa5}, 48)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if _, _, ok := baselineSession(r, rdb); !ok {
			http.Error(w, "unauthorized", http.StatusUnauthorized)
			return
		}
		var req caseCreateRequest
		if err := json.NewDecoder(http.MaxBytesReader(w, r.Body, 1<<20)).Decode(&req); err != nil || req.Summary == "" || req.OrgID == 0 {
			http.Error(w, "bad request", http.StatusBadRequest)
			return
		}
		ctx := r.Context()
		now := time.Now()
		year := now.In(localtime.Zone).Year()
		tx, err := wdb.BeginTx(ctx, nil)
		if err != nil {
			http.Error(w, err.Error(), http.StatusInternalServerError)
			return
		}
		defer tx.Rollback()
		var seq, id int64
		err = tx.QueryRowContext(ctx, `INSERT INTO counters (name, value) VALUES ($1, 1)
			ON CONFLICT (name) DO UPDATE SET value = counters.value + 1 RETURNING value`, fmt.Sprintf("BQ-%d", year)).Scan(&seq)
		number := fmt.Sprintf("BQ%d-%06d", year, seq)
		due := now.Add(72 * time.Hour).UnixMilli()
		if err == nil {
			err = tx.QueryRowContext(ctx, `INSERT INTO cases (number, channel, category, summary, description_enc, state, urgency,
				risk_answers, intake_org_id, handling_org_id, due_at, created_at, updated_at)
				VALUES ($1, $2, $3, $4, $5, 'registered', 'normal', $6, $7, $7, $8, $9, $9) RETURNING id`,
				number, req.Channel, req.Category, req.Summary, dummy, strings.Join(req.RiskAnswers, ","), req.OrgID, due, now.UnixMilli()).Scan(&id)
		}
		for _, p := range req.Parties {
			if err == nil {
				_, err = tx.ExecContext(ctx, `INSERT INTO case_parties (case_id, role, name, phone_enc) VALUES ($1, $2, $3, $4)`, id, p.Role, p.Name, dummy)
			}
		}
		if err == nil {
			_, err = tx.ExecContext(ctx, `INSERT INTO case_events (case_id, at, action, to_state, handling_org_id, due_at)
				VALUES ($1, $2, 'register', 'registered', $3, $4)`, id, now.UnixMilli(), req.OrgID, due)
		}
		if err == nil {
			err = tx.Commit()
		}
		if err != nil {
			http.Error(w, err.Error(), http.StatusInternalServerError)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusCreated)
		fmt.Fprintf(w, `{"id":%d,"number":%q,"state":"registered"}`, id, number)
	})
}

// benchIntakeStore opens a fresh store on engine and returns it with a read
// pool for the baseline: on SQLite a second pool on the same file, tuned as
// the store's own read pool; on PostgreSQL the store's pool.
func benchIntakeStore(b *testing.B, engine store.Engine) (*store.Store, *sql.DB) {
	b.Helper()
	if engine == store.Postgres {
		st := storetest.Open(b, engine, storetest.Options{})
		return st, st.DB()
	}
	dir := b.TempDir()
	st, err := store.Open(context.Background(), store.Config{DataDir: dir, Box: storetest.Box(b)})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { st.Close() })
	return st, benchSQLiteReadPool(b, filepath.Join(dir, "jinguo.db"))
}

// benchSQLiteReadPool opens a read-only pool on the SQLite file at path,
// with the store's read pragmas and size.
func benchSQLiteReadPool(tb testing.TB, path string) *sql.DB {
	tb.Helper()
	q := url.Values{}
	for _, p := range []string{"busy_timeout(10000)", "journal_mode(WAL)", "cache_size(-2048)", "query_only(1)"} {
		q.Add("_pragma", p)
	}
	rdb, err := sql.Open("sqlite", "file:"+path+"?"+q.Encode())
	if err != nil {
		tb.Fatal(err)
	}
	rdb.SetMaxOpenConns(4)
	rdb.SetMaxIdleConns(4)
	tb.Cleanup(func() { rdb.Close() })
	return rdb
}

// BenchmarkCaseIntake registers cases through POST /api/v1/cases as a city
// hotline operator, for two districts, from 4×GOMAXPROCS client goroutines,
// beside intakeBaseline. It reports cases/s and the p99 latency of each.
// Target: ≥ 0.6× the baseline.
func BenchmarkCaseIntake(b *testing.B) {
	for _, engine := range storetest.Engines() {
		b.Run(string(engine), func(b *testing.B) {
			ctx := context.Background()
			st, rdb := benchIntakeStore(b, engine)
			tree := storetest.BuildTree(b, st)
			u := storetest.NewUser(b, st, tree.City, "bench-hotline", auth.RoleCadre)
			if err := st.ChangePassword(ctx, auth.Actor{UserID: u.ID}, storetest.TestPassword, benchPassword); err != nil {
				b.Fatal(err)
			}
			jg := benchServer(b, st)
			base := httptest.NewServer(intakeBaseline(rdb, st.DB()))
			b.Cleanup(base.Close)
			c := benchClient()
			token := benchLogin(b, c, jg.URL, u.Username, benchPassword)
			districts := []int64{tree.D1.ID, tree.D2.ID}
			post := func(u string, n int) (*http.Request, error) {
				req, err := http.NewRequest(http.MethodPost, u, bytes.NewReader(newCaseIntake(districts[n%2], n)))
				if err != nil {
					return nil, err
				}
				req.Header.Set("Content-Type", "application/json")
				req.Header.Set("Authorization", "Bearer "+token)
				return req, nil
			}
			// Both answer 201 with a number for the same request, and
			// Jinguo's assessment makes a red-flag call urgent and restricted.
			for _, u := range []string{jg.URL, base.URL} {
				req, _ := post(u+"/api/v1/cases", 20)
				resp, err := c.Do(req)
				if err != nil {
					b.Fatal(err)
				}
				var out struct {
					ID         int64  `json:"id"`
					Number     string `json:"number"`
					State      string `json:"state"`
					Urgency    string `json:"urgency"`
					Restricted bool   `json:"restricted"`
				}
				err = json.NewDecoder(resp.Body).Decode(&out)
				resp.Body.Close()
				if err != nil || resp.StatusCode != http.StatusCreated || out.ID == 0 || out.Number == "" || out.State != "registered" {
					b.Fatalf("POST %s: status %d, %+v, err %v", u, resp.StatusCode, out, err)
				}
				if u == jg.URL && (out.Urgency != "urgent" || !out.Restricted) {
					b.Fatalf("high-risk intake: urgency %q, restricted %v", out.Urgency, out.Restricted)
				}
			}
			var counter atomic.Int64
			var rates, p99s [2]float64
			for i, target := range []struct{ name, url string }{
				{"jinguo", jg.URL + "/api/v1/cases"},
				{"baseline", base.URL + "/api/v1/cases"},
			} {
				b.Run(target.name, func(b *testing.B) {
					durations := make([]time.Duration, b.N)
					rates[i] = runThroughput(b, 4, func(seq int64) error {
						req, err := post(target.url, int(counter.Add(1)))
						if err != nil {
							return err
						}
						start := time.Now()
						err = benchDo(c, req, http.StatusCreated)
						durations[seq-1] = time.Since(start)
						return err
					})
					slices.Sort(durations)
					p99s[i] = benchPercentile(durations, 0.99)
					b.ReportMetric(rates[i], "cases/s")
					b.ReportMetric(benchPercentile(durations, 0.5), "ms/median")
					b.ReportMetric(p99s[i], "ms/p99")
				})
			}
			logRatio(b, "case intake "+string(engine), rates[0], rates[1], 0.6)
			if p99s[0] > 0 && p99s[1] > 0 {
				b.Logf("case intake %s: p99 jinguo %.1f ms, baseline %.1f ms (%.2f× the baseline's)", engine, p99s[0], p99s[1], p99s[0]/p99s[1])
			}
		})
	}
}

// The overdue-list data: 200,000 cases over the five years before the
// build, in the same tree as the people data (1 city, 8 districts, 40
// townships, 320 villages), built once and kept: for SQLite in
// $TMPDIR/jinguo-bench-cases-200k/, for PostgreSQL in the schema
// bench_cases_200k. Rebuilt when the migrations or this generator change,
// or when the newest case is over 30 days old (open cases fall overdue as
// time passes, so the share would drift).
const (
	benchCases          = 200_000
	benchCaseBatch      = 500    // rows per INSERT
	benchCaseTxRows     = 10_000 // rows per transaction
	benchCaseGenerator  = "c1"   // bump when the generated cases change
	benchCaseSchema     = "bench_cases_200k"
	benchCaseDirName    = "jinguo-bench-cases-200k"
	benchCaseDistrictUs = "bench-district-admin"
	benchCaseCityUser   = "bench-city-hotline"
	benchCaseMaxAge     = 30 * 24 * time.Hour
)

// benchCaseCategories are the categories the generated cases cycle through.
var benchCaseCategories = []string{"dv", "dv", "divorce", "divorce", "custody", "elder_support", "property_division",
	"cohabitation", "affair", "land", "housing", "inheritance", "wages", "maternity", "harassment", "child_abuse",
	"legal_consult", "psych_consult", "family_edu_consult"}

// benchCaseData is an open 200,000-case store.
type benchCaseData struct {
	Store      *store.Store
	ReadDB     *sql.DB // a read pool for the baseline
	DistrictID int64   // the district whose admin lists overdue cases
	DistUser   string
}

// benchCaseTree holds the org ids of the generated tree.
type benchCaseTree struct {
	city, district int64
	townships      []int64 // 40
	villages       []int64 // 320, 8 per township in order
}

// benchCaseRow is generated case i (a pure function of i and the build
// time now): created evenly over five years; handled by a village (four in
// five) or a township, taken in there or on the city's 12338 line (two in
// five). Cases of the last ten days are open; of the older ones 3 % are
// still open past their deadline and the rest are closed, followed up,
// archived or declined.
func benchCaseRow(i int, now time.Time, t benchCaseTree) []any {
	const day = int64(24 * time.Hour / time.Millisecond)
	h := mix(uint64(i) + 0x5eed)
	end := now.UnixMilli()
	start := now.AddDate(-5, 0, 0).UnixMilli()
	created := start + int64(i)*(end-start)/benchCases
	v := int(h % uint64(len(t.villages)))
	handling := t.villages[v]
	if h>>10%5 == 0 {
		handling = t.townships[v/benchVillagesPer]
	}
	intake, channel := handling, "visit"
	switch h >> 14 % 5 {
	case 0, 1:
		intake, channel = t.city, "hotline"
	case 2:
		channel = "screening"
	case 3:
		channel = "online"
	}
	cat := benchCaseCategories[h>>20%uint64(len(benchCaseCategories))]
	urgency, restricted, risk := "normal", false, ""
	if cat == "dv" {
		switch h >> 26 % 10 {
		case 0:
			urgency, restricted, risk = "urgent", true, "high"
		case 1, 2:
			risk = "medium"
		default:
			risk = "low"
		}
	}
	if strings.HasPrefix(cat, "child") {
		restricted = true
	}
	var state, result, satisfaction string
	var due, accepted, closed, escalations int64
	switch {
	case end-created < 10*day: // recent: open, most not yet due
		state = []string{"registered", "accepted", "assigned", "in_progress"}[h>>30%4]
		due = created + (3+int64(h>>34%13))*day
		if state != "registered" {
			accepted = created + day/2
		}
	case h>>40%100 < 3: // open past the deadline, escalated once
		state = []string{"registered", "accepted", "assigned", "in_progress"}[h>>30%4]
		due = created + (3+int64(h>>34%13))*day
		escalations = 1
		if state != "registered" {
			accepted = created + day/2
		}
	default:
		switch h >> 44 % 20 {
		case 0:
			state = "declined"
		case 1, 2, 3, 4:
			state = "closed"
		case 5, 6, 7, 8, 9, 10, 11:
			state = "followed_up"
			satisfaction = []string{"satisfied", "satisfied", "basically_satisfied", "dissatisfied"}[h>>50%4]
		default:
			state = "archived"
		}
		if state != "declined" {
			accepted = created + day/2
			closed = created + (1+int64(h>>52%30))*day
			result = "已调解，双方达成协议"
		} else {
			closed = created + day
		}
	}
	updated := max(created, accepted, closed)
	return []any{channel, cat, "测试案件摘要：" + cat, state, urgency, restricted, risk, intake, handling,
		due, escalations, result, satisfaction, created, updated, accepted, closed}
}

const benchCaseCols = `channel, category, summary, state, urgency, restricted, risk_level, intake_org_id, handling_org_id,
	due_at, escalations, result, satisfaction, created_at, updated_at, accepted_at, closed_at`

// seedBenchCases fills an empty store: the tree and two accounts through
// the store (CreateOrg, CreateUser, ChangePassword), then the cases, one
// registration event each and the number counters with plain SQL.
func seedBenchCases(tb testing.TB, st *store.Store) {
	tb.Helper()
	ctx := context.Background()
	sys := auth.System()
	start := time.Now()
	add := func(parent int64, name string, kind orgs.Kind, code string) int64 {
		o, err := st.CreateOrg(ctx, sys, orgs.Input{ParentID: parent, Name: name, Kind: kind, DivisionCode: code})
		if err != nil {
			tb.Fatalf("create org %s: %v", name, err)
		}
		return o.ID
	}
	var t benchCaseTree
	t.city = add(0, "金城市妇联", orgs.City, "330100000000")
	for di, d := range benchDistricts {
		did := add(t.city, d.name+"妇联", orgs.District, "3301"+d.code+"000000")
		if di == 0 {
			t.district = did
		}
		for tn := 1; tn <= benchTownsPer; tn++ {
			tcode := fmt.Sprintf("3301%s%03d000", d.code, tn)
			tid := add(did, fmt.Sprintf("%s第%d街道妇联", d.name, tn), orgs.Township, tcode)
			t.townships = append(t.townships, tid)
			for v := 1; v <= benchVillagesPer; v++ {
				t.villages = append(t.villages, add(tid, fmt.Sprintf("%s第%d街道第%d社区妇联", d.name, tn, v), orgs.Village, tcode[:9]+fmt.Sprintf("%03d", v)))
			}
		}
	}
	for _, u := range []struct {
		name, role string
		org        int64
	}{{benchCaseDistrictUs, auth.RoleOrgAdmin, t.district}, {benchCaseCityUser, auth.RoleCadre, t.city}} {
		created, err := st.CreateUser(ctx, sys, store.UserInput{Username: u.name, DisplayName: u.name, Password: storetest.TestPassword, OrgID: u.org, Role: u.role})
		if err != nil {
			tb.Fatalf("create user %s: %v", u.name, err)
		}
		if err := st.ChangePassword(ctx, auth.Actor{UserID: created.ID, Username: u.name}, storetest.TestPassword, benchPassword); err != nil {
			tb.Fatalf("change password of %s: %v", u.name, err)
		}
	}
	orgTime := time.Since(start)

	start = time.Now()
	now := time.Now()
	db := st.DB()
	ncols := len(strings.Split(benchCaseCols, ","))
	counters := map[int]int{}
	insert := func(tx *sql.Tx, from, to int) error {
		var sb strings.Builder
		sb.WriteString(`INSERT INTO cases (number, ` + benchCaseCols + `) VALUES `)
		args := make([]any, 0, (to-from)*(ncols+1))
		for i := from; i < to; i++ {
			row := benchCaseRow(i, now, t)
			year := time.UnixMilli(row[13].(int64)).In(localtime.Zone).Year()
			counters[year]++
			if i > from {
				sb.WriteString(", ")
			}
			sb.WriteString("(")
			for k := 0; k <= ncols; k++ {
				if k > 0 {
					sb.WriteString(", ")
				}
				if st.Engine() == store.SQLite {
					sb.WriteString("?") // modernc binds $n slowly in long statements
				} else {
					fmt.Fprintf(&sb, "$%d", len(args)+k+1)
				}
			}
			sb.WriteString(")")
			args = append(args, fmt.Sprintf("WQ%d-%06d", year, counters[year]))
			args = append(args, row...)
		}
		_, err := tx.ExecContext(ctx, sb.String(), args...)
		return err
	}
	for from := 0; from < benchCases; from += benchCaseTxRows {
		tx, err := db.BeginTx(ctx, nil)
		if err != nil {
			tb.Fatal(err)
		}
		for b := from; b < min(from+benchCaseTxRows, benchCases); b += benchCaseBatch {
			if err := insert(tx, b, min(b+benchCaseBatch, benchCases)); err != nil {
				tx.Rollback()
				tb.Fatalf("insert cases %d…: %v", b, err)
			}
		}
		if err := tx.Commit(); err != nil {
			tb.Fatal(err)
		}
	}
	if _, err := db.ExecContext(ctx, `INSERT INTO case_events (case_id, at, action, to_state, org_id, handling_org_id, due_at)
		SELECT id, created_at, 'register', 'registered', intake_org_id, handling_org_id, due_at FROM cases`); err != nil {
		tb.Fatal(err)
	}
	for year, n := range counters {
		if _, err := db.ExecContext(ctx, `INSERT INTO counters (name, value) VALUES ($1, $2)
			ON CONFLICT (name) DO UPDATE SET value = excluded.value`, fmt.Sprintf("WQ-%d", year), n); err != nil {
			tb.Fatal(err)
		}
	}
	if st.Engine() == store.Postgres {
		// What autovacuum does shortly after a bulk load.
		if _, err := db.ExecContext(ctx, `ANALYZE`); err != nil {
			tb.Fatal(err)
		}
	}
	if err := st.Optimize(ctx); err != nil {
		tb.Fatal(err)
	}
	seed := time.Since(start)
	tb.Logf("seeded %s: %d orgs and 2 users in %s, %d cases in %s (%.0f cases/s)", st.Engine(), 1+len(benchDistricts)+len(t.townships)+len(t.villages),
		orgTime.Round(time.Millisecond), benchCases, seed.Round(time.Millisecond), benchCases/seed.Seconds())
}

// benchCaseVersion names the migrations and this generator.
func benchCaseVersion(tb testing.TB) string {
	return benchCaseGenerator + "-" + benchVersion(tb)
}

// benchCasesStale reports whether the data in st is not the full set or is
// too old to keep the share of overdue cases.
func benchCasesStale(tb testing.TB, st *store.Store) bool {
	tb.Helper()
	var n, newest int64
	err := st.DB().QueryRowContext(context.Background(), `SELECT COUNT(*), COALESCE(MAX(created_at), 0) FROM cases`).Scan(&n, &newest)
	if err != nil || n != benchCases || time.Since(time.UnixMilli(newest)) > benchCaseMaxAge {
		tb.Logf("case data: %d cases, newest %s (err %v): rebuilding", n, time.UnixMilli(newest).Format(time.DateOnly), err)
		return true
	}
	return false
}

// openBenchCases opens the 200,000-case data set on engine, building it
// first when it is missing or stale.
func openBenchCases(tb testing.TB, engine store.Engine) *benchCaseData {
	tb.Helper()
	ctx := context.Background()
	version := benchCaseVersion(tb)
	var st *store.Store
	var rdb *sql.DB
	switch engine {
	case store.SQLite:
		dir := filepath.Join(os.TempDir(), benchCaseDirName)
		open := func(dir string) *store.Store {
			st, err := store.Open(ctx, store.Config{DataDir: dir, Box: benchBox(tb)})
			if err != nil {
				tb.Fatalf("open case data: %v", err)
			}
			return st
		}
		fresh := false
		if b, err := os.ReadFile(filepath.Join(dir, benchVersionFile)); err == nil && string(b) == version {
			st = open(dir)
			if fresh = !benchCasesStale(tb, st); !fresh {
				st.Close()
			}
		}
		if !fresh {
			// Build beside and swap in, so an interrupted build leaves no
			// half-filled cache.
			tmp := fmt.Sprintf("%s.build-%d", dir, os.Getpid())
			os.RemoveAll(tmp)
			defer os.RemoveAll(tmp)
			if err := os.MkdirAll(tmp, 0o700); err != nil {
				tb.Fatal(err)
			}
			if err := os.WriteFile(filepath.Join(tmp, benchKeyFile), []byte(hex.EncodeToString(benchKey)+"\n"), 0o600); err != nil {
				tb.Fatal(err)
			}
			bst := open(tmp)
			seedBenchCases(tb, bst)
			if err := bst.Close(); err != nil {
				tb.Fatal(err)
			}
			if err := os.WriteFile(filepath.Join(tmp, benchVersionFile), []byte(version), 0o600); err != nil {
				tb.Fatal(err)
			}
			if err := os.RemoveAll(dir); err != nil {
				tb.Fatal(err)
			}
			if err := os.Rename(tmp, dir); err != nil {
				tb.Fatal(err)
			}
			st = open(dir)
		}
		rdb = benchSQLiteReadPool(tb, filepath.Join(dir, "jinguo.db"))
	case store.Postgres:
		base := os.Getenv("JINGUO_TEST_POSTGRES")
		if base == "" {
			tb.Skip("JINGUO_TEST_POSTGRES not set")
		}
		u, err := url.Parse(base)
		if err != nil {
			tb.Fatal(err)
		}
		q := u.Query()
		q.Set("search_path", benchCaseSchema)
		u.RawQuery = q.Encode()
		admin, err := sql.Open("pgx", base)
		if err != nil {
			tb.Fatal(err)
		}
		defer admin.Close()
		var comment sql.NullString
		err = admin.QueryRowContext(ctx, `SELECT obj_description(oid, 'pg_namespace') FROM pg_namespace WHERE nspname = $1`, benchCaseSchema).Scan(&comment)
		fresh := err == nil && comment.String == version
		if fresh {
			st, err = store.Open(ctx, store.Config{URL: u.String(), Box: benchBox(tb)})
			if err != nil {
				tb.Fatalf("open case data: %v", err)
			}
			if fresh = !benchCasesStale(tb, st); !fresh {
				st.Close()
			}
		}
		if !fresh {
			for _, q := range []string{`DROP SCHEMA IF EXISTS ` + benchCaseSchema + ` CASCADE`, `CREATE SCHEMA ` + benchCaseSchema} {
				if _, err := admin.ExecContext(ctx, q); err != nil {
					tb.Fatal(err)
				}
			}
			if st, err = store.Open(ctx, store.Config{URL: u.String(), Box: benchBox(tb)}); err != nil {
				tb.Fatalf("open case data: %v", err)
			}
			seedBenchCases(tb, st)
			if _, err := admin.ExecContext(ctx, `COMMENT ON SCHEMA `+benchCaseSchema+` IS '`+version+`'`); err != nil {
				tb.Fatal(err)
			}
		}
		rdb = st.DB()
	default:
		tb.Fatalf("unknown engine %q", engine)
	}
	tb.Cleanup(func() { st.Close() })
	d := &benchCaseData{Store: st, ReadDB: rdb, DistUser: benchCaseDistrictUs}
	if err := st.DB().QueryRowContext(ctx, `SELECT org_id FROM users WHERE username = $1`, benchCaseDistrictUs).Scan(&d.DistrictID); err != nil {
		tb.Fatal(err)
	}
	return d
}

// benchOpenStates are the states in which a case can be overdue.
const benchOpenStates = `('registered', 'accepted', 'assigned', 'in_progress')`

// overdueBaseline answers the overdue list of the caller's subtree: the
// session lookup, the scoped SELECT Jinguo's list needs (open, past the
// deadline, handled or taken in within the subtree, newest first, 50 rows,
// with the two org names) and a JSON array written by hand. No roles,
// permissions, confidentiality or paging.
func overdueBaseline(db *sql.DB) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		scope, root, ok := baselineSession(r, db)
		if !ok {
			http.Error(w, "unauthorized", http.StatusUnauthorized)
			return
		}
		where := ""
		args := []any{time.Now().UnixMilli()}
		if !root {
			where = ` AND (c.handling_org_id IN (SELECT descendant_id FROM org_closure WHERE ancestor_id = $2)
				OR c.intake_org_id IN (SELECT descendant_id FROM org_closure WHERE ancestor_id = $2))`
			args = append(args, scope)
		}
		rows, err := db.QueryContext(r.Context(), `SELECT c.id, c.number, c.state, c.urgency, c.restricted, c.category, c.summary,
			c.due_at, c.handling_org_id, ho.name, io.name
			FROM cases c JOIN orgs ho ON ho.id = c.handling_org_id JOIN orgs io ON io.id = c.intake_org_id
			WHERE c.state IN `+benchOpenStates+` AND c.due_at > 0 AND c.due_at < $1`+where+`
			ORDER BY c.id DESC LIMIT 50`, args...)
		if err != nil {
			http.Error(w, err.Error(), http.StatusInternalServerError)
			return
		}
		defer rows.Close()
		var buf bytes.Buffer
		buf.WriteString(`{"items":[`)
		for n := 0; rows.Next(); n++ {
			var id, due, org int64
			var number, state, urgency, category, summary, orgName, intakeName string
			var restricted bool
			if err := rows.Scan(&id, &number, &state, &urgency, &restricted, &category, &summary, &due, &org, &orgName, &intakeName); err != nil {
				http.Error(w, err.Error(), http.StatusInternalServerError)
				return
			}
			if restricted {
				summary = ""
			}
			if n > 0 {
				buf.WriteByte(',')
			}
			s, _ := json.Marshal(summary)
			on, _ := json.Marshal(orgName)
			in, _ := json.Marshal(intakeName)
			fmt.Fprintf(&buf, `{"id":%d,"number":%q,"state":%q,"urgency":%q,"restricted":%t,"category":%q,"summary":%s,"due_at":%q,"org_id":%d,"org_name":%s,"intake_org_name":%s,"overdue":true}`,
				id, number, state, urgency, restricted, category, s, time.UnixMilli(due).UTC().Format(time.RFC3339), org, on, in)
		}
		if err := rows.Err(); err != nil {
			http.Error(w, err.Error(), http.StatusInternalServerError)
			return
		}
		buf.WriteString(`]}`)
		w.Header().Set("Content-Type", "application/json")
		w.Write(buf.Bytes())
	})
}

// BenchmarkCaseOverdueList times GET /api/v1/cases/overdue?limit=50 as the
// admin of a district (1/8 of the city) over 200,000 cases, one request at
// a time, beside overdueBaseline, and reports the median and p95 latency.
// Target: ≤ 20 ms median.
func BenchmarkCaseOverdueList(b *testing.B) {
	for _, engine := range storetest.Engines() {
		b.Run(string(engine), func(b *testing.B) {
			ctx := context.Background()
			d := openBenchCases(b, engine)
			var inScope int
			err := d.ReadDB.QueryRowContext(ctx, `SELECT COUNT(*) FROM cases c WHERE c.state IN `+benchOpenStates+` AND c.due_at > 0 AND c.due_at < $1
				AND (c.handling_org_id IN (SELECT descendant_id FROM org_closure WHERE ancestor_id = $2)
					OR c.intake_org_id IN (SELECT descendant_id FROM org_closure WHERE ancestor_id = $2))`,
				time.Now().UnixMilli(), d.DistrictID).Scan(&inScope)
			if err != nil {
				b.Fatal(err)
			}
			var total int
			if err := d.ReadDB.QueryRowContext(ctx, `SELECT COUNT(*) FROM cases c WHERE c.state IN `+benchOpenStates+` AND c.due_at > 0 AND c.due_at < $1`,
				time.Now().UnixMilli()).Scan(&total); err != nil {
				b.Fatal(err)
			}
			b.Logf("%s: %d of %d cases overdue (%.1f %%), %d in the district's scope", engine, total, benchCases, 100*float64(total)/benchCases, inScope)
			jg := benchServer(b, d.Store)
			base := httptest.NewServer(overdueBaseline(d.ReadDB))
			b.Cleanup(base.Close)
			c := benchClient()
			token := benchLogin(b, c, jg.URL, d.DistUser, benchPassword)
			hdr := http.Header{"Authorization": {"Bearer " + token}}
			// Both answer the same first page: 50 overdue cases, newest first.
			var pages [2][]int64
			for k, u := range []string{jg.URL + "/api/v1/cases/overdue?limit=50", base.URL + "/api/v1/cases/overdue"} {
				var list struct {
					Items []struct {
						ID      int64 `json:"id"`
						Overdue bool  `json:"overdue"`
					} `json:"items"`
				}
				if err := json.Unmarshal([]byte(benchGet(b, c, u, hdr.Clone())), &list); err != nil {
					b.Fatal(err)
				}
				for _, it := range list.Items {
					if !it.Overdue {
						b.Fatalf("GET %s: case %d is not overdue", u, it.ID)
					}
					pages[k] = append(pages[k], it.ID)
				}
			}
			if want := min(50, inScope); len(pages[0]) != want || !slices.Equal(pages[0], pages[1]) {
				b.Fatalf("overdue page: jinguo %d cases, baseline %d, want %d, the same", len(pages[0]), len(pages[1]), want)
			}
			var medians [2]float64
			for i, target := range []struct{ name, url string }{
				{"jinguo", jg.URL + "/api/v1/cases/overdue?limit=50"},
				{"baseline", base.URL + "/api/v1/cases/overdue"},
			} {
				b.Run(target.name, func(b *testing.B) {
					durations := make([]time.Duration, 0, b.N)
					b.ResetTimer()
					for range b.N {
						req, _ := http.NewRequest(http.MethodGet, target.url, nil)
						req.Header = hdr.Clone()
						start := time.Now()
						if err := benchDo(c, req, http.StatusOK); err != nil {
							b.Fatal(err)
						}
						durations = append(durations, time.Since(start))
					}
					b.StopTimer()
					slices.Sort(durations)
					medians[i] = benchPercentile(durations, 0.5)
					b.ReportMetric(medians[i], "ms/median")
					b.ReportMetric(benchPercentile(durations, 0.95), "ms/p95")
				})
			}
			if medians[0] > 0 {
				verdict := "met"
				if medians[0] > 20 {
					verdict = "MISSED"
				}
				b.Logf("overdue list %s district: jinguo %.2f ms median, baseline %.2f ms (target ≤ 20 ms: %s)", engine, medians[0], medians[1], verdict)
			}
		})
	}
}
