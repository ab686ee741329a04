package store

import (
	"context"
	"database/sql"
	"errors"
	"strings"

	"github.com/jackc/pgx/v5/pgconn"
	"modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"

	"jinguo/internal/apperr"
)

// normalize turns driver errors into the project's error kinds, once for
// both engines, so callers never look at driver types.
func normalize(err error) error {
	if err == nil {
		return nil
	}
	if apperr.As(err) != nil {
		return err
	}
	switch {
	case errors.Is(err, sql.ErrNoRows):
		return apperr.Wrap(apperr.NotFound, "记录不存在或无权访问", err)
	case errors.Is(err, context.Canceled), errors.Is(err, context.DeadlineExceeded):
		return apperr.Wrap(apperr.Internal, "操作超时，请重试", err)
	}
	var pgErr *pgconn.PgError
	if errors.As(err, &pgErr) {
		switch pgErr.Code {
		case "23505":
			return apperr.Wrap(apperr.Conflict, "记录已存在", err)
		case "23503":
			return apperr.Wrap(apperr.Conflict, "关联的记录不存在或仍被使用", err)
		case "23502", "23514", "22001", "22P02":
			return apperr.Wrap(apperr.Invalid, "数据不符合要求", err)
		}
		return apperr.Wrap(apperr.Internal, "数据库错误", err)
	}
	var sqErr *sqlite.Error
	if errors.As(err, &sqErr) {
		switch sqErr.Code() {
		case sqlite3.SQLITE_CONSTRAINT_UNIQUE, sqlite3.SQLITE_CONSTRAINT_PRIMARYKEY:
			return apperr.Wrap(apperr.Conflict, "记录已存在", err)
		case sqlite3.SQLITE_CONSTRAINT_FOREIGNKEY:
			return apperr.Wrap(apperr.Conflict, "关联的记录不存在或仍被使用", err)
		case sqlite3.SQLITE_CONSTRAINT_NOTNULL, sqlite3.SQLITE_CONSTRAINT_CHECK:
			return apperr.Wrap(apperr.Invalid, "数据不符合要求", err)
		}
		if strings.Contains(sqErr.Error(), "append-only") || strings.Contains(sqErr.Error(), "180 days") {
			return apperr.Wrap(apperr.Forbidden, "审计日志不可修改", err)
		}
	}
	return apperr.Wrap(apperr.Internal, "数据库错误", err)
}
