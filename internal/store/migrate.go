package store

import (
	"context"
	"embed"
	"fmt"
	"io/fs"
	"sort"
	"strings"
)

//go:embed migrations
var migrationFS embed.FS

// migrationLock is the PostgreSQL advisory lock key that serialises
// migrations when several servers start at once.
const migrationLock = 0x6a696e67756f

// Migrate applies the embedded migrations for the store's engine that have
// not run yet, all in one transaction: a failed migration leaves the schema
// as it was.
func (s *Store) Migrate(ctx context.Context) error {
	dir := "migrations/" + string(s.engine)
	entries, err := fs.ReadDir(migrationFS, dir)
	if err != nil {
		return fmt.Errorf("read migrations: %w", err)
	}
	var names []string
	for _, e := range entries {
		if strings.HasSuffix(e.Name(), ".sql") {
			names = append(names, e.Name())
		}
	}
	sort.Strings(names)
	return s.transact(ctx, func(tx *Tx) error {
		if s.engine == Postgres {
			if _, err := tx.ExecContext(ctx, `SELECT pg_advisory_xact_lock($1)`, int64(migrationLock)); err != nil {
				return fmt.Errorf("lock migrations: %w", err)
			}
		}
		if _, err := tx.ExecContext(ctx, `CREATE TABLE IF NOT EXISTS schema_migrations (version TEXT PRIMARY KEY, applied_at BIGINT NOT NULL)`); err != nil {
			return fmt.Errorf("create schema_migrations: %w", err)
		}
		for _, name := range names {
			version := strings.TrimSuffix(name, ".sql")
			var n int
			if err := tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM schema_migrations WHERE version = $1`, version).Scan(&n); err != nil {
				return err
			}
			if n > 0 {
				continue
			}
			body, err := migrationFS.ReadFile(dir + "/" + name)
			if err != nil {
				return err
			}
			// Unprepared: a migration is many statements.
			if _, err := tx.Tx.ExecContext(ctx, string(body)); err != nil {
				return fmt.Errorf("migration %s: %w", name, err)
			}
			if _, err := tx.ExecContext(ctx, `INSERT INTO schema_migrations (version, applied_at) VALUES ($1, $2)`, version, ms(tx.now)); err != nil {
				return err
			}
		}
		return nil
	})
}
