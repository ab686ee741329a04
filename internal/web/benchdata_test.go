package web

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"sort"
	"testing"
	"time"

	"jinguo/internal/auth"
	"jinguo/internal/orgs"
	"jinguo/internal/people"
	"jinguo/internal/secret"
	"jinguo/internal/store"
)

// The benchmark city: 100,000 people over 1 city, 8 districts, 40
// townships and 320 villages. It takes a while to build through the store,
// so it is built once and kept: for SQLite in $TMPDIR/jinguo-bench-100k/,
// for PostgreSQL in the schema bench_100k. Both are rebuilt when the
// migrations or this generator change (benchDataVersion).
const (
	benchPeople        = 100_000
	benchBatch         = 1_000
	benchGenerator     = "2" // bump when the generated data changes
	benchSchema        = "bench_100k"
	benchDirName       = "jinguo-bench-100k"
	benchCityUser      = "bench-city"
	benchTownUser      = "bench-town"
	benchPassword      = "Bench-Pass-2024!"
	benchTownshipCode  = "330102001000" // the township whose cadre lists its people
	benchManifestFile  = "bench.json"
	benchKeyFile       = "secret.key"
	benchVersionFile   = "VERSION"
	benchDistrictCount = 8
	benchTownsPer      = 5
	benchVillagesPer   = 8
)

// benchKey is the master key of the benchmark data. The data is synthetic,
// so a fixed key is harmless and keeps the SQLite and PostgreSQL copies
// readable across runs.
var benchKey = func() []byte {
	k := sha256.Sum256([]byte("jinguo benchmark data key"))
	return k[:]
}()

var (
	benchDistricts = []struct{ name, code string }{
		{"临江区", "02"}, {"鼓楼区", "03"}, {"湖滨区", "04"}, {"城北区", "05"},
		{"江南区", "06"}, {"东湖区", "08"}, {"青溪县", "09"}, {"云山县", "10"},
	}
	benchSurnames = []string{"王", "李", "张", "刘", "陈", "杨", "黄", "赵", "吴", "周", "徐", "孙", "马", "朱", "胡",
		"郭", "何", "林", "罗", "高", "郑", "梁", "谢", "宋", "唐", "许", "韩", "冯", "邓", "曹"}
	benchGiven = []string{"芳", "娟", "敏", "静", "丽", "艳", "霞", "英", "秀英", "桂英", "秀兰", "玉兰",
		"桂兰", "丽娟", "晓燕", "海燕", "雪梅", "春梅", "红梅", "美玲", "婷婷", "佳怡", "思雨", "欣怡"}
	benchEducation  = []string{"20", "30", "40", "60", "70", "80"}
	benchEmployment = []string{"employed", "self_employed", "farmer", "flexible", "retired", "other"}
	benchTags       = []string{"dibao", "low_income", "single_parent", "elderly", "new_farmer"}
)

// benchManifest describes a built data set; the load test reads it too.
type benchManifest struct {
	Version       string `json:"version"`
	People        int    `json:"people"`
	TownshipOrgID int64  `json:"township_org_id"`
	CityUser      string `json:"city_user"`
	TownUser      string `json:"town_user"`
	Password      string `json:"password"`
	KeyHex        string `json:"key_hex"`
	SeedSeconds   string `json:"seed_seconds"`
}

// benchData is an open 100,000-person store.
type benchData struct {
	Store    *store.Store
	Manifest benchManifest
	// ReadDB is a read pool for the bare-SQL baselines, tuned as the
	// store's own read pool.
	ReadDB *sql.DB
}

// mix is splitmix64: the fields of person i are a pure function of i, so
// benchmarks can recompute the ID number or phone of any seeded person.
func mix(i uint64) uint64 {
	z := i + 0x9e3779b97f4a7c15
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9
	z = (z ^ (z >> 27)) * 0x94d049bb133111eb
	return z ^ (z >> 31)
}

// benchIDNumber returns a valid female ID number under the 6-digit area
// code, unique for each n below 20,000 × 500.
func benchIDNumber(area string, n int) string {
	birth := time.Date(1950, 1, 1, 0, 0, 0, 0, time.UTC).AddDate(0, 0, n%20000)
	seq := (n / 20000) * 2 // even: female
	first17 := fmt.Sprintf("%s%s%03d", area, birth.Format("20060102"), seq)
	return first17 + string(people.CheckDigit(first17))
}

// benchVillage returns the village index (0..319) of person i.
func benchVillage(i int) int {
	return int(mix(uint64(i)) % uint64(benchDistrictCount*benchTownsPer*benchVillagesPer))
}

func benchDistrictCode(village int) string {
	return "3301" + benchDistricts[village/(benchTownsPer*benchVillagesPer)].code
}

// benchPersonID returns the ID number of seeded person i.
func benchPersonID(i int) string { return benchIDNumber(benchDistrictCode(benchVillage(i)), i) }

// benchPersonPhone returns the mobile number of seeded person i, or ""
// for the one in ten registered without one.
func benchPersonPhone(i int) string {
	if mix(uint64(i))>>40%10 == 0 {
		return ""
	}
	return fmt.Sprintf("13%09d", i)
}

// benchPersonName returns the name of seeded person i.
func benchPersonName(i int) string {
	h := mix(uint64(i))
	return benchSurnames[h>>10%uint64(len(benchSurnames))] + benchGiven[h>>20%uint64(len(benchGiven))]
}

// benchPerson returns the registration of seeded person i; villages maps
// village index to org id.
func benchPerson(i int, villages []int64) people.Input {
	h := mix(uint64(i))
	v := benchVillage(i)
	in := people.Input{
		OrgID:      villages[v],
		Name:       benchPersonName(i),
		IDNumber:   benchPersonID(i),
		Phone:      benchPersonPhone(i),
		Ethnicity:  "01",
		Education:  benchEducation[h>>30%uint64(len(benchEducation))],
		Employment: benchEmployment[h>>35%uint64(len(benchEmployment))],
	}
	if h>>45%20 == 0 {
		in.Ethnicity = "03"
	}
	if h>>50%3 == 0 {
		in.AddressDetail = fmt.Sprintf("幸福路%d号%d室", h>>8%300+1, h>>16%600+101)
	}
	if h>>55%5 == 0 {
		in.Tags = []string{benchTags[h>>3%uint64(len(benchTags))]}
	}
	return in
}

// benchVersion names the schema and the generator: a change to either
// rebuilds the data. Tests run in the package directory, so the migrations
// are found beside it.
func benchVersion(tb testing.TB) string {
	tb.Helper()
	files, err := filepath.Glob(filepath.Join("..", "store", "migrations", "*", "*.sql"))
	if err != nil || len(files) == 0 {
		tb.Fatalf("find migrations: %v (%d files)", err, len(files))
	}
	sort.Strings(files)
	h := sha256.New()
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			tb.Fatal(err)
		}
		fmt.Fprintf(h, "%s\n%d\n", filepath.ToSlash(f), len(b))
		h.Write(b)
	}
	return fmt.Sprintf("g%s-%x", benchGenerator, h.Sum(nil)[:8])
}

// benchDir is where the SQLite copy lives.
func benchDir() string { return filepath.Join(os.TempDir(), benchDirName) }

// openBenchData opens the 100,000-person data set on engine, building it
// first when it is missing or stale. The store is closed when tb ends.
func openBenchData(tb testing.TB, engine store.Engine) *benchData {
	tb.Helper()
	switch engine {
	case store.SQLite:
		return openBenchSQLite(tb)
	case store.Postgres:
		return openBenchPostgres(tb)
	}
	tb.Fatalf("unknown engine %q", engine)
	return nil
}

func benchBox(tb testing.TB) *secret.Box {
	tb.Helper()
	box, err := secret.New(benchKey)
	if err != nil {
		tb.Fatal(err)
	}
	return box
}

func openBenchSQLite(tb testing.TB) *benchData {
	tb.Helper()
	ctx := context.Background()
	dir := benchDir()
	version := benchVersion(tb)
	if b, err := os.ReadFile(filepath.Join(dir, benchVersionFile)); err != nil || string(b) != version {
		buildBenchSQLite(tb, dir, version)
	}
	var m benchManifest
	b, err := os.ReadFile(filepath.Join(dir, benchManifestFile))
	if err == nil {
		err = json.Unmarshal(b, &m)
	}
	if err != nil {
		tb.Fatalf("read manifest: %v", err)
	}
	st, err := store.Open(ctx, store.Config{DataDir: dir, Box: benchBox(tb)})
	if err != nil {
		tb.Fatalf("open bench data: %v", err)
	}
	tb.Cleanup(func() { st.Close() })
	q := url.Values{}
	for _, p := range []string{"busy_timeout(10000)", "journal_mode(WAL)", "cache_size(-2048)", "query_only(1)"} {
		q.Add("_pragma", p)
	}
	rdb, err := sql.Open("sqlite", "file:"+filepath.Join(dir, "jinguo.db")+"?"+q.Encode())
	if err != nil {
		tb.Fatal(err)
	}
	rdb.SetMaxOpenConns(4)
	rdb.SetMaxIdleConns(4)
	tb.Cleanup(func() { rdb.Close() })
	return &benchData{Store: st, Manifest: m, ReadDB: rdb}
}

// buildBenchSQLite builds the data set in a sibling directory and swaps it
// in, so an interrupted build never leaves a half-filled cache behind.
func buildBenchSQLite(tb testing.TB, dir, version string) {
	tb.Helper()
	tmp := fmt.Sprintf("%s.build-%d", dir, os.Getpid())
	os.RemoveAll(tmp)
	if err := os.MkdirAll(tmp, 0o700); err != nil {
		tb.Fatal(err)
	}
	defer os.RemoveAll(tmp)
	if err := os.WriteFile(filepath.Join(tmp, benchKeyFile), []byte(hex.EncodeToString(benchKey)+"\n"), 0o600); err != nil {
		tb.Fatal(err)
	}
	st, err := store.Open(context.Background(), store.Config{DataDir: tmp, Box: benchBox(tb)})
	if err != nil {
		tb.Fatalf("open: %v", err)
	}
	m := seedBench(tb, st, version)
	if err := st.Close(); err != nil { // checkpoints the WAL into jinguo.db
		tb.Fatal(err)
	}
	b, _ := json.MarshalIndent(m, "", "  ")
	if err := os.WriteFile(filepath.Join(tmp, benchManifestFile), b, 0o600); err != nil {
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
}

// benchPostgresURL returns the URL selecting the bench_100k schema.
func benchPostgresURL(tb testing.TB) (base, withSchema string) {
	tb.Helper()
	base = os.Getenv("JINGUO_TEST_POSTGRES")
	if base == "" {
		tb.Skip("JINGUO_TEST_POSTGRES not set")
	}
	u, err := url.Parse(base)
	if err != nil {
		tb.Fatal(err)
	}
	q := u.Query()
	q.Set("search_path", benchSchema)
	u.RawQuery = q.Encode()
	return base, u.String()
}

func openBenchPostgres(tb testing.TB) *benchData {
	tb.Helper()
	ctx := context.Background()
	base, u := benchPostgresURL(tb)
	version := benchVersion(tb)
	admin, err := sql.Open("pgx", base)
	if err != nil {
		tb.Fatal(err)
	}
	defer admin.Close()
	// The schema's comment holds the version, set only once the build is
	// complete; the count catches rows added or lost since.
	var comment sql.NullString
	err = admin.QueryRowContext(ctx, `SELECT obj_description(oid, 'pg_namespace') FROM pg_namespace WHERE nspname = $1`, benchSchema).Scan(&comment)
	fresh := err == nil && comment.String == version
	if fresh {
		var n int
		if err := admin.QueryRowContext(ctx, `SELECT COUNT(*) FROM `+benchSchema+`.people`).Scan(&n); err != nil || n != benchPeople {
			tb.Logf("bench_100k holds %d people (err %v): rebuilding", n, err)
			fresh = false
		}
	}
	if !fresh {
		if _, err := admin.ExecContext(ctx, `DROP SCHEMA IF EXISTS `+benchSchema+` CASCADE`); err != nil {
			tb.Fatal(err)
		}
		if _, err := admin.ExecContext(ctx, `CREATE SCHEMA `+benchSchema); err != nil {
			tb.Fatal(err)
		}
	}
	st, err := store.Open(ctx, store.Config{URL: u, Box: benchBox(tb)})
	if err != nil {
		tb.Fatalf("open bench data: %v", err)
	}
	tb.Cleanup(func() { st.Close() })
	var m benchManifest
	if !fresh {
		m = seedBench(tb, st, version)
		if _, err := admin.ExecContext(ctx, `COMMENT ON SCHEMA `+benchSchema+` IS '`+version+`'`); err != nil {
			tb.Fatal(err)
		}
	} else {
		m = benchManifest{Version: version, People: benchPeople, CityUser: benchCityUser, TownUser: benchTownUser,
			Password: benchPassword, KeyHex: hex.EncodeToString(benchKey)}
		if err := st.DB().QueryRowContext(ctx, `SELECT id FROM orgs WHERE division_code = $1`, benchTownshipCode).Scan(&m.TownshipOrgID); err != nil {
			tb.Fatal(err)
		}
	}
	return &benchData{Store: st, Manifest: m, ReadDB: st.DB()}
}

// seedBench fills an empty store: the tree, two cadres and the people,
// through the store's own paths (CreateOrg, CreateUser, CreatePeople).
func seedBench(tb testing.TB, st *store.Store, version string) benchManifest {
	tb.Helper()
	ctx := context.Background()
	sys := auth.System()
	start := time.Now()
	nOrgs := 0
	add := func(parent int64, name string, kind orgs.Kind, code string) int64 {
		nOrgs++
		o, err := st.CreateOrg(ctx, sys, orgs.Input{ParentID: parent, Name: name, Kind: kind, DivisionCode: code})
		if err != nil {
			tb.Fatalf("create org %s: %v", name, err)
		}
		return o.ID
	}
	city := add(0, "金城市妇联", orgs.City, "330100000000")
	var villages []int64
	var township int64
	for _, d := range benchDistricts {
		did := add(city, d.name+"妇联", orgs.District, "3301"+d.code+"000000")
		for t := 1; t <= benchTownsPer; t++ {
			tcode := fmt.Sprintf("3301%s%03d000", d.code, t)
			tid := add(did, fmt.Sprintf("%s第%d街道妇联", d.name, t), orgs.Township, tcode)
			if tcode == benchTownshipCode {
				township = tid
			}
			for v := 1; v <= benchVillagesPer; v++ {
				villages = append(villages, add(tid, fmt.Sprintf("%s第%d街道第%d社区妇联", d.name, t, v), orgs.Village, tcode[:9]+fmt.Sprintf("%03d", v)))
			}
		}
	}
	for _, u := range []struct {
		name string
		org  int64
	}{{benchCityUser, city}, {benchTownUser, township}} {
		created, err := st.CreateUser(ctx, sys, store.UserInput{Username: u.name, DisplayName: u.name, Password: "Jinguo-Test-2024", OrgID: u.org, Role: auth.RoleCadre})
		if err != nil {
			tb.Fatalf("create user %s: %v", u.name, err)
		}
		if err := st.ChangePassword(ctx, auth.Actor{UserID: created.ID, Username: u.name}, "Jinguo-Test-2024", benchPassword); err != nil {
			tb.Fatalf("change password of %s: %v", u.name, err)
		}
	}
	orgTime := time.Since(start)
	start = time.Now()
	batch := make([]people.Input, 0, benchBatch)
	for i := 0; i < benchPeople; i++ {
		batch = append(batch, benchPerson(i, villages))
		if len(batch) == benchBatch || i == benchPeople-1 {
			if _, err := st.CreatePeople(ctx, sys, batch); err != nil {
				tb.Fatalf("create people %d–%d: %v", i+1-len(batch), i, err)
			}
			batch = batch[:0]
		}
	}
	seed := time.Since(start)
	tb.Logf("seeded %s: %d orgs and 2 users in %s, %d people in %s (%.0f people/s, batches of %d)",
		st.Engine(), nOrgs, orgTime.Round(time.Millisecond),
		benchPeople, seed.Round(time.Millisecond), benchPeople/seed.Seconds(), benchBatch)
	return benchManifest{Version: version, People: benchPeople, TownshipOrgID: township, CityUser: benchCityUser,
		TownUser: benchTownUser, Password: benchPassword, KeyHex: hex.EncodeToString(benchKey),
		SeedSeconds: fmt.Sprintf("%.1f", seed.Seconds())}
}

// TestBuildBenchData builds (or checks) the cached SQLite data set and
// prints where it is. The load test in cmd/jinguo runs it to share this
// generator; ordinary test runs skip it.
func TestBuildBenchData(t *testing.T) {
	if os.Getenv("JINGUO_BUILD_BENCH_DATA") == "" {
		t.Skip("set JINGUO_BUILD_BENCH_DATA=1 to build the 100,000-person benchmark data")
	}
	d := openBenchData(t, store.SQLite)
	n, err := d.Store.CountPeople(context.Background(), auth.System(), store.PeopleFilter{})
	if err != nil {
		t.Fatal(err)
	}
	if n < benchPeople {
		t.Fatalf("bench data holds %d people, want at least %d", n, benchPeople)
	}
	fmt.Printf("JINGUO_BENCH_DIR=%s\n", benchDir())
}
