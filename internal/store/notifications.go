package store

import (
	"context"
	"database/sql"
	"strings"
	"time"

	"jinguo/internal/apperr"
	"jinguo/internal/auth"
)

// Notification is an in-app message. One with a UserID is that user's
// alone; one without is addressed to its org, and every user acting for
// that org sees it. Read state is kept on the notification, so an org's
// notification read by one of its users is read for all of them: the
// org's inbox is shared, like the paper register it replaces.
type Notification struct {
	ID        int64
	OrgID     int64
	UserID    int64
	Kind      string
	CaseID    int64
	Message   string
	CreatedAt time.Time
	ReadAt    time.Time
}

// Unread reports whether nobody has read n yet.
func (n Notification) Unread() bool { return n.ReadAt.IsZero() }

// maxMarkIDs bounds how many notifications one request may mark read.
const maxMarkIDs = 500

var errNotificationNotFound = apperr.New(apperr.NotFound, "消息不存在或无权查看")

// notificationAudience is the condition that a notification is addressed
// to the actor: to the user, or to the org the user acts for. Each arm
// runs along one of the notifications_user / notifications_org indexes.
func notificationAudience(ar *args, a auth.Actor) string {
	var arms []string
	if a.UserID != 0 {
		arms = append(arms, "user_id = "+ar.add(a.UserID))
	}
	if a.OrgID != 0 {
		arms = append(arms, "(org_id = "+ar.add(a.OrgID)+" AND user_id IS NULL)")
	}
	if len(arms) == 0 {
		return "1=0"
	}
	return "(" + strings.Join(arms, " OR ") + ")"
}

const notificationColumns = `id, COALESCE(org_id, 0), COALESCE(user_id, 0), kind, COALESCE(case_id, 0), message, created_at, read_at`

func scanNotification(row interface{ Scan(...any) error }) (Notification, error) {
	var n Notification
	var created, read int64
	err := row.Scan(&n.ID, &n.OrgID, &n.UserID, &n.Kind, &n.CaseID, &n.Message, &created, &read)
	n.CreatedAt, n.ReadAt = fromMS(created), fromMS(read)
	return n, err
}

// ListNotifications returns the actor's notifications, newest first: the
// user's own and those addressed to the org the user acts for. It returns
// the cursor of the next page (0 on the last); pass it back to continue.
func (s *Store) ListNotifications(ctx context.Context, a auth.Actor, unreadOnly bool, cursor int64, limit int) ([]Notification, int64, error) {
	var ar args
	where := []string{notificationAudience(&ar, a)}
	if unreadOnly {
		where = append(where, "read_at = 0")
	}
	if cursor > 0 {
		where = append(where, "id < "+ar.add(cursor))
	}
	limit = clampLimit(limit, 50, 200)
	rows, err := s.rdb.QueryContext(ctx, `SELECT `+notificationColumns+` FROM notifications`+whereClause(where)+
		` ORDER BY id DESC LIMIT `+ar.add(limit+1), ar...)
	if err != nil {
		return nil, 0, normalize(err)
	}
	defer rows.Close()
	var out []Notification
	for rows.Next() {
		n, err := scanNotification(rows)
		if err != nil {
			return nil, 0, normalize(err)
		}
		out = append(out, n)
	}
	if err := rows.Err(); err != nil {
		return nil, 0, normalize(err)
	}
	out, next := keysetPage(out, limit, func(x Notification) int64 { return x.ID })
	return out, next, nil
}

// CountUnread counts the actor's unread notifications. Every page shows
// it, so it is one count along the partial unread indexes, and the answer
// is kept for unreadTTL (cleared here whenever a notification is written
// or read).
func (s *Store) CountUnread(ctx context.Context, a auth.Actor) (int, error) {
	if a.UserID == 0 && a.OrgID == 0 {
		return 0, nil
	}
	key := [2]int64{a.UserID, a.OrgID}
	if n, ok := s.unread.get(key, s.now(), unreadTTL); ok {
		return n, nil
	}
	var ar args
	var n int
	err := s.rdb.QueryRowContext(ctx, `SELECT COUNT(*) FROM notifications WHERE `+notificationAudience(&ar, a)+` AND read_at = 0`, ar...).Scan(&n)
	if err == nil {
		s.unread.put(key, n, s.now())
	}
	return n, normalize(err)
}

// unreadTTL bounds how late a badge may be for a notification written by
// another server.
const unreadTTL = 10 * time.Second

// MarkNotificationsRead marks the given notifications read, or all the
// actor's unread ones when ids is nil. Ids the actor cannot see are
// ignored. It returns how many it marked. Marking read changes no
// business record, so it is not audited.
func (s *Store) MarkNotificationsRead(ctx context.Context, a auth.Actor, ids []int64) (int, error) {
	defer s.unread.clear()
	if ids != nil && len(ids) == 0 {
		return 0, nil
	}
	if len(ids) > maxMarkIDs {
		return 0, apperr.Fields{"ids": "一次最多标记500条消息"}.Err()
	}
	var n int64
	err := s.transact(ctx, func(tx *Tx) error {
		var ar args
		set := ar.add(ms(tx.now))
		where := []string{notificationAudience(&ar, a), "read_at = 0"}
		if ids != nil {
			vs := make([]any, len(ids))
			for i, id := range ids {
				vs[i] = id
			}
			where = append(where, "id IN ("+ar.list(vs...)+")")
		}
		res, err := tx.ExecContext(ctx, `UPDATE notifications SET read_at = `+set+whereClause(where), ar...)
		if err != nil {
			return err
		}
		n, err = res.RowsAffected()
		return err
	})
	return int(n), err
}

// ReadNotification marks one of the actor's notifications read (if it is
// not yet) and returns it, so the page can go on to its case. A
// notification the actor cannot see is not found.
func (s *Store) ReadNotification(ctx context.Context, a auth.Actor, id int64) (Notification, error) {
	defer s.unread.clear()
	var out Notification
	err := s.transact(ctx, func(tx *Tx) error {
		var ar args
		cond := "id = " + ar.add(id) + " AND " + notificationAudience(&ar, a)
		n, err := scanNotification(tx.QueryRowContext(ctx, `SELECT `+notificationColumns+` FROM notifications WHERE `+cond, ar...))
		if err == sql.ErrNoRows {
			return errNotificationNotFound
		}
		if err != nil {
			return err
		}
		if n.Unread() {
			n.ReadAt = tx.now
			if _, err := tx.ExecContext(ctx, `UPDATE notifications SET read_at = $1 WHERE id = $2 AND read_at = 0`, ms(tx.now), id); err != nil {
				return err
			}
		}
		out = n
		return nil
	})
	return out, err
}
