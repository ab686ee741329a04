package jobs

import (
	"context"
	"encoding/json"
	"fmt"

	"jinguo/internal/apperr"
	"jinguo/internal/auth"
	"jinguo/internal/people"
	"jinguo/internal/roster"
	"jinguo/internal/store"
)

// KindPeopleImport is the job kind of an Excel import of people.
const KindPeopleImport = "people_import"

// DefaultBatch is how many rows an import commits at a time.
const DefaultBatch = 200

// PeopleImport is the payload of a people import: the rows that passed
// the check, and who asked for them. The job runs as that user as they are
// when it runs (current role and scope), not as they were at upload.
type PeopleImport struct {
	UserID int64        `json:"user_id"`
	OrgID  int64        `json:"org_id"`
	Role   string       `json:"role"`
	Rows   []roster.Row `json:"rows"`
}

// NewPeopleImport encodes the payload of an import of rows by a.
func NewPeopleImport(a auth.Actor, rows []roster.Row) ([]byte, error) {
	return json.Marshal(PeopleImport{UserID: a.UserID, OrgID: a.OrgID, Role: a.Role.Code, Rows: rows})
}

// peopleImport imports the payload's rows in batches from job.Done on,
// so a job taken over after a crash resumes where the last committed
// batch ended.
func (r *Runner) peopleImport(ctx context.Context, job store.Job) (string, error) {
	var p PeopleImport
	if err := json.Unmarshal(job.Payload, &p); err != nil {
		return "", fmt.Errorf("decode payload: %w", err)
	}
	a, err := r.st.ActorByUserID(ctx, p.UserID)
	if err != nil {
		if e := apperr.As(err); e != nil && e.Kind != apperr.Internal {
			return "", apperr.Wrap(apperr.Forbidden, "提交导入的账号已不存在或已停用，未继续导入", err)
		}
		return "", err
	}
	inputs := make([]people.Input, len(p.Rows))
	for i, row := range p.Rows {
		inputs[i] = row.Input
	}
	for from := job.Done; from < len(inputs); {
		if err := ctx.Err(); err != nil {
			return "", err
		}
		to := min(from+r.batch, len(inputs))
		if _, _, err := r.st.ImportPeopleBatch(ctx, a, job.ID, from, inputs[from:to]); err != nil {
			return "", err
		}
		from = to
		if from < len(inputs) {
			if err := r.st.ExtendLease(ctx, job.ID, r.lease); err != nil {
				return "", err
			}
		}
	}
	resultJSON, err := r.st.JobResult(ctx, job.ID)
	if err != nil {
		return "", err
	}
	res, err := store.ParseImportResult(resultJSON)
	if err != nil {
		return "", fmt.Errorf("read result: %w", err)
	}
	for i := range res.SkippedRows {
		if idx := res.SkippedRows[i].Index; idx >= 0 && idx < len(p.Rows) {
			res.SkippedRows[i].Line = p.Rows[idx].Line
		}
	}
	if res.SkippedRows == nil {
		res.SkippedRows = []store.SkippedRow{}
	}
	b, err := json.Marshal(res)
	return string(b), err
}
