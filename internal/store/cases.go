package store

import (
	"context"
	"database/sql"
	"fmt"
	"strconv"
	"strings"
	"time"

	"jinguo/internal/apperr"
	"jinguo/internal/audit"
	"jinguo/internal/auth"
	"jinguo/internal/cases"
	"jinguo/internal/localtime"
	"jinguo/internal/orgs"
	"jinguo/internal/people"
)

// Field names bound into the ciphertexts and hashes of case data.
const (
	fieldCaseDescription = "cases.description"
	fieldCasePhone       = "cases.contact_phone"
	fieldCaseTracking    = "cases.tracking"
	fieldPartyPhone      = "case_parties.phone"
	fieldPartyAddress    = "case_parties.address"
)

// CaseRecord is a case as a given viewer may see it. When Hidden is set the
// case is restricted and the viewer sees only that it exists: Summary,
// Description, Parties and the contact are withheld.
type CaseRecord struct {
	cases.Case
	IntakeOrgName      string
	HandlingOrgName    string
	HandlerName        string
	CreatedBy          int64
	RiskAnswers        []string
	RiskRule           string
	ContactPhoneMasked string
	Parties            []cases.Party // phones and addresses masked
	Hidden             bool
	Opened             bool // restricted details shown because a supervisor opened the case on purpose
	CanOpen            bool // the viewer may open the restricted details on purpose
}

// CaseEvent is one line of a case's timeline.
type CaseEvent struct {
	ID              int64
	CaseID          int64
	At              time.Time
	Action          string
	From, To        cases.State
	OrgID           int64
	OrgName         string
	HandlingOrgID   int64
	HandlingOrgName string
	UserID          int64
	Username        string
	Note            string
	PublicNote      string
	DueAt           time.Time
}

// ActionLabel names the event's action in Chinese.
func (e CaseEvent) ActionLabel() string {
	switch e.Action {
	case "register":
		return "登记"
	case "open_restricted":
		return "查阅受限案件"
	case "safety_plan":
		return "启动安全计划"
	}
	if l := cases.RecordEventLabel(e.Action); l != "" {
		return l
	}
	return cases.Action(e.Action).Label()
}

var errCaseNotFound = apperr.New(apperr.NotFound, "案件不存在或无权访问")

const caseColumns = `c.id, c.number, c.channel, c.category, c.summary, c.description_enc, c.state, c.urgency, c.restricted,
	c.risk_level, c.risk_answers, c.risk_rule, c.anonymous, COALESCE(c.person_id, 0), c.intake_org_id, io.name,
	c.handling_org_id, ho.name, COALESCE(c.assigned_by_org_id, 0), COALESCE(c.handler_user_id, 0), COALESCE(hu.display_name, ''),
	c.due_at, c.extended, c.escalations, c.result, c.measures, c.satisfaction, c.supervise_note, c.supervise_due,
	COALESCE(c.supervise_org_id, 0), c.contact_phone_enc, COALESCE(c.created_by, 0), c.created_at, c.updated_at, c.accepted_at, c.closed_at`

const caseFrom = ` FROM cases c JOIN orgs io ON io.id = c.intake_org_id JOIN orgs ho ON ho.id = c.handling_org_id
	LEFT JOIN users hu ON hu.id = c.handler_user_id`

// caseRow carries a scanned case with its encrypted columns still sealed.
type caseRow struct {
	CaseRecord
	descEnc  []byte
	phoneEnc []byte
}

func scanCase(row interface{ Scan(...any) error }) (caseRow, error) {
	var r caseRow
	c := &r.Case
	var channel, state, urgency, risk, answers, satisfaction string
	var due, superviseDue, created, updated, accepted, closed int64
	err := row.Scan(&c.ID, &c.Number, &channel, &c.Category, &c.Summary, &r.descEnc, &state, &urgency, &c.Restricted,
		&risk, &answers, &r.RiskRule, &c.Anonymous, &c.PersonID, &c.IntakeOrgID, &r.IntakeOrgName,
		&c.HandlingOrgID, &r.HandlingOrgName, &c.AssignedByOrgID, &c.HandlerUserID, &r.HandlerName,
		&due, &c.Extended, &c.Escalations, &c.Result, &c.Measures, &satisfaction, &c.SuperviseNote, &superviseDue,
		&c.SuperviseOrgID, &r.phoneEnc, &r.CreatedBy, &created, &updated, &accepted, &closed)
	c.Channel, c.State, c.Urgency, c.RiskLevel = cases.Channel(channel), cases.State(state), cases.Urgency(urgency), cases.RiskLevel(risk)
	c.Satisfaction = cases.Satisfaction(satisfaction)
	if answers != "" {
		r.RiskAnswers = strings.Split(answers, ",")
	}
	c.DueAt, c.SuperviseDue, c.CreatedAt, c.UpdatedAt = fromMS(due), fromMS(superviseDue), fromMS(created), fromMS(updated)
	c.AcceptedAt, c.ClosedAt = fromMS(accepted), fromMS(closed)
	return r, err
}

// caseScope is the condition that a case is in the actor's part of the
// tree: handled or registered there.
func caseScope(ar *args, sc auth.Scope) string {
	if sc.All {
		return "1=1"
	}
	return "(" + scopeFilter(ar, sc, "c.handling_org_id") + " OR " + scopeFilter(ar, sc, "c.intake_org_id") + ")"
}

func caseByID(ctx context.Context, q queryer, a auth.Actor, id int64) (caseRow, error) {
	var ar args
	r, err := scanCase(q.QueryRowContext(ctx, `SELECT `+caseColumns+caseFrom+` WHERE c.id = `+ar.add(id)+` AND `+caseScope(&ar, a.Scope), ar...))
	if err == sql.ErrNoRows {
		return r, errCaseNotFound
	}
	return r, normalize(err)
}

// isAncestor reports whether org a is b or above it in the tree.
func isAncestor(ctx context.Context, q queryer, a, b int64) (bool, error) {
	var n int
	err := q.QueryRowContext(ctx, `SELECT COUNT(*) FROM org_closure WHERE ancestor_id = $1 AND descendant_id = $2`, a, b).Scan(&n)
	return n > 0, normalize(err)
}

// mayOpenRestricted reports whether the actor may open a restricted case on
// purpose: a supervisor at the handling org or above it.
func mayOpenRestricted(ctx context.Context, q queryer, a auth.Actor, c cases.Case) (bool, error) {
	if !a.Can(auth.CasesSupervise) || a.OrgID == 0 {
		return false, nil
	}
	return isAncestor(ctx, q, a.OrgID, c.HandlingOrgID)
}

// openedRecently reports whether a supervisor who may open a restricted
// case did so, on purpose and audited, within the idle timeout: the opening
// then holds while she works on the case (its records, its actions) without
// writing a new entry for every page.
func (s *Store) openedRecently(ctx context.Context, q queryer, a auth.Actor, c cases.Case) (bool, error) {
	ok, err := mayOpenRestricted(ctx, q, a, c)
	if err != nil || !ok || a.UserID == 0 {
		return false, err
	}
	var n int
	err = q.QueryRowContext(ctx, `SELECT COUNT(*) FROM case_events WHERE case_id = $1 AND action = 'open_restricted' AND user_id = $2 AND at > $3`,
		c.ID, a.UserID, ms(s.now().Add(-auth.IdleTimeout))).Scan(&n)
	return n > 0, normalize(err)
}

// seesDetails reports whether the actor sees a restricted case's details
// without opening it: its assigned handler and the operator who took it in.
func seesDetails(a auth.Actor, r caseRow) bool {
	return !r.Restricted || a.IsSystem() || (a.UserID != 0 && (a.UserID == r.HandlerUserID || a.UserID == r.CreatedBy))
}

// finish decrypts and masks what the viewer may see, or withholds it.
func (s *Store) finish(ctx context.Context, q queryer, a auth.Actor, r caseRow, opened bool, withParties bool) (CaseRecord, error) {
	rec := r.CaseRecord
	if !seesDetails(a, r) && !opened {
		rec.Hidden = true
		rec.Summary, rec.Description, rec.Result, rec.Measures = "", "", "", ""
		rec.RiskAnswers, rec.RiskRule, rec.RiskLevel = nil, "", cases.RiskNone
		rec.SuperviseNote, rec.PersonID, rec.Satisfaction = "", 0, ""
		return rec, nil
	}
	rec.Opened = opened && r.Restricted && !seesDetails(a, r)
	var err error
	if rec.Description, err = s.box.Open(r.descEnc, fieldCaseDescription); err != nil {
		return rec, fmt.Errorf("decrypt case %d: %w", r.ID, err)
	}
	phone, err := s.box.Open(r.phoneEnc, fieldCasePhone)
	if err != nil {
		return rec, fmt.Errorf("decrypt case %d contact: %w", r.ID, err)
	}
	rec.ContactPhoneMasked = people.MaskPhone(phone)
	if withParties {
		if rec.Parties, err = s.caseParties(ctx, q, r.ID); err != nil {
			return rec, err
		}
	}
	return rec, nil
}

func (s *Store) caseParties(ctx context.Context, q queryer, caseID int64) ([]cases.Party, error) {
	rows, err := q.QueryContext(ctx, `SELECT id, role, name, COALESCE(person_id, 0), phone_enc, address_enc, minor, note
		FROM case_parties WHERE case_id = $1 ORDER BY id`, caseID)
	if err != nil {
		return nil, normalize(err)
	}
	defer rows.Close()
	var out []cases.Party
	for rows.Next() {
		var p cases.Party
		var role string
		var phoneEnc, addrEnc []byte
		if err := rows.Scan(&p.ID, &role, &p.Name, &p.PersonID, &phoneEnc, &addrEnc, &p.Minor, &p.Note); err != nil {
			return nil, normalize(err)
		}
		p.Role = cases.PartyRole(role)
		phone, err := s.box.Open(phoneEnc, fieldPartyPhone)
		if err != nil {
			return nil, err
		}
		p.Phone = people.MaskPhone(phone)
		if len(addrEnc) > 0 {
			p.Address = "已登记（受保护）"
		}
		out = append(out, p)
	}
	return out, normalize(rows.Err())
}

// caseEnv loads the deadline policy and holiday calendar.
func (s *Store) caseEnv(ctx context.Context, q queryer, now time.Time) (cases.Env, error) {
	pol, err := s.casePolicy(ctx, q)
	if err != nil {
		return cases.Env{}, err
	}
	cal, err := s.calendar(ctx, q)
	if err != nil {
		return cases.Env{}, err
	}
	return cases.Env{Now: now, Policy: pol, Calendar: cal, Loc: localtime.Zone}, nil
}

// nextNumber hands out case numbers per year: WQ2024-000123.
func (tx *Tx) nextNumber(ctx context.Context, prefix string) (string, error) {
	year := tx.now.In(localtime.Zone).Year()
	name := fmt.Sprintf("%s-%d", prefix, year)
	var v int64
	err := tx.QueryRowContext(ctx, `INSERT INTO counters (name, value) VALUES ($1, 1)
		ON CONFLICT (name) DO UPDATE SET value = counters.value + 1 RETURNING value`, name).Scan(&v)
	if err != nil {
		return "", err
	}
	return fmt.Sprintf("%s%d-%06d", prefix, year, v), nil
}

// categoryParent returns the group of an enabled case_category code.
func (tx *Tx) categoryParent(ctx context.Context, code string) (string, error) {
	var parent string
	err := tx.QueryRowContext(ctx, `SELECT parent_code FROM dict_items WHERE dict = 'case_category' AND code = $1 AND enabled = $2`, code, true).Scan(&parent)
	if err == sql.ErrNoRows {
		return "", apperr.Fields{"category": "所选案件类别无效"}.Err()
	}
	return parent, err
}

// CreateCase registers a case. For online requests it also returns the
// tracking code, shown once to the person who asked for help.
func (s *Store) CreateCase(ctx context.Context, a auth.Actor, in cases.Intake) (CaseRecord, string, error) {
	var out CaseRecord
	var code string
	err := s.transact(ctx, func(tx *Tx) error {
		id, c, err := tx.createCase(ctx, a, in)
		if err != nil {
			return err
		}
		code = c
		r, err := caseByID(ctx, tx, auth.System(), id)
		if err != nil {
			return err
		}
		out, err = s.finish(ctx, tx, a, r, false, true)
		return err
	})
	return out, code, err
}

// createCase registers a case inside the caller's transaction, so other
// writes (a screening dispute's link) commit with it or not at all. It
// returns the new id and, for online requests, the tracking code.
func (tx *Tx) createCase(ctx context.Context, a auth.Actor, in cases.Intake) (int64, string, error) {
	s := tx.s
	parent := ""
	if strings.TrimSpace(in.Category) != "" {
		var err error
		if parent, err = tx.categoryParent(ctx, strings.TrimSpace(in.Category)); err != nil {
			return 0, "", err
		}
	}
	c, parties, risk, err := in.Validate(parent)
	if err != nil {
		return 0, "", err
	}
	o, err := orgByID(ctx, tx, a, c.HandlingOrgID)
	if err != nil || o.Status != orgs.Active {
		return 0, "", apperr.Fields{"org_id": "承办单位不存在、已撤销或无权访问"}.Err()
	}
	if c.PersonID != 0 {
		if _, err := personByID(ctx, tx, a, c.PersonID); err != nil {
			return 0, "", apperr.Fields{"person_id": "人员不存在或无权访问"}.Err()
		}
	}
	for _, p := range parties {
		if p.PersonID != 0 {
			if _, err := personByID(ctx, tx, a, p.PersonID); err != nil {
				return 0, "", apperr.Fields{"parties": "关联的人员不存在或无权访问"}.Err()
			}
		}
	}
	env, err := s.caseEnv(ctx, tx, tx.now)
	if err != nil {
		return 0, "", err
	}
	c.IntakeOrgID = a.OrgID
	if c.IntakeOrgID == 0 {
		c.IntakeOrgID = c.HandlingOrgID
	}
	c.DueAt = cases.IntakeDue(c, env)
	if c.Number, err = tx.nextNumber(ctx, "WQ"); err != nil {
		return 0, "", err
	}
	var code string
	var trackingHash []byte
	if c.Channel == cases.Online {
		code = cases.NewTrackingCode()
		trackingHash = s.box.Hash(code, fieldCaseTracking)
	}
	phone := ""
	if in.ContactPhone != "" {
		phone, _ = people.NormalizePhone(in.ContactPhone)
	}
	c.ID, err = insertID(ctx, tx, `INSERT INTO cases (number, channel, category, summary, description_enc, state, urgency, restricted,
		risk_level, risk_answers, risk_rule, anonymous, person_id, intake_org_id, handling_org_id, due_at, tracking_hash,
		contact_phone_enc, created_by, created_at, updated_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $20, $20)`,
		c.Number, string(c.Channel), c.Category, c.Summary, nullBytes(s.box.Seal(c.Description, fieldCaseDescription)),
		string(c.State), string(c.Urgency), c.Restricted, string(c.RiskLevel), strings.Join(risk.Answers, ","), risk.Rule,
		c.Anonymous, nullID(c.PersonID), c.IntakeOrgID, c.HandlingOrgID, ms(c.DueAt), nullBytes(trackingHash),
		nullBytes(s.box.Seal(phone, fieldCasePhone)), nullID(a.UserID), ms(tx.now))
	if err != nil {
		return 0, "", err
	}
	for _, p := range parties {
		if _, err := tx.ExecContext(ctx, `INSERT INTO case_parties (case_id, role, name, person_id, phone_enc, address_enc, minor, note)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`, c.ID, string(p.Role), p.Name, nullID(p.PersonID),
			nullBytes(s.box.Seal(p.Phone, fieldPartyPhone)), nullBytes(s.box.Seal(p.Address, fieldPartyAddress)), p.Minor, p.Note); err != nil {
			return 0, "", err
		}
	}
	note := ""
	if risk.Level != cases.RiskNone {
		note = "风险评估：" + risk.Level.Label() + "。" + risk.Rule
	}
	if err := tx.caseEvent(ctx, a, c.ID, "register", "", c.State, c.HandlingOrgID, note, "已收到您的求助，正在登记处理。", c.DueAt); err != nil {
		return 0, "", err
	}
	if c.RiskLevel == cases.RiskHigh {
		if err := tx.caseEvent(ctx, a, c.ID, "safety_plan", c.State, c.State, c.HandlingOrgID, cases.SafetyPlan(), "", time.Time{}); err != nil {
			return 0, "", err
		}
	}
	if err := tx.notifyIntake(ctx, a, c); err != nil {
		return 0, "", err
	}
	// A restricted case's audit entry names no risk level: the audit log is
	// read by administrators who may not see the case itself.
	detail := map[string]string{"number": c.Number, "channel": string(c.Channel), "restricted": strconv.FormatBool(c.Restricted)}
	if !c.Restricted {
		detail["category"], detail["risk"] = c.Category, string(c.RiskLevel)
	}
	if err := tx.audit(ctx, a, audit.Create, "case", c.ID, audit.Note(detail)); err != nil {
		return 0, "", err
	}
	return c.ID, code, nil
}

// notifyIntake tells the handling org of a new case, and for a high-risk
// case its supervisors up the chain at once. Org notifications are read by
// everyone acting for the org, so they say what to do, not what the case
// is about: a restricted case's risk stays inside the case.
func (tx *Tx) notifyIntake(ctx context.Context, a auth.Actor, c cases.Case) error {
	if c.RiskLevel == cases.RiskHigh {
		msg := fmt.Sprintf("紧急案件 %s 已登记，请立即处置", c.Number)
		rows, err := tx.QueryContext(ctx, `SELECT ancestor_id FROM org_closure WHERE descendant_id = $1 AND depth <= 1`, c.HandlingOrgID)
		if err != nil {
			return err
		}
		var orgIDs []int64
		for rows.Next() {
			var id int64
			if err := rows.Scan(&id); err != nil {
				rows.Close()
				return err
			}
			orgIDs = append(orgIDs, id)
		}
		rows.Close()
		for _, id := range orgIDs {
			if err := tx.notify(ctx, id, 0, "urgent_case", c.ID, msg); err != nil {
				return err
			}
		}
		return nil
	}
	// Someone else's intake (or the public's, which has no org of its own
	// but the root it files under) waits for the handling org.
	if c.HandlingOrgID != a.OrgID || a.UserID == 0 {
		return tx.notify(ctx, c.HandlingOrgID, 0, "new_case", c.ID, fmt.Sprintf("新案件 %s 待受理", c.Number))
	}
	return nil
}

func (tx *Tx) caseEvent(ctx context.Context, a auth.Actor, caseID int64, action string, from, to cases.State, handlingOrg int64, note, publicNote string, due time.Time) error {
	_, err := tx.ExecContext(ctx, `INSERT INTO case_events (case_id, at, action, from_state, to_state, org_id, handling_org_id, user_id, username, note, public_note, due_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)`,
		caseID, ms(tx.now), action, string(from), string(to), nullID(a.OrgID), nullID(handlingOrg), nullID(a.UserID), a.Username, note, publicNote, ms(due))
	return err
}

func (tx *Tx) notify(ctx context.Context, orgID, userID int64, kind string, caseID int64, msg string) error {
	defer tx.s.unread.clear()
	_, err := tx.ExecContext(ctx, `INSERT INTO notifications (org_id, user_id, kind, case_id, message, created_at) VALUES ($1, $2, $3, $4, $5, $6)`,
		nullID(orgID), nullID(userID), kind, nullID(caseID), msg, ms(tx.now))
	return err
}

// GetCase returns a case in scope. A restricted case shows its details
// only to its handler and the operator who registered it, or to a
// supervisor at or above the handling org who opens it on purpose (open):
// that opening is audited and written on the timeline.
func (s *Store) GetCase(ctx context.Context, a auth.Actor, id int64, open bool) (CaseRecord, error) {
	r, err := caseByID(ctx, s.rdb, a, id)
	if err != nil {
		return CaseRecord{}, err
	}
	canOpen, recent := false, false
	if r.Restricted && !seesDetails(a, r) {
		if canOpen, err = mayOpenRestricted(ctx, s.rdb, a, r.Case); err != nil {
			return CaseRecord{}, err
		}
		if canOpen && !open {
			if recent, err = s.openedRecently(ctx, s.rdb, a, r.Case); err != nil {
				return CaseRecord{}, err
			}
		}
	}
	if open && canOpen {
		err := s.transact(ctx, func(tx *Tx) error {
			if err := tx.caseEvent(ctx, a, id, "open_restricted", r.State, r.State, r.HandlingOrgID, "", "", time.Time{}); err != nil {
				return err
			}
			return tx.audit(ctx, a, audit.Reveal, "case", id, audit.Note(map[string]string{"number": r.Number, "restricted": "true"}))
		})
		if err != nil {
			return CaseRecord{}, err
		}
	}
	rec, err := s.finish(ctx, s.rdb, a, r, (open && canOpen) || recent, true)
	rec.CanOpen = canOpen && !rec.Opened
	return rec, err
}

// CaseTimeline returns a case's events, oldest first. For a restricted case
// the viewer cannot see, notes are withheld.
func (s *Store) CaseTimeline(ctx context.Context, a auth.Actor, id int64, withNotes bool) ([]CaseEvent, error) {
	if _, err := caseByID(ctx, s.rdb, a, id); err != nil {
		return nil, err
	}
	return caseEvents(ctx, s.rdb, id, withNotes)
}

func caseEvents(ctx context.Context, q queryer, id int64, withNotes bool) ([]CaseEvent, error) {
	rows, err := q.QueryContext(ctx, `SELECT e.id, e.case_id, e.at, e.action, e.from_state, e.to_state, COALESCE(e.org_id, 0), COALESCE(o.name, ''),
		COALESCE(e.handling_org_id, 0), COALESCE(h.name, ''), COALESCE(e.user_id, 0), e.username, e.note, e.public_note, e.due_at
		FROM case_events e LEFT JOIN orgs o ON o.id = e.org_id LEFT JOIN orgs h ON h.id = e.handling_org_id
		WHERE e.case_id = $1 ORDER BY e.id`, id)
	if err != nil {
		return nil, normalize(err)
	}
	defer rows.Close()
	var out []CaseEvent
	for rows.Next() {
		var e CaseEvent
		var at, due int64
		var from, to string
		if err := rows.Scan(&e.ID, &e.CaseID, &at, &e.Action, &from, &to, &e.OrgID, &e.OrgName, &e.HandlingOrgID, &e.HandlingOrgName,
			&e.UserID, &e.Username, &e.Note, &e.PublicNote, &due); err != nil {
			return nil, normalize(err)
		}
		e.At, e.DueAt, e.From, e.To = fromMS(at), fromMS(due), cases.State(from), cases.State(to)
		if !withNotes {
			e.Note = ""
		}
		out = append(out, e)
	}
	return out, normalize(rows.Err())
}

// CaseFilter selects cases.
type CaseFilter struct {
	State      cases.State
	Category   string // a code or a group code
	OrgID      int64  // handled in this org's subtree
	Channel    cases.Channel
	Urgency    cases.Urgency
	Open       bool // registered, accepted, assigned or in progress
	Overdue    bool // open and past the deadline
	DueWithin  time.Duration
	Restricted *bool
	Q          string // case number, or words of the summary
	From, To   time.Time
	Cursor     int64 // cases with id < Cursor
	Limit      int
}

// CountCases counts the cases in scope matching f (cursor ignored).
func (s *Store) CountCases(ctx context.Context, a auth.Actor, f CaseFilter) (int, error) {
	var ar args
	var n int
	err := s.rdb.QueryRowContext(ctx, `SELECT COUNT(*) FROM cases c`+whereClause(caseWhere(&ar, a, f, s.now())), ar...).Scan(&n)
	return n, normalize(err)
}

// caseWhere builds the conditions of a case filter, scope first.
func caseWhere(ar *args, a auth.Actor, f CaseFilter, now time.Time) []string {
	where := []string{caseScope(ar, a.Scope)}
	if f.State != "" {
		where = append(where, "c.state = "+ar.add(string(f.State)))
	}
	if f.Category != "" {
		where = append(where, "(c.category = "+ar.add(f.Category)+" OR c.category IN (SELECT code FROM dict_items WHERE dict = 'case_category' AND parent_code = "+ar.add(f.Category)+"))")
	}
	if f.OrgID != 0 {
		where = append(where, subtreeFilter(ar, f.OrgID, "c.handling_org_id"))
	}
	if f.Channel != "" {
		where = append(where, "c.channel = "+ar.add(string(f.Channel)))
	}
	if f.Urgency != "" {
		where = append(where, "c.urgency = "+ar.add(string(f.Urgency)))
	}
	if f.Restricted != nil {
		where = append(where, "c.restricted = "+ar.add(*f.Restricted))
	}
	open := "c.state IN ('registered', 'accepted', 'assigned', 'in_progress')"
	if f.Open {
		where = append(where, open)
	}
	if f.Overdue {
		where = append(where, open, "c.due_at > 0", "c.due_at < "+ar.add(ms(now)))
	}
	if f.DueWithin > 0 {
		where = append(where, open, "c.due_at >= "+ar.add(ms(now)), "c.due_at < "+ar.add(ms(now.Add(f.DueWithin))))
	}
	if !f.From.IsZero() {
		where = append(where, "c.created_at >= "+ar.add(ms(f.From)))
	}
	if !f.To.IsZero() {
		where = append(where, "c.created_at < "+ar.add(ms(f.To)))
	}
	if q := strings.TrimSpace(f.Q); q != "" {
		if strings.HasPrefix(strings.ToUpper(q), "WQ") {
			where = append(where, "c.number = "+ar.add(strings.ToUpper(q)))
		} else {
			// Restricted summaries are not searchable by those who cannot see them.
			where = append(where, "c.summary LIKE "+ar.add("%"+escapeLike(q)+"%")+` ESCAPE '\'`)
			if a.UserID != 0 {
				where = append(where, "(c.restricted = "+ar.add(false)+" OR c.handler_user_id = "+ar.add(a.UserID)+" OR c.created_by = "+ar.add(a.UserID)+")")
			} else {
				where = append(where, "c.restricted = "+ar.add(false))
			}
		}
	}
	return where
}

// ListCases returns cases in scope, newest first. Restricted cases the
// viewer may not see show no summary.
func (s *Store) ListCases(ctx context.Context, a auth.Actor, f CaseFilter) ([]CaseRecord, int64, error) {
	var ar args
	where := caseWhere(&ar, a, f, s.now())
	if f.Cursor > 0 {
		where = append(where, "c.id < "+ar.add(f.Cursor))
	}
	limit := clampLimit(f.Limit, 50, 1000)
	order := " ORDER BY c.id DESC"
	rows, err := s.rdb.QueryContext(ctx, `SELECT `+caseColumns+caseFrom+whereClause(where)+order+` LIMIT `+ar.add(limit+1), ar...)
	if err != nil {
		return nil, 0, normalize(err)
	}
	var raw []caseRow
	for rows.Next() {
		r, err := scanCase(rows)
		if err != nil {
			rows.Close()
			return nil, 0, normalize(err)
		}
		raw = append(raw, r)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, 0, normalize(err)
	}
	raw, next := keysetPage(raw, limit, func(r caseRow) int64 { return r.ID })
	out := make([]CaseRecord, len(raw))
	for i, r := range raw {
		rec := r.CaseRecord
		if !seesDetails(a, r) {
			// Lists never open restricted cases: at most that they exist.
			rec.Hidden, rec.Summary, rec.Result, rec.Measures = true, "", "", ""
			rec.RiskAnswers, rec.RiskRule, rec.RiskLevel = nil, "", cases.RiskNone
			rec.SuperviseNote, rec.PersonID, rec.Satisfaction = "", 0, ""
		}
		out[i] = rec
	}
	return out, next, nil
}

// Transition performs a workflow action on a case in scope. A refused
// action changes nothing.
func (s *Store) Transition(ctx context.Context, a auth.Actor, id int64, act cases.Action, in cases.Input) (CaseRecord, error) {
	if !act.Valid() {
		return CaseRecord{}, apperr.Fields{"action": "未知的操作"}.Err()
	}
	var out CaseRecord
	err := s.transact(ctx, func(tx *Tx) error {
		r, err := caseByID(ctx, tx, a, id)
		if err != nil {
			return err
		}
		c := r.Case
		pos := cases.Position{UserID: a.UserID, OrgID: a.OrgID, HandlingOrg: a.OrgID == c.HandlingOrgID, IntakeOrg: a.OrgID == c.IntakeOrgID}
		if a.OrgID != c.HandlingOrgID {
			if pos.AboveHandling, err = isAncestor(ctx, tx, a.OrgID, c.HandlingOrgID); err != nil {
				return err
			}
		}
		parent, err := tx.categoryParentAny(ctx, c.Category)
		if err != nil {
			return err
		}
		pos.ConsultationOnly = parent == cases.ConsultParent
		if act == cases.Assign && in.OrgID != 0 {
			below, err := isAncestor(ctx, tx, c.HandlingOrgID, in.OrgID)
			if err != nil {
				return err
			}
			pos.TargetBelowHandling = below && in.OrgID != c.HandlingOrgID
			var status string
			if err := tx.QueryRowContext(ctx, `SELECT status FROM orgs WHERE id = $1`, in.OrgID).Scan(&status); err == nil {
				pos.TargetActive = status == string(orgs.Active)
			}
		}
		if act == cases.Return && c.AssignedByOrgID == 0 {
			return apperr.New(apperr.Conflict, "该案件不是由上级分派的，不能退回").WithCode(cases.ErrInvalidTransition)
		}
		env, err := s.caseEnv(ctx, tx, tx.now)
		if err != nil {
			return err
		}
		next, ev, err := cases.Apply(c, act, in, pos, env)
		if err != nil {
			return err
		}
		res, err := tx.ExecContext(ctx, `UPDATE cases SET state = $1, handling_org_id = $2, assigned_by_org_id = $3, handler_user_id = $4,
			due_at = $5, extended = $6, escalations = $7, result = $8, measures = $9, satisfaction = $10, supervise_note = $11,
			supervise_due = $12, supervise_org_id = $13, updated_at = $14, accepted_at = $15, closed_at = $16
			WHERE id = $17 AND state = $18 AND handling_org_id = $19`,
			string(next.State), next.HandlingOrgID, nullID(next.AssignedByOrgID), nullID(next.HandlerUserID), ms(next.DueAt), next.Extended,
			next.Escalations, next.Result, next.Measures, string(next.Satisfaction), next.SuperviseNote, ms(next.SuperviseDue),
			nullID(next.SuperviseOrgID), ms(tx.now), ms(next.AcceptedAt), ms(next.ClosedAt), id, string(c.State), c.HandlingOrgID)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n != 1 {
			return apperr.New(apperr.Conflict, "案件刚被他人处理过，请刷新后重试").WithCode(cases.ErrInvalidTransition)
		}
		if err := tx.caseEvent(ctx, a, id, string(act), ev.From, ev.To, ev.OrgID, ev.Note, publicNote(act, next), ev.DueAt); err != nil {
			return err
		}
		if err := tx.notifyTransition(ctx, a, act, c, next); err != nil {
			return err
		}
		if err := tx.audit(ctx, a, audit.Update, "case", id, audit.Note(map[string]string{"action": string(act), "from": string(c.State), "to": string(next.State)})); err != nil {
			return err
		}
		r2, err := caseByID(ctx, tx, auth.System(), id)
		if err != nil {
			return err
		}
		out, err = s.finish(ctx, tx, a, r2, false, true)
		return err
	})
	return out, err
}

// publicNote is what the public status page says about a step.
func publicNote(act cases.Action, c cases.Case) string {
	switch act {
	case cases.Accept, cases.Take:
		return "您的求助已受理，工作人员正在办理。"
	case cases.Decline:
		return "经审核，您的求助不属于受理范围。如有疑问请拨打12338。"
	case cases.Assign, cases.Escalate:
		return "您的求助已转交相关妇联组织办理。"
	case cases.Close:
		return "您的求助已办结。"
	case cases.FollowUp:
		if c.State == cases.InProgress {
			return "您的求助已重新办理。"
		}
		return "已完成回访，感谢您的反馈。"
	case cases.Archive:
		return "已归档。"
	}
	return ""
}

func (tx *Tx) notifyTransition(ctx context.Context, a auth.Actor, act cases.Action, before, after cases.Case) error {
	switch act {
	case cases.Assign:
		return tx.notify(ctx, after.HandlingOrgID, 0, "assigned", after.ID, fmt.Sprintf("案件 %s 已分派给本单位，请及时接办", after.Number))
	case cases.Return:
		return tx.notify(ctx, after.HandlingOrgID, 0, "returned", after.ID, fmt.Sprintf("案件 %s 被下级退回", after.Number))
	case cases.Supervise:
		return tx.notify(ctx, after.HandlingOrgID, 0, "supervised", after.ID, fmt.Sprintf("案件 %s 被督办，请在期限内办理", after.Number))
	case cases.Close:
		if after.IntakeOrgID != after.HandlingOrgID {
			return tx.notify(ctx, after.IntakeOrgID, 0, "closed", after.ID, fmt.Sprintf("案件 %s 已办结，请安排回访", after.Number))
		}
	case cases.FollowUp:
		if after.State == cases.InProgress {
			return tx.notify(ctx, after.HandlingOrgID, 0, "reopened", after.ID, fmt.Sprintf("案件 %s 回访不满意，已重新办理", after.Number))
		}
	}
	return nil
}

// categoryParentAny returns a category's group whether or not it is
// enabled now (an old case keeps its category).
func (tx *Tx) categoryParentAny(ctx context.Context, code string) (string, error) {
	var parent string
	err := tx.QueryRowContext(ctx, `SELECT parent_code FROM dict_items WHERE dict = 'case_category' AND code = $1`, code).Scan(&parent)
	if err == sql.ErrNoRows {
		return "", nil
	}
	return parent, err
}

// EscalateOverdue moves every open case past its deadline up to the parent
// of its handling org, notifying it, at most once per missed deadline: the
// case_escalations key makes a second attempt (after a restart, or on
// another server) a no-op. It returns how many cases it escalated.
func (s *Store) EscalateOverdue(ctx context.Context, limit int) (int, error) {
	now := s.now()
	rows, err := s.rdb.QueryContext(ctx, `SELECT id, due_at FROM cases WHERE state IN ('registered', 'accepted', 'assigned', 'in_progress')
		AND due_at > 0 AND due_at < $1 ORDER BY due_at LIMIT $2`, ms(now), clampLimit(limit, 100, 1000))
	if err != nil {
		return 0, normalize(err)
	}
	type due struct{ id, at int64 }
	var list []due
	for rows.Next() {
		var d due
		if err := rows.Scan(&d.id, &d.at); err != nil {
			rows.Close()
			return 0, normalize(err)
		}
		list = append(list, d)
	}
	rows.Close()
	n := 0
	sys := auth.System()
	sys.Username = "system"
	for _, d := range list {
		err := s.transact(ctx, func(tx *Tx) error {
			r, err := caseByID(ctx, tx, sys, d.id)
			if err != nil {
				return err
			}
			if ms(r.DueAt) != d.at || !r.State.Open() {
				return nil // handled meanwhile
			}
			var parent sql.NullInt64
			if err := tx.QueryRowContext(ctx, `SELECT parent_id FROM orgs WHERE id = $1`, r.HandlingOrgID).Scan(&parent); err != nil {
				return err
			}
			to := r.HandlingOrgID
			if parent.Valid {
				to = parent.Int64
			}
			res, err := tx.ExecContext(ctx, `INSERT INTO case_escalations (case_id, missed_due_at, from_org_id, to_org_id, at) VALUES ($1, $2, $3, $4, $5)
				ON CONFLICT (case_id, missed_due_at) DO NOTHING`, d.id, d.at, r.HandlingOrgID, to, ms(tx.now))
			if err != nil {
				return err
			}
			if k, _ := res.RowsAffected(); k == 0 {
				return nil
			}
			env, err := s.caseEnv(ctx, tx, tx.now)
			if err != nil {
				return err
			}
			note := fmt.Sprintf("超过办理期限（%s）未办结，自动上报至上级组织", localtime.Format(r.DueAt))
			if !parent.Valid {
				note = fmt.Sprintf("超过办理期限（%s）未办结，已提醒本单位", localtime.Format(r.DueAt))
			}
			next, ev, err := cases.Apply(r.Case, cases.Escalate, cases.Input{OrgID: to, Note: note}, cases.Position{}, env)
			if err != nil {
				return err
			}
			if _, err := tx.ExecContext(ctx, `UPDATE cases SET state = $1, handling_org_id = $2, handler_user_id = $3, due_at = $4,
				escalations = $5, updated_at = $6 WHERE id = $7`, string(next.State), next.HandlingOrgID, nullID(next.HandlerUserID),
				ms(next.DueAt), next.Escalations, ms(tx.now), d.id); err != nil {
				return err
			}
			if err := tx.caseEvent(ctx, sys, d.id, string(cases.Escalate), ev.From, ev.To, next.HandlingOrgID, note, publicNote(cases.Escalate, next), next.DueAt); err != nil {
				return err
			}
			if err := tx.notify(ctx, to, 0, "escalated", d.id, fmt.Sprintf("案件 %s 超期未办结，已上报至本单位，请督促办理", r.Number)); err != nil {
				return err
			}
			n++
			return tx.audit(ctx, sys, audit.Update, "case", d.id, audit.Note(map[string]string{"action": "escalate", "to_org": itoa(to)}))
		})
		if err != nil {
			return n, err
		}
	}
	return n, nil
}
