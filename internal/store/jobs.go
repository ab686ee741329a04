package store

import (
	"context"
	"database/sql"
	"fmt"
	"strconv"
	"time"

	"jinguo/internal/apperr"
	"jinguo/internal/audit"
	"jinguo/internal/auth"
)

// JobState is where a background job stands.
type JobState string

// The job states. A job moves pending → queued → running → done or failed;
// a pending job may instead be cancelled.
const (
	JobPending   JobState = "pending" // prepared, awaiting the user's confirmation
	JobQueued    JobState = "queued"
	JobRunning   JobState = "running"
	JobDone      JobState = "done"
	JobFailed    JobState = "failed"
	JobCancelled JobState = "cancelled"
)

// Label returns the Chinese name of the state.
func (s JobState) Label() string {
	switch s {
	case JobPending:
		return "待确认"
	case JobQueued:
		return "排队中"
	case JobRunning:
		return "进行中"
	case JobDone:
		return "已完成"
	case JobFailed:
		return "失败"
	case JobCancelled:
		return "已取消"
	}
	return string(s)
}

// Finished reports whether the job will not change any more.
func (s JobState) Finished() bool { return s == JobDone || s == JobFailed || s == JobCancelled }

// fieldJobPayload is bound into the payload's ciphertext.
const fieldJobPayload = "jobs.payload"

// Job is a unit of background work kept in the database, so it survives
// restarts and is run once across several server processes.
type Job struct {
	ID     int64
	Kind   string
	State  JobState
	UserID int64 // who created it
	OrgID  int64 // the org it was created for
	// Payload is the decrypted input; only ClaimJob fills it.
	Payload     []byte
	Report      string // what the user saw before confirming (JSON, kind-specific)
	Total, Done int    // progress
	Result      string // the outcome (JSON, kind-specific)
	Error       string // why it failed, in Chinese
	Attempts    int
	LockedUntil time.Time
	CreatedAt   time.Time
	UpdatedAt   time.Time
}

var (
	errJobNotFound = apperr.New(apperr.NotFound, "任务不存在或无权访问")
	// ErrJobLost is returned to a worker whose job another worker took
	// over (its lease had expired) or that was stopped meanwhile: the
	// worker must drop the job without touching it further.
	ErrJobLost = apperr.New(apperr.Conflict, "任务已由其他进程接手").WithCode("job_lost")
)

const jobColumns = `id, kind, state, COALESCE(user_id, 0), COALESCE(org_id, 0), report, total, done, result, error, attempts, locked_until, created_at, updated_at`

func scanJob(row interface{ Scan(...any) error }, extra ...any) (Job, error) {
	var j Job
	var state string
	var locked, created, updated int64
	err := row.Scan(append([]any{&j.ID, &j.Kind, &state, &j.UserID, &j.OrgID, &j.Report, &j.Total, &j.Done, &j.Result, &j.Error,
		&j.Attempts, &locked, &created, &updated}, extra...)...)
	j.State, j.LockedUntil, j.CreatedAt, j.UpdatedAt = JobState(state), fromMS(locked), fromMS(created), fromMS(updated)
	return j, err
}

// jobVisible is the condition for jobs an actor may see: their own, and
// those of orgs inside their scope.
func jobVisible(ar *args, a auth.Actor) string {
	if a.Scope.All {
		return "1=1"
	}
	own := "1=0"
	if a.UserID != 0 {
		own = "user_id = " + ar.add(a.UserID)
	}
	return "(" + own + " OR " + scopeFilter(ar, a.Scope, "org_id") + ")"
}

func jobByID(ctx context.Context, q queryer, a auth.Actor, id int64) (Job, error) {
	var ar args
	j, err := scanJob(q.QueryRowContext(ctx, `SELECT `+jobColumns+` FROM jobs WHERE id = `+ar.add(id)+` AND `+jobVisible(&ar, a), ar...))
	if err == sql.ErrNoRows {
		return j, errJobNotFound
	}
	return j, normalize(err)
}

// CreateJob records a job for the actor's org. payload is encrypted at
// rest (it may hold ID numbers) and cleared when the job ends. state is
// JobPending for work the user still has to confirm, else JobQueued.
func (s *Store) CreateJob(ctx context.Context, a auth.Actor, kind string, state JobState, payload []byte, report string, total int) (Job, error) {
	if state != JobPending && state != JobQueued {
		return Job{}, fmt.Errorf("create job: state %q: want pending or queued", state)
	}
	var out Job
	err := s.transact(ctx, func(tx *Tx) error {
		now := ms(tx.now)
		id, err := insertID(ctx, tx, `INSERT INTO jobs (kind, state, user_id, org_id, payload, report, total, created_at, updated_at)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $8)`,
			kind, string(state), nullID(a.UserID), nullID(a.OrgID), nullBytes(s.box.SealBytes(payload, fieldJobPayload)), report, total, now)
		if err != nil {
			return err
		}
		if err := tx.audit(ctx, a, audit.Create, "job", id, audit.Note(map[string]string{"kind": kind, "state": string(state), "total": strconv.Itoa(total)})); err != nil {
			return err
		}
		out, err = jobByID(ctx, tx, a, id)
		return err
	})
	return out, err
}

// GetJob returns a job visible to the actor (their own, or of an org in
// their scope), without its payload.
func (s *Store) GetJob(ctx context.Context, a auth.Actor, id int64) (Job, error) {
	return jobByID(ctx, s.rdb, a, id)
}

// ListJobs returns the actor's own jobs of kind, newest first.
func (s *Store) ListJobs(ctx context.Context, a auth.Actor, kind string, limit int) ([]Job, error) {
	if a.UserID == 0 {
		return nil, nil
	}
	rows, err := s.rdb.QueryContext(ctx, `SELECT `+jobColumns+` FROM jobs WHERE user_id = $1 AND kind = $2 ORDER BY id DESC LIMIT $3`,
		a.UserID, kind, clampLimit(limit, 20, 200))
	if err != nil {
		return nil, normalize(err)
	}
	defer rows.Close()
	var out []Job
	for rows.Next() {
		j, err := scanJob(rows)
		if err != nil {
			return nil, normalize(err)
		}
		out = append(out, j)
	}
	return out, normalize(rows.Err())
}

// setPendingState moves a pending job of the actor's to state. Only the
// job's creator may confirm or cancel it.
func (s *Store) setPendingState(ctx context.Context, a auth.Actor, id int64, state JobState, clearPayload bool) (Job, error) {
	var out Job
	err := s.transact(ctx, func(tx *Tx) error {
		j, err := jobByID(ctx, tx, a, id)
		if err != nil {
			return err
		}
		if a.UserID == 0 || j.UserID != a.UserID {
			return apperr.New(apperr.Forbidden, "只有提交该任务的人可以确认或取消")
		}
		if j.State != JobPending {
			return apperr.New(apperr.Conflict, "该任务已"+j.State.Label()+"，不能再确认或取消").WithCode("job_not_pending")
		}
		q := `UPDATE jobs SET state = $1, updated_at = $2 WHERE id = $3 AND state = $4`
		if clearPayload {
			q = `UPDATE jobs SET state = $1, updated_at = $2, payload = NULL WHERE id = $3 AND state = $4`
		}
		res, err := tx.ExecContext(ctx, q, string(state), ms(tx.now), id, string(JobPending))
		if err != nil {
			return err
		}
		if n, err := res.RowsAffected(); err != nil || n != 1 {
			if err == nil {
				err = apperr.New(apperr.Conflict, "该任务的状态已改变，请刷新页面").WithCode("job_not_pending")
			}
			return err
		}
		ch := audit.Changes{}
		ch.Set("state", string(JobPending), string(state))
		if err := tx.audit(ctx, a, audit.Update, "job", id, ch.JSON()); err != nil {
			return err
		}
		out, err = jobByID(ctx, tx, a, id)
		return err
	})
	return out, err
}

// QueueJob confirms a pending job: a worker will pick it up.
func (s *Store) QueueJob(ctx context.Context, a auth.Actor, id int64) (Job, error) {
	return s.setPendingState(ctx, a, id, JobQueued, false)
}

// CancelJob drops a pending job and its payload.
func (s *Store) CancelJob(ctx context.Context, a auth.Actor, id int64) (Job, error) {
	return s.setPendingState(ctx, a, id, JobCancelled, true)
}

// ClaimJob takes the oldest queued job, or a running one whose lease has
// expired (its worker crashed), marks it running until now+lease and
// returns it with its payload decrypted. ok is false when there is no work.
//
// One statement does it: on PostgreSQL, of two workers racing for a job
// the second re-checks the WHERE clause against the first one's update
// and finds nothing; on SQLite the single writer serialises them.
func (s *Store) ClaimJob(ctx context.Context, worker string, lease time.Duration) (job Job, ok bool, err error) {
	var sealed []byte
	err = s.transact(ctx, func(tx *Tx) error {
		now := ms(tx.now)
		const claimable = `(state = 'queued' OR (state = 'running' AND locked_until < $1))`
		j, err := scanJob(tx.QueryRowContext(ctx, `UPDATE jobs SET state = 'running', locked_until = $2, attempts = attempts + 1, updated_at = $1
			WHERE id = (SELECT id FROM jobs WHERE `+claimable+` ORDER BY id LIMIT 1) AND `+claimable+`
			RETURNING `+jobColumns+`, payload`, now, ms(tx.now.Add(lease))), &sealed)
		if err == sql.ErrNoRows {
			return nil
		}
		if err != nil {
			return err
		}
		job, ok = j, true
		return nil
	})
	if err != nil || !ok {
		return Job{}, false, wrapErr(err, "claim job (worker %s)", worker)
	}
	if job.Payload, err = s.box.OpenBytes(sealed, fieldJobPayload); err != nil {
		// The job is claimed: fail it rather than retry what cannot be read.
		ferr := s.FailJob(ctx, job.ID, "任务数据无法解密（密钥可能已更换）")
		return Job{}, false, fmt.Errorf("claim job %d: %w (failing it: %v)", job.ID, err, ferr)
	}
	return job, true, nil
}

func wrapErr(err error, format string, a ...any) error {
	if err == nil {
		return nil
	}
	return fmt.Errorf(format+": %w", append(a, err)...)
}

// ExtendLease keeps a running job the worker's for lease more. It returns
// ErrJobLost when the job is no longer running.
func (s *Store) ExtendLease(ctx context.Context, id int64, lease time.Duration) error {
	return s.transact(ctx, func(tx *Tx) error {
		res, err := tx.ExecContext(ctx, `UPDATE jobs SET locked_until = $1, updated_at = $2 WHERE id = $3 AND state = 'running'`,
			ms(tx.now.Add(lease)), ms(tx.now), id)
		if err != nil {
			return err
		}
		if n, err := res.RowsAffected(); err != nil || n == 0 {
			if err == nil {
				err = ErrJobLost
			}
			return err
		}
		return nil
	})
}

// FinishJob marks a running job done with its result and drops its payload.
func (s *Store) FinishJob(ctx context.Context, id int64, result string) error {
	return s.endJob(ctx, id, JobDone, result, "")
}

// FailJob marks a job failed with a message for the user (in Chinese) and
// drops its payload.
func (s *Store) FailJob(ctx context.Context, id int64, msg string) error {
	return s.endJob(ctx, id, JobFailed, "", msg)
}

func (s *Store) endJob(ctx context.Context, id int64, state JobState, result, msg string) error {
	return s.transact(ctx, func(tx *Tx) error {
		q := `UPDATE jobs SET state = $1, error = $2, payload = NULL, locked_until = 0, updated_at = $3 WHERE id = $4 AND state = 'running'`
		a := []any{string(state), truncate(msg, 500), ms(tx.now), id}
		if state == JobDone {
			q = `UPDATE jobs SET state = $1, error = $2, payload = NULL, locked_until = 0, updated_at = $3, result = $5, done = total WHERE id = $4 AND state = 'running'`
			a = append(a, result)
		}
		res, err := tx.ExecContext(ctx, q, a...)
		if err != nil {
			return err
		}
		if n, err := res.RowsAffected(); err != nil || n == 0 {
			if err == nil {
				err = ErrJobLost
			}
			return err
		}
		return nil
	})
}

// JobResult returns the result column of a job as workers see it (no
// scope: a worker acts for the system).
func (s *Store) JobResult(ctx context.Context, id int64) (string, error) {
	var r string
	err := s.rdb.QueryRowContext(ctx, `SELECT result FROM jobs WHERE id = $1`, id).Scan(&r)
	if err == sql.ErrNoRows {
		return "", errJobNotFound
	}
	return r, normalize(err)
}

// ActorByUserID rebuilds the actor of a user for work done on their behalf
// later (a job): their current org, role and resolved scope, as
// Authenticate would. A disabled account is refused.
func (s *Store) ActorByUserID(ctx context.Context, userID int64) (auth.Actor, error) {
	var role auth.Role
	var scope, perms string
	row := s.rdb.QueryRowContext(ctx, `SELECT `+userColumns+`, `+roleColumns+userFrom+` JOIN roles r ON r.code = u.role WHERE u.id = $1`, userID)
	u, err := scanUser(scanWith{row, []any{&role.Code, &role.Name, &scope, &perms, &role.BuiltIn}})
	if err == sql.ErrNoRows {
		return auth.Actor{}, errUserNotFound
	}
	if err != nil {
		return auth.Actor{}, normalize(err)
	}
	if u.Disabled {
		return auth.Actor{}, errUserDisabled
	}
	role.Scope, role.Permissions = auth.ScopeKind(scope), splitPermissions(perms)
	return auth.Actor{UserID: u.ID, Username: u.Username, OrgID: u.OrgID, OrgName: u.OrgName, Role: role,
		Scope: auth.ResolveScope(role.Scope, u), UserAgent: "jinguo-jobs"}, nil
}
