package store

import (
	"context"
	"errors"
	"strings"
	"time"
	"unicode/utf8"
)

// rateLimitKeep is how many past windows of a key family survive cleanup.
const rateLimitKeep = 10

// RateLimit counts one hit on key in the current fixed window of length
// window and reports whether the count is still within limit. The counter
// lives in the database, so every server behind a load balancer shares it.
//
// Keys are families and a value, such as "help:ip:203.0.113.7"; the family
// is everything up to the second colon ("help:ip:"). When a key opens a new
// window, rows of its family older than ten windows are deleted, which
// keeps the table small without a separate sweep. Every key of a family
// must use the same window.
func (s *Store) RateLimit(ctx context.Context, key string, limit int, window time.Duration) (allowed bool, err error) {
	if window < time.Millisecond || limit < 0 {
		return false, errors.New("rate limit: bad window or limit")
	}
	w := window.Milliseconds()
	now := s.now().UnixMilli()
	start := now - now%w
	var count int64
	err = s.transact(ctx, func(tx *Tx) error {
		if err := tx.QueryRowContext(ctx, `INSERT INTO rate_limits (key, win, count) VALUES ($1, $2, 1)
			ON CONFLICT (key, win) DO UPDATE SET count = rate_limits.count + 1 RETURNING count`, key, start).Scan(&count); err != nil {
			return err
		}
		if count != 1 {
			return nil
		}
		family := rateLimitFamily(key)
		_, err := tx.ExecContext(ctx, `DELETE FROM rate_limits WHERE substr(key, 1, $1) = $2 AND win < $3`,
			utf8.RuneCountInString(family), family, start-rateLimitKeep*w)
		return err
	})
	if err != nil {
		return false, err
	}
	return count <= int64(limit), nil
}

// rateLimitFamily returns key up to and including its second colon, or the
// whole key. IPv6 addresses hold colons too, so only the first two count.
func rateLimitFamily(key string) string {
	i := strings.IndexByte(key, ':')
	if i < 0 {
		return key
	}
	j := strings.IndexByte(key[i+1:], ':')
	if j < 0 {
		return key
	}
	return key[:i+1+j+1]
}
