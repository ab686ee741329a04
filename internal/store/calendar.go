package store

import (
	"context"
	"encoding/json"
	"time"

	"jinguo/internal/apperr"
	"jinguo/internal/audit"
	"jinguo/internal/auth"
	"jinguo/internal/cases"
	"jinguo/internal/workdays"
)

const settingCasePolicy = "case_policy"

// casePolicy returns the deadline policy: the administrator's, else the
// default.
func (s *Store) casePolicy(ctx context.Context, q queryer) (cases.Policy, error) {
	p := cases.DefaultPolicy()
	var v string
	err := q.QueryRowContext(ctx, `SELECT value FROM settings WHERE key = $1`, settingCasePolicy).Scan(&v)
	if err != nil {
		if apperr.Is(normalize(err), apperr.NotFound) {
			return p, nil
		}
		return p, normalize(err)
	}
	var stored policyJSON
	if err := json.Unmarshal([]byte(v), &stored); err != nil {
		return p, err
	}
	return stored.policy(), nil
}

// policyJSON is how the policy is stored: hours and working days.
type policyJSON struct {
	UrgentFirstContactHours int `json:"urgent_first_contact_hours"`
	AcceptDays              int `json:"accept_days"`
	FinishDays              int `json:"finish_days"`
	UrgentFinishDays        int `json:"urgent_finish_days"`
	ExtendDays              int `json:"extend_days"`
}

func (p policyJSON) policy() cases.Policy {
	return cases.Policy{UrgentFirstContact: time.Duration(p.UrgentFirstContactHours) * time.Hour, AcceptDays: p.AcceptDays,
		FinishDays: p.FinishDays, UrgentFinishDays: p.UrgentFinishDays, ExtendDays: p.ExtendDays}
}

// CasePolicy returns the deadline policy in force.
func (s *Store) CasePolicy(ctx context.Context) (cases.Policy, error) {
	return s.casePolicy(ctx, s.rdb)
}

// SetCasePolicy changes the deadline policy. It applies to deadlines set
// from now on.
func (s *Store) SetCasePolicy(ctx context.Context, a auth.Actor, p cases.Policy) error {
	f := apperr.Fields{}
	hours := int(p.UrgentFirstContact / time.Hour)
	if hours < 1 || hours > 168 {
		f.Add("urgent_first_contact_hours", "应为1到168小时")
	}
	for _, c := range []struct {
		field string
		v     int
	}{{"accept_days", p.AcceptDays}, {"finish_days", p.FinishDays}, {"urgent_finish_days", p.UrgentFinishDays}, {"extend_days", p.ExtendDays}} {
		if c.v < 1 || c.v > 90 {
			f.Add(c.field, "应为1到90个工作日")
		}
	}
	if err := f.Err(); err != nil {
		return err
	}
	b, _ := json.Marshal(policyJSON{hours, p.AcceptDays, p.FinishDays, p.UrgentFinishDays, p.ExtendDays})
	return s.transact(ctx, func(tx *Tx) error {
		if _, err := tx.ExecContext(ctx, `INSERT INTO settings (key, value, updated_at) VALUES ($1, $2, $3)
			ON CONFLICT (key) DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at`, settingCasePolicy, string(b), ms(tx.now)); err != nil {
			return err
		}
		return tx.audit(ctx, a, audit.Update, "setting", 0, audit.Note(map[string]string{"case_policy": string(b)}))
	})
}

// calendar loads the holiday calendar.
func (s *Store) calendar(ctx context.Context, q queryer) (*workdays.Calendar, error) {
	list, err := holidays(ctx, q)
	if err != nil {
		return nil, err
	}
	ex := make(map[workdays.Day]workdays.Kind, len(list))
	for _, h := range list {
		ex[h.Date] = h.Kind
	}
	return workdays.New(ex), nil
}

func holidays(ctx context.Context, q queryer) ([]workdays.Exception, error) {
	rows, err := q.QueryContext(ctx, `SELECT day, kind, name FROM holidays ORDER BY day`)
	if err != nil {
		return nil, normalize(err)
	}
	defer rows.Close()
	var out []workdays.Exception
	for rows.Next() {
		var day, kind string
		var e workdays.Exception
		if err := rows.Scan(&day, &kind, &e.Name); err != nil {
			return nil, normalize(err)
		}
		e.Date, e.Kind = parseDate(day), workdays.Kind(kind)
		out = append(out, e)
	}
	return out, normalize(rows.Err())
}

// Calendar returns the holiday calendar in force.
func (s *Store) Calendar(ctx context.Context) (*workdays.Calendar, error) {
	return s.calendar(ctx, s.rdb)
}

// Holidays lists the calendar's exceptions in date order.
func (s *Store) Holidays(ctx context.Context) ([]workdays.Exception, error) {
	return holidays(ctx, s.rdb)
}

// SetHoliday marks a date as a holiday (a weekday off) or a make-up
// working day (a weekend day worked), or removes it when kind is "".
func (s *Store) SetHoliday(ctx context.Context, a auth.Actor, day time.Time, kind workdays.Kind, name string) error {
	if kind != "" && kind != workdays.Holiday && kind != workdays.Workday {
		return apperr.Fields{"kind": "请选择节假日或调休上班"}.Err()
	}
	if len([]rune(name)) > 30 {
		return apperr.Fields{"name": "名称不能超过30个字"}.Err()
	}
	d := day.Format(dateLayout)
	return s.transact(ctx, func(tx *Tx) error {
		var err error
		if kind == "" {
			_, err = tx.ExecContext(ctx, `DELETE FROM holidays WHERE day = $1`, d)
		} else {
			_, err = tx.ExecContext(ctx, `INSERT INTO holidays (day, kind, name) VALUES ($1, $2, $3)
				ON CONFLICT (day) DO UPDATE SET kind = excluded.kind, name = excluded.name`, d, string(kind), name)
		}
		if err != nil {
			return err
		}
		return tx.audit(ctx, a, audit.Update, "holiday", 0, audit.Note(map[string]string{"day": d, "kind": string(kind), "name": name}))
	})
}
