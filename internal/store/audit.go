package store

import (
	"context"
	"database/sql"
	"time"

	"jinguo/internal/apperr"
	"jinguo/internal/audit"
	"jinguo/internal/auth"
)

// audit appends one entry inside the caller's transaction, so the trail and
// the change it records commit together or not at all.
func (tx *Tx) audit(ctx context.Context, a auth.Actor, action audit.Action, entity string, entityID int64, detail string) error {
	return writeAudit(ctx, tx, tx.now, a, action, entity, entityID, detail)
}

func writeAudit(ctx context.Context, q queryer, at time.Time, a auth.Actor, action audit.Action, entity string, entityID int64, detail string) error {
	_, err := q.ExecContext(ctx, `INSERT INTO audit_log (at, user_id, username, org_id, action, entity, entity_id, detail, ip, user_agent)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)`,
		ms(at), nullID(a.UserID), a.Username, nullID(a.OrgID), string(action), entity, nullID(entityID), detail, a.IP, truncate(a.UserAgent, 300))
	return err
}

// Audit appends an entry in its own transaction, for events that change
// nothing else (an export, a failed login).
func (s *Store) Audit(ctx context.Context, a auth.Actor, action audit.Action, entity string, entityID int64, detail string) error {
	return s.transact(ctx, func(tx *Tx) error {
		return tx.audit(ctx, a, action, entity, entityID, detail)
	})
}

// ListAudit returns entries matching f, newest first, within the actor's
// scope (entries of acting orgs inside the scope).
func (s *Store) ListAudit(ctx context.Context, a auth.Actor, f audit.Filter) ([]audit.Entry, int64, error) {
	var ar args
	where := []string{scopeFilter(&ar, a.Scope, "l.org_id")}
	if a.Scope.All {
		where = nil
	}
	if f.UserID != 0 {
		where = append(where, "l.user_id = "+ar.add(f.UserID))
	}
	if f.Username != "" {
		where = append(where, "l.username = "+ar.add(f.Username))
	}
	if f.OrgID != 0 {
		where = append(where, subtreeFilter(&ar, f.OrgID, "l.org_id"))
	}
	if f.Action != "" {
		where = append(where, "l.action = "+ar.add(string(f.Action)))
	}
	if f.Entity != "" {
		where = append(where, "l.entity = "+ar.add(f.Entity))
	}
	if f.EntityID != 0 {
		where = append(where, "l.entity_id = "+ar.add(f.EntityID))
	}
	if !f.From.IsZero() {
		where = append(where, "l.at >= "+ar.add(ms(f.From)))
	}
	if !f.To.IsZero() {
		where = append(where, "l.at < "+ar.add(ms(f.To)))
	}
	if f.Cursor > 0 {
		where = append(where, "l.id < "+ar.add(f.Cursor))
	}
	limit := clampLimit(f.Limit, 50, 10000)
	q := `SELECT l.id, l.at, COALESCE(l.user_id, 0), l.username, COALESCE(l.org_id, 0), COALESCE(o.name, ''), l.action, l.entity,
		COALESCE(l.entity_id, 0), l.detail, l.ip, l.user_agent
		FROM audit_log l LEFT JOIN orgs o ON o.id = l.org_id` + whereClause(where) +
		` ORDER BY l.id DESC LIMIT ` + ar.add(limit+1)
	rows, err := s.rdb.QueryContext(ctx, q, ar...)
	if err != nil {
		return nil, 0, normalize(err)
	}
	defer rows.Close()
	var out []audit.Entry
	for rows.Next() {
		var e audit.Entry
		var at int64
		var action string
		if err := rows.Scan(&e.ID, &at, &e.UserID, &e.Username, &e.OrgID, &e.OrgName, &action, &e.Entity, &e.EntityID, &e.Detail, &e.IP, &e.UserAgent); err != nil {
			return nil, 0, normalize(err)
		}
		e.At, e.Action = fromMS(at), audit.Action(action)
		out = append(out, e)
	}
	if err := rows.Err(); err != nil {
		return nil, 0, normalize(err)
	}
	out, next := keysetPage(out, limit, func(x audit.Entry) int64 { return x.ID })
	return out, next, nil
}

// PurgeAudit deletes entries older than cutoff. It refuses any cutoff that
// would remove an entry younger than the retention period; the database
// triggers refuse it too.
func (s *Store) PurgeAudit(ctx context.Context, cutoff time.Time) (int64, error) {
	if cutoff.After(s.now().AddDate(0, 0, -audit.RetentionDays)) {
		return 0, apperr.New(apperr.Forbidden, "审计日志至少保留180天")
	}
	var n int64
	err := s.transact(ctx, func(tx *Tx) error {
		res, err := tx.ExecContext(ctx, `DELETE FROM audit_log WHERE at < $1`, ms(cutoff))
		if err != nil {
			return err
		}
		n, err = res.RowsAffected()
		return err
	})
	return n, err
}

func nullID(id int64) sql.NullInt64 { return sql.NullInt64{Int64: id, Valid: id != 0} }

func truncate(s string, n int) string {
	r := []rune(s)
	if len(r) <= n {
		return s
	}
	return string(r[:n])
}

func whereClause(conds []string) string {
	if len(conds) == 0 {
		return ""
	}
	out := " WHERE " + conds[0]
	for _, c := range conds[1:] {
		out += " AND " + c
	}
	return out
}
