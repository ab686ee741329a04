// Package store is the only package that talks SQL. One implementation
// serves both engines: SQLite (embedded default, modernc.org/sqlite) and
// PostgreSQL (pgx). Every list, count, search, export and fetch by id is
// filtered by the actor's data scope here, never in handlers.
package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	_ "github.com/jackc/pgx/v5/stdlib" // registers the "pgx" driver
	_ "modernc.org/sqlite"             // registers the "sqlite" driver

	"jinguo/internal/dicts"
	"jinguo/internal/orgs"
	"jinguo/internal/secret"
)

// Engine names a database engine.
type Engine string

// The supported engines.
const (
	SQLite   Engine = "sqlite"
	Postgres Engine = "postgres"
)

// Config says which database to open and how.
type Config struct {
	// URL is a postgres:// URL, or empty for SQLite in DataDir.
	URL string
	// DataDir holds the SQLite file (jinguo.db) when URL is empty.
	DataDir string
	// Box encrypts sensitive fields and computes lookup hashes.
	Box *secret.Box
	// Now is the clock; nil means time.Now.
	Now func() time.Time
}

// Store is the database. It is safe for concurrent use.
type Store struct {
	engine Engine
	// wdb takes writes and read-then-write transactions. On SQLite it is a
	// single connection whose transactions begin IMMEDIATE, so writers queue
	// instead of failing with SQLITE_BUSY.
	wdb *sql.DB
	// rdb serves reads; on PostgreSQL it is the same pool as wdb.
	rdb *readPool
	// wcache holds statements prepared on the write connection (SQLite).
	wcache *stmtCache
	box    *secret.Box
	now    func() time.Time
	// dicts and orgLists cache frequent reads of rarely changed data
	// (shared by WithClock copies).
	dicts    *ttlCache[string, dicts.Dictionary]
	orgLists *ttlCache[string, []orgs.Org]
	unread   *ttlCache[[2]int64, int]
	totals   *ttlCache[string, int]
}

// Open opens (and migrates) the database described by cfg.
func Open(ctx context.Context, cfg Config) (*Store, error) {
	if cfg.Box == nil {
		return nil, errors.New("store: no secret box")
	}
	s := &Store{box: cfg.Box, now: cfg.Now, dicts: &ttlCache[string, dicts.Dictionary]{}, orgLists: &ttlCache[string, []orgs.Org]{}, unread: &ttlCache[[2]int64, int]{}, totals: &ttlCache[string, int]{}}
	if s.now == nil {
		s.now = time.Now
	}
	var err error
	if strings.HasPrefix(cfg.URL, "postgres://") || strings.HasPrefix(cfg.URL, "postgresql://") {
		s.engine = Postgres
		s.wdb, err = sql.Open("pgx", cfg.URL)
		if err != nil {
			return nil, fmt.Errorf("open postgres: %w", err)
		}
		s.wdb.SetMaxOpenConns(20)
		s.wdb.SetMaxIdleConns(20)
		s.wdb.SetConnMaxIdleTime(5 * time.Minute)
		s.rdb = &readPool{DB: s.wdb}
	} else {
		if cfg.URL != "" && !strings.HasPrefix(cfg.URL, "sqlite:") {
			return nil, fmt.Errorf("database URL %q: want postgres:// or empty for SQLite", cfg.URL)
		}
		s.engine = SQLite
		path := strings.TrimPrefix(cfg.URL, "sqlite:")
		if path == "" {
			if err := os.MkdirAll(cfg.DataDir, 0o700); err != nil {
				return nil, fmt.Errorf("create data dir: %w", err)
			}
			path = filepath.Join(cfg.DataDir, "jinguo.db")
		}
		if s.wdb, err = sql.Open("sqlite", sqliteDSN(path, true)); err != nil {
			return nil, fmt.Errorf("open sqlite: %w", err)
		}
		s.wdb.SetMaxOpenConns(1)
		s.wdb.SetMaxIdleConns(1)
		s.wdb.SetConnMaxLifetime(0)
		rdb, err := sql.Open("sqlite", sqliteDSN(path, false))
		if err != nil {
			return nil, fmt.Errorf("open sqlite: %w", err)
		}
		s.rdb = &readPool{DB: rdb, cache: newStmtCache(rdb, 512)}
		s.wcache = newStmtCache(s.wdb, 512)
		s.rdb.SetMaxOpenConns(4)
		s.rdb.SetMaxIdleConns(4)
		s.rdb.SetConnMaxLifetime(0)
	}
	if err := s.wdb.PingContext(ctx); err != nil {
		s.Close()
		return nil, fmt.Errorf("connect to %s: %w", s.engine, err)
	}
	if err := s.Migrate(ctx); err != nil {
		s.Close()
		return nil, err
	}
	if err := s.seed(ctx); err != nil {
		s.Close()
		return nil, err
	}
	if s.engine == SQLite {
		// Gather planner statistics for tables that need them: without them
		// SQLite picks poor plans on large tables (a name search scanned
		// every person). 0x10002 checks every table, with a bounded cost.
		if _, err := s.wdb.ExecContext(ctx, `PRAGMA optimize=0x10002`); err != nil {
			s.Close()
			return nil, fmt.Errorf("optimize: %w", err)
		}
	}
	return s, nil
}

// sqliteDSN builds the connection string with the pragmas every connection
// needs. cache_size is per connection: 2 MiB keeps the server small.
func sqliteDSN(path string, writer bool) string {
	q := url.Values{}
	q.Add("_pragma", "busy_timeout(10000)")
	q.Add("_pragma", "foreign_keys(1)")
	q.Add("_pragma", "journal_mode(WAL)")
	q.Add("_pragma", "synchronous(NORMAL)")
	q.Add("_pragma", "cache_size(-2048)")
	if writer {
		q.Set("_txlock", "immediate")
	} else {
		q.Add("_pragma", "query_only(1)")
	}
	return "file:" + path + "?" + q.Encode()
}

// Optimize refreshes planner statistics after bulk changes (SQLite's
// PRAGMA optimize; PostgreSQL's autovacuum does this by itself).
func (s *Store) Optimize(ctx context.Context) error {
	if s.engine != SQLite {
		return nil
	}
	_, err := s.wdb.ExecContext(ctx, `PRAGMA optimize`)
	return normalize(err)
}

// Engine reports which engine the store runs on.
func (s *Store) Engine() Engine { return s.engine }

// WithClock returns a store sharing s's database but reading the given
// clock: for loading dated history (the demo city) and for tests.
func (s *Store) WithClock(now func() time.Time) *Store {
	c := *s
	c.now = now
	return &c
}

// Now returns the store's clock reading.
func (s *Store) Now() time.Time { return s.now() }

// Box returns the secret box the store encrypts with.
func (s *Store) Box() *secret.Box { return s.box }

// Close closes the connection pools.
func (s *Store) Close() error {
	// Prepared statements first, then the pools they belong to.
	if s.rdb != nil {
		s.rdb.cache.close()
	}
	s.wcache.close()
	var errs []error
	if s.wdb != nil {
		errs = append(errs, s.wdb.Close())
	}
	if s.rdb != nil && s.rdb.DB != s.wdb {
		errs = append(errs, s.rdb.DB.Close())
	}
	return errors.Join(errs...)
}

// Ping checks that the database answers.
func (s *Store) Ping(ctx context.Context) error {
	var one int
	return s.rdb.QueryRowContext(ctx, "SELECT 1").Scan(&one)
}

// DB exposes the write pool for benchmarks' bare-SQL baselines.
func (s *Store) DB() *sql.DB { return s.wdb }

// queryer is what both *sql.DB and *sql.Tx offer.
type queryer interface {
	ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error)
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
}

// Tx is a write transaction. Helpers that need to run inside one take it.
type Tx struct {
	*sql.Tx
	s   *Store
	now time.Time
}

// transact runs fn in one write transaction, committing when fn returns nil.
// Every store method that writes runs in exactly one transaction, so a
// failed operation writes nothing.
func (s *Store) transact(ctx context.Context, fn func(tx *Tx) error) (err error) {
	sqlTx, err := s.wdb.BeginTx(ctx, nil)
	if err != nil {
		return normalize(err)
	}
	tx := &Tx{Tx: sqlTx, s: s, now: s.now().UTC()}
	// Runs last, once the commit or rollback has freed the connection.
	defer s.wcache.preparePending(context.WithoutCancel(ctx))
	defer func() {
		if p := recover(); p != nil {
			_ = sqlTx.Rollback()
			panic(p)
		}
		if err != nil {
			_ = sqlTx.Rollback()
			err = normalize(err)
			return
		}
		err = normalize(sqlTx.Commit())
	}()
	return fn(tx)
}

// insertID runs an INSERT … RETURNING id and returns the id.
func insertID(ctx context.Context, q queryer, query string, args ...any) (int64, error) {
	var id int64
	err := q.QueryRowContext(ctx, query+" RETURNING id", args...).Scan(&id)
	return id, err
}

// args collects positional query arguments and hands out their $n markers.
// $n works on both engines.
type args []any

func (a *args) add(v any) string {
	*a = append(*a, v)
	return "$" + strconv.Itoa(len(*a))
}

// list returns "$i, $j, …" for vs, adding each.
func (a *args) list(vs ...any) string {
	marks := make([]string, len(vs))
	for i, v := range vs {
		marks[i] = a.add(v)
	}
	return strings.Join(marks, ", ")
}

func ms(t time.Time) int64 {
	if t.IsZero() {
		return 0
	}
	return t.UnixMilli()
}

func fromMS(v int64) time.Time {
	if v == 0 {
		return time.Time{}
	}
	return time.UnixMilli(v).UTC()
}

const dateLayout = "2006-01-02"

func parseDate(s string) time.Time {
	t, _ := time.Parse(dateLayout, s)
	return t
}

// joinIDs and splitIDs store small id sets in a TEXT column.
func joinIDs(ids []int64) string {
	parts := make([]string, len(ids))
	for i, id := range ids {
		parts[i] = strconv.FormatInt(id, 10)
	}
	return strings.Join(parts, ",")
}

func splitIDs(s string) []int64 {
	if s == "" {
		return nil
	}
	var out []int64
	for _, p := range strings.Split(s, ",") {
		if id, err := strconv.ParseInt(p, 10, 64); err == nil {
			out = append(out, id)
		}
	}
	return out
}

func itoa(id int64) string {
	if id == 0 {
		return ""
	}
	return strconv.FormatInt(id, 10)
}

// seed adds the built-in roles and dictionaries that are missing. It never
// overwrites an administrator's edits.
func (s *Store) seed(ctx context.Context) error {
	if err := s.EnsureBuiltInRoles(ctx); err != nil {
		return fmt.Errorf("seed roles: %w", err)
	}
	if err := s.EnsureDictionaries(ctx); err != nil {
		return fmt.Errorf("seed dictionaries: %w", err)
	}
	return nil
}
