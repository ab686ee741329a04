package store

import (
	"context"
	"encoding/json"
	"fmt"
	"strconv"
	"time"

	"jinguo/internal/apperr"
	"jinguo/internal/audit"
	"jinguo/internal/auth"
	"jinguo/internal/localtime"
	"jinguo/internal/people"
)

// ImportResult is the outcome of a people import, kept in jobs.result and
// updated with every committed batch.
type ImportResult struct {
	Imported    int          `json:"imported"`
	Skipped     int          `json:"skipped"`
	SkippedRows []SkippedRow `json:"skipped_rows"`
}

// SkippedRow is a row that was valid when checked but could not be
// imported, typically because its ID number was registered meanwhile.
// Index is its position among the job's rows; the worker fills in Line.
type SkippedRow struct {
	Index  int    `json:"index"`
	Line   int    `json:"line,omitempty"`
	Reason string `json:"reason"`
}

// ParseImportResult reads a result written by ImportPeopleBatch ("" is
// an empty result).
func ParseImportResult(s string) (ImportResult, error) {
	var r ImportResult
	if s == "" {
		return r, nil
	}
	err := json.Unmarshal([]byte(s), &r)
	return r, err
}

// ImportPeopleBatch imports rows, the rows from..from+len(rows) of job
// jobID, in one transaction together with the job's checkpoint: either the
// people and the new progress commit, or neither does. A worker that
// crashed mid-import therefore resumes at the last committed batch and
// never registers a row twice. A row that no longer passes (ID number
// registered meanwhile, org closed, code disabled) is skipped and recorded
// in the job's result, not failed. It returns ErrJobLost when the job is no
// longer running or another worker already committed this batch.
func (s *Store) ImportPeopleBatch(ctx context.Context, a auth.Actor, jobID int64, from int, rows []people.Input) (imported, skipped int, err error) {
	if !a.Can(auth.PeopleImport) {
		return 0, 0, apperr.New(apperr.Forbidden, "导入人员的权限已被收回")
	}
	err = s.transact(ctx, func(tx *Tx) error {
		imported, skipped = 0, 0
		// The checkpoint first: it locks the job's row, so a second
		// worker on the same batch waits here and then finds done moved.
		res, err := tx.ExecContext(ctx, `UPDATE jobs SET done = $1, updated_at = $2 WHERE id = $3 AND done = $4 AND state = 'running'`,
			from+len(rows), ms(tx.now), jobID, from)
		if err != nil {
			return err
		}
		if n, err := res.RowsAffected(); err != nil || n != 1 {
			if err == nil {
				err = ErrJobLost
			}
			return err
		}
		var resultJSON string
		if err := tx.QueryRowContext(ctx, `SELECT result FROM jobs WHERE id = $1`, jobID).Scan(&resultJSON); err != nil {
			return err
		}
		result, err := ParseImportResult(resultJSON)
		if err != nil {
			return fmt.Errorf("job %d: read progress: %w", jobID, err)
		}
		today := localtime.Today(tx.now)
		for i, in := range rows {
			reason, err := tx.importPerson(ctx, a, in, today)
			if err != nil {
				return fmt.Errorf("import row %d of job %d: %w", from+i, jobID, err)
			}
			if reason != "" {
				skipped++
				result.SkippedRows = append(result.SkippedRows, SkippedRow{Index: from + i, Reason: reason})
				continue
			}
			imported++
		}
		result.Imported += imported
		result.Skipped += skipped
		b, err := json.Marshal(result)
		if err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `UPDATE jobs SET result = $1 WHERE id = $2`, string(b), jobID); err != nil {
			return err
		}
		return tx.audit(ctx, a, audit.Import, "person", 0, audit.Note(map[string]string{
			"job_id": strconv.FormatInt(jobID, 10), "from": strconv.Itoa(from), "rows": strconv.Itoa(len(rows)),
			"imported": strconv.Itoa(imported), "skipped": strconv.Itoa(skipped),
		}))
	})
	if err != nil {
		return 0, 0, err
	}
	return imported, skipped, nil
}

// importPerson registers one person as CreatePerson would, inside the
// batch's transaction. A row that cannot be registered any more returns
// the reason (in Chinese) and writes nothing; err is for everything else.
func (tx *Tx) importPerson(ctx context.Context, a auth.Actor, in people.Input, today time.Time) (reason string, err error) {
	p, err := in.Validate(today)
	if err == nil {
		_, err = tx.checkPersonRefs(ctx, a, p, nil)
	}
	if err != nil {
		if msg := userReason(err); msg != "" {
			return msg, nil
		}
		return "", err
	}
	// A savepoint per row: on PostgreSQL a failed INSERT (a concurrent
	// registration of the same ID number) aborts the whole transaction
	// unless rolled back to here.
	if _, err := tx.ExecContext(ctx, `SAVEPOINT import_row`); err != nil {
		return "", err
	}
	if _, err := tx.insertPerson(ctx, a, p); err != nil {
		if _, rerr := tx.ExecContext(ctx, `ROLLBACK TO SAVEPOINT import_row`); rerr != nil {
			return "", rerr
		}
		if apperr.Is(err, apperr.Conflict) {
			return "该身份证号码已登记", nil
		}
		return "", err
	}
	_, err = tx.ExecContext(ctx, `RELEASE SAVEPOINT import_row`)
	return "", err
}

// userReason is the Chinese explanation of a validation or reference
// error, "" for errors that are not the row's fault.
func userReason(err error) string {
	e := apperr.As(err)
	if e == nil || (e.Kind != apperr.Invalid && e.Kind != apperr.Conflict && e.Kind != apperr.NotFound) {
		return ""
	}
	for _, field := range []string{"org_id", "name", "id_number", "phone", "sex", "ethnicity", "education", "employment", "address_division", "address_detail", "tags", "note"} {
		if m, ok := e.Fields[field]; ok {
			return m
		}
	}
	return e.Message
}

// RegisteredIDNumbers reports which of ids (normalised ID numbers) are
// already registered inside the actor's scope: an import's check uses it to
// say so before anything is written. Registrations outside the scope are
// not revealed (a roster must not become a way to ask whether someone, a
// woman who moved away for her safety, is registered anywhere); such rows
// are skipped at import time with the same neutral reason CreatePerson gives.
func (s *Store) RegisteredIDNumbers(ctx context.Context, a auth.Actor, ids []string) (map[string]bool, error) {
	out := map[string]bool{}
	const chunk = 500
	for start := 0; start < len(ids); start += chunk {
		part := ids[start:min(start+chunk, len(ids))]
		byHash := make(map[string]string, len(part))
		hashes := make([]any, 0, len(part))
		for _, id := range part {
			h := s.box.Hash(id, fieldIDNumber)
			if h == nil {
				continue
			}
			byHash[string(h)] = id
			hashes = append(hashes, h)
		}
		if len(hashes) == 0 {
			continue
		}
		var ar args
		rows, err := s.rdb.QueryContext(ctx, `SELECT p.id_hash FROM people p WHERE p.id_hash IN (`+ar.list(hashes...)+`) AND `+
			scopeFilter(&ar, a.Scope, "p.org_id"), ar...)
		if err != nil {
			return nil, normalize(err)
		}
		for rows.Next() {
			var h []byte
			if err := rows.Scan(&h); err != nil {
				rows.Close()
				return nil, normalize(err)
			}
			out[byHash[string(h)]] = true
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return nil, normalize(err)
		}
	}
	return out, nil
}
