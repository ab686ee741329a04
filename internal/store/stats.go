package store

import (
	"context"

	"jinguo/internal/auth"
)

// Counts are the headline numbers of the actor's part of the tree.
type Counts struct {
	Orgs, People, Families, Users int
}

// ScopeCounts counts what the actor can see.
func (s *Store) ScopeCounts(ctx context.Context, a auth.Actor) (Counts, error) {
	var c Counts
	for _, q := range []struct {
		dst   *int
		expr  string
		table string
		col   string
	}{
		{&c.Orgs, "COUNT(*)", "orgs", "id"},
		{&c.People, "COALESCE(SUM(people), 0)", "org_counts", "org_id"},
		{&c.Families, "COUNT(*)", "families", "org_id"},
		{&c.Users, "COUNT(*)", "users", "org_id"},
	} {
		var ar args
		if err := s.rdb.QueryRowContext(ctx, `SELECT `+q.expr+` FROM `+q.table+` WHERE `+scopeFilter(&ar, a.Scope, q.col), ar...).Scan(q.dst); err != nil {
			return c, normalize(err)
		}
	}
	return c, nil
}

// TagCount is the number of people carrying a tag.
type TagCount struct {
	Code  string
	Count int
}

// CountTags counts people in scope per tag, most common first.
func (s *Store) CountTags(ctx context.Context, a auth.Actor) ([]TagCount, error) {
	var ar args
	rows, err := s.rdb.QueryContext(ctx, `SELECT t.tag, COUNT(*) FROM person_tags t JOIN people p ON p.id = t.person_id
		WHERE `+scopeFilter(&ar, a.Scope, "p.org_id")+` GROUP BY t.tag ORDER BY COUNT(*) DESC, t.tag`, ar...)
	if err != nil {
		return nil, normalize(err)
	}
	defer rows.Close()
	var out []TagCount
	for rows.Next() {
		var t TagCount
		if err := rows.Scan(&t.Code, &t.Count); err != nil {
			return nil, normalize(err)
		}
		out = append(out, t)
	}
	return out, normalize(rows.Err())
}
