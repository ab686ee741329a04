// Package storetest opens fresh, migrated databases for tests: SQLite in a
// temporary directory always, and PostgreSQL when JINGUO_TEST_POSTGRES holds
// a postgres:// URL (each test gets its own schema, dropped afterwards).
package storetest

import (
	"context"
	"crypto/rand"
	"database/sql"
	"fmt"
	"net/url"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	_ "github.com/jackc/pgx/v5/stdlib" // registers the "pgx" driver

	"jinguo/internal/secret"
	"jinguo/internal/store"
)

// Engines lists the engines available to this test run.
func Engines() []store.Engine {
	if os.Getenv("JINGUO_TEST_POSTGRES") != "" {
		return []store.Engine{store.SQLite, store.Postgres}
	}
	return []store.Engine{store.SQLite}
}

// Clock is a settable clock for tests.
type Clock struct {
	mu sync.Mutex
	t  time.Time
}

// NewClock returns a clock reading t.
func NewClock(t time.Time) *Clock { return &Clock{t: t} }

// Now returns the clock's time.
func (c *Clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

// Advance moves the clock forward by d.
func (c *Clock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

// Set sets the clock.
func (c *Clock) Set(t time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = t
}

// Options tune Open.
type Options struct {
	Now func() time.Time // nil: time.Now
	Key []byte           // nil: a random key
}

// Box returns a secret box with a random key.
func Box(t testing.TB) *secret.Box {
	t.Helper()
	key := make([]byte, 32)
	rand.Read(key)
	b, err := secret.New(key)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// Open returns a fresh migrated store on engine, closed when the test ends.
func Open(t testing.TB, engine store.Engine, opt Options) *store.Store {
	t.Helper()
	box := Box(t)
	if opt.Key != nil {
		var err error
		if box, err = secret.New(opt.Key); err != nil {
			t.Fatal(err)
		}
	}
	cfg := store.Config{Box: box, Now: opt.Now}
	switch engine {
	case store.SQLite:
		cfg.DataDir = t.TempDir()
	case store.Postgres:
		cfg.URL = PostgresURL(t)
	}
	s, err := store.Open(context.Background(), cfg)
	if err != nil {
		t.Fatalf("open %s: %v", engine, err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

// PostgresURL creates a fresh schema in the database named by
// JINGUO_TEST_POSTGRES and returns a URL whose search_path selects it. The
// schema is dropped when the test ends.
func PostgresURL(t testing.TB) string {
	t.Helper()
	base := os.Getenv("JINGUO_TEST_POSTGRES")
	if base == "" {
		t.Skip("JINGUO_TEST_POSTGRES not set")
	}
	schema := fmt.Sprintf("t_%d_%s", time.Now().UnixNano(), strings.ToLower(rand.Text()[:6]))
	admin, err := sql.Open("pgx", base)
	if err != nil {
		t.Fatal(err)
	}
	defer admin.Close()
	if _, err := admin.Exec(`CREATE SCHEMA ` + schema); err != nil {
		t.Fatalf("create schema: %v", err)
	}
	t.Cleanup(func() {
		db, err := sql.Open("pgx", base)
		if err != nil {
			return
		}
		defer db.Close()
		db.Exec(`DROP SCHEMA ` + schema + ` CASCADE`)
	})
	u, err := url.Parse(base)
	if err != nil {
		t.Fatal(err)
	}
	q := u.Query()
	q.Set("search_path", schema)
	u.RawQuery = q.Encode()
	return u.String()
}

// ForEach runs fn as a subtest on every available engine, each with a fresh
// store.
func ForEach(t *testing.T, opt Options, fn func(t *testing.T, s *store.Store)) {
	t.Helper()
	for _, e := range Engines() {
		t.Run(string(e), func(t *testing.T) {
			fn(t, Open(t, e, opt))
		})
	}
}
