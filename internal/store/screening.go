package store

import (
	"context"
	"database/sql"
	"fmt"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"jinguo/internal/apperr"
	"jinguo/internal/audit"
	"jinguo/internal/auth"
	"jinguo/internal/cases"
	"jinguo/internal/localtime"
	"jinguo/internal/orgs"
)

// Dispute statuses in a screening report.
const (
	DisputeOpen = "open" // found, not (yet) a case
	DisputeCase = "case" // became a case
)

// Limits on a screening submission.
const (
	MaxScreeningDisputes = 10  // dispute rows in one submission
	MaxDisputeSummary    = 200 // characters
	MaxDisputeParties    = 200 // characters
	MaxScreeningNote     = 500 // characters
)

// DisputeWithheld replaces the summary of a dispute whose details the
// viewer may not see.
const DisputeWithheld = "（涉及未成年人或受限案件，详情不予显示）"

// ScreeningDispute is one marriage or family dispute found in a monthly
// screening round (矛盾纠纷排查).
type ScreeningDispute struct {
	ID         int64
	ReportID   int64
	OrgID      int64
	Category   string // case_category code
	Summary    string
	Parties    string // who is involved, free text
	Status     string // DisputeOpen or DisputeCase
	CaseID     int64
	CaseNumber string
	CreatedAt  time.Time
	// Hidden is set when the dispute concerns a child or became a
	// restricted case and the viewer may not see its details: Summary is
	// DisputeWithheld and Parties empty.
	Hidden bool
}

// disputeAccessColumns and disputeAccessJoins read what decides who sees a
// dispute's details: its own reporter (not the report's, which is whoever
// submitted to the month last), its category's group, and its linked
// case's restriction, handler and creator. They need screening_disputes d
// in the query.
const (
	disputeAccessColumns = `COALESCE(d.reported_by, 0), COALESCE(di.parent_code, ''), c.restricted,
		COALESCE(c.handler_user_id, 0), COALESCE(c.created_by, 0)`
	disputeAccessJoins = ` LEFT JOIN dict_items di ON di.dict = 'case_category' AND di.code = d.category
		LEFT JOIN cases c ON c.id = d.case_id`
)

// disputeAccess is what disputeAccessColumns read.
type disputeAccess struct {
	reportedBy     int64
	parent         string
	caseRestricted sql.NullBool
	handler        int64
	creator        int64
}

func (x *disputeAccess) dest() []any {
	return []any{&x.reportedBy, &x.parent, &x.caseRestricted, &x.handler, &x.creator}
}

// restricted reports whether d's details are limited: it concerns a child
// (a category in the child group, or the group itself) or its case is
// restricted.
func (x disputeAccess) restricted(d ScreeningDispute) bool {
	return d.Category == cases.ChildParent || x.parent == cases.ChildParent || (x.caseRestricted.Valid && x.caseRestricted.Bool)
}

// sees reports whether a sees the details of a restricted dispute: the
// system, its reporter, and the handler or creator of its linked case.
func (x disputeAccess) sees(a auth.Actor) bool {
	if a.IsSystem() {
		return true
	}
	return a.UserID != 0 && (a.UserID == x.reportedBy || a.UserID == x.handler || a.UserID == x.creator)
}

// withhold hides d's summary and parties from a when they are restricted
// and a may not see them. The status and the case link stay: the case page
// enforces its own rules.
func (x disputeAccess) withhold(a auth.Actor, d *ScreeningDispute) {
	if x.restricted(*d) && !x.sees(a) {
		d.Summary, d.Parties, d.Hidden = DisputeWithheld, "", true
	}
}

// Open reports whether the dispute may still become a case.
func (d ScreeningDispute) Open() bool { return d.Status == DisputeOpen }

// ScreeningReport is one org's report for one month: the disputes it
// found, or that it found none.
type ScreeningReport struct {
	ID           int64
	OrgID        int64
	OrgName      string
	OrgKind      orgs.Kind
	Month        string // YYYY-MM
	NoneFound    bool
	Note         string
	ReportedBy   int64
	ReporterName string
	ReportedAt   time.Time
	Disputes     []ScreeningDispute
}

// ParseMonth checks a "YYYY-MM" month and returns its first instant in
// China time, as UTC.
func ParseMonth(month string) (time.Time, bool) {
	if len(month) != 7 || month[4] != '-' {
		return time.Time{}, false
	}
	t, err := time.ParseInLocation("2006-01", month, localtime.Zone)
	if err != nil || t.Year() < 2000 {
		return time.Time{}, false
	}
	return t.UTC(), true
}

// MonthOf returns the month of t in China time as "YYYY-MM".
func MonthOf(t time.Time) string { return t.In(localtime.Zone).Format("2006-01") }

// validateScreening checks a submission and returns the cleaned disputes
// with the form row (1-based) each came from, and the note.
func validateScreening(month, now string, noneFound bool, note string, in []ScreeningDispute) ([]ScreeningDispute, []int, string, error) {
	f := apperr.Fields{}
	if _, ok := ParseMonth(month); !ok {
		f.Add("month", "请选择排查月份")
	} else if month > now {
		f.Add("month", "不能上报未来月份的排查情况")
	}
	note = strings.TrimSpace(note)
	if utf8.RuneCountInString(note) > MaxScreeningNote {
		f.Add("note", fmt.Sprintf("备注不能超过%d个字", MaxScreeningNote))
	}
	var out []ScreeningDispute
	var rows []int
	for i, d := range in {
		d.Category, d.Summary, d.Parties = strings.TrimSpace(d.Category), strings.TrimSpace(d.Summary), strings.TrimSpace(d.Parties)
		if d.Category == "" && d.Summary == "" && d.Parties == "" {
			continue // an empty row of the form
		}
		key := "dispute_" + strconv.Itoa(i+1)
		switch {
		case d.Category == "":
			f.Add(key, "请选择纠纷类别")
		case d.Summary == "":
			f.Add(key, "请填写纠纷简要情况")
		case utf8.RuneCountInString(d.Summary) > MaxDisputeSummary:
			f.Add(key, fmt.Sprintf("简要情况不能超过%d个字", MaxDisputeSummary))
		case utf8.RuneCountInString(d.Parties) > MaxDisputeParties:
			f.Add(key, fmt.Sprintf("当事人不能超过%d个字", MaxDisputeParties))
		}
		out = append(out, d)
		rows = append(rows, i+1)
	}
	switch {
	case len(out) > MaxScreeningDisputes:
		f.Add("disputes", fmt.Sprintf("一次最多上报%d条纠纷，更多的请再次提交", MaxScreeningDisputes))
	case noneFound && len(out) > 0:
		f.Add("none_found", "已填写纠纷，不能同时勾选“本月未发现矛盾纠纷”")
	case !noneFound && len(out) == 0 && len(f) == 0:
		f.Add("none_found", "请填写发现的纠纷，或勾选“本月未发现矛盾纠纷”")
	}
	return out, rows, note, f.Err()
}

// ReportScreening records org's screening report for month: the disputes
// found, or none found. A second submission for the same month adds its
// disputes to the report (and replaces the note when one is given) rather
// than failing; marking a month "none found" once disputes are on it is
// refused. The org must be in scope and the month not in the future.
func (s *Store) ReportScreening(ctx context.Context, a auth.Actor, orgID int64, month string, noneFound bool, note string, disputes []ScreeningDispute) (ScreeningReport, error) {
	var out ScreeningReport
	err := s.transact(ctx, func(tx *Tx) error {
		list, rowOf, note, err := validateScreening(month, MonthOf(tx.now), noneFound, note, disputes)
		if err != nil {
			return err
		}
		o, err := orgByID(ctx, tx, a, orgID)
		if err != nil || o.Status != orgs.Active {
			return apperr.Fields{"org_id": "上报单位不存在、已撤销或无权访问"}.Err()
		}
		for i, d := range list {
			if _, err := tx.categoryParent(ctx, d.Category); err != nil {
				return apperr.Fields{"dispute_" + strconv.Itoa(rowOf[i]): "所选纠纷类别无效"}.Err()
			}
		}
		var id int64
		var wasNone bool
		var oldNote string
		err = tx.QueryRowContext(ctx, `SELECT id, none_found, note FROM screening_reports WHERE org_id = $1 AND month = $2`, orgID, month).Scan(&id, &wasNone, &oldNote)
		switch {
		case err == sql.ErrNoRows:
			// ON CONFLICT: on PostgreSQL a concurrent first report of the same
			// org and month wins; this one then adds to it below.
			err = tx.QueryRowContext(ctx, `INSERT INTO screening_reports (org_id, month, none_found, note, reported_by, reported_at)
				VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (org_id, month) DO NOTHING RETURNING id`,
				orgID, month, noneFound, note, nullID(a.UserID), ms(tx.now)).Scan(&id)
			if err == sql.ErrNoRows {
				return apperr.New(apperr.Conflict, "本月的排查情况刚被他人上报，请刷新后重试")
			}
			if err != nil {
				return err
			}
			if err := tx.audit(ctx, a, audit.Create, "screening_report", id, audit.Note(map[string]string{
				"org_id": itoa(orgID), "month": month, "none_found": strconv.FormatBool(noneFound), "disputes": strconv.Itoa(len(list))})); err != nil {
				return err
			}
		case err != nil:
			return err
		default:
			var n int
			if err := tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM screening_disputes WHERE report_id = $1`, id).Scan(&n); err != nil {
				return err
			}
			if noneFound && n > 0 {
				return apperr.Fields{"none_found": "本月已上报纠纷，不能再标记为未发现矛盾纠纷"}.Err()
			}
			if n+len(list) > 200 {
				return apperr.Fields{"disputes": "本月上报的纠纷已达200条上限，请联系上级妇联"}.Err()
			}
			if note == "" {
				note = oldNote
			}
			if _, err := tx.ExecContext(ctx, `UPDATE screening_reports SET none_found = $1, note = $2, reported_by = $3, reported_at = $4 WHERE id = $5`,
				noneFound, note, nullID(a.UserID), ms(tx.now), id); err != nil {
				return err
			}
			ch := audit.Changes{}
			ch.Set("none_found", strconv.FormatBool(wasNone), strconv.FormatBool(noneFound))
			ch.Set("note", oldNote, note)
			if len(list) > 0 {
				ch.Set("disputes", strconv.Itoa(n), strconv.Itoa(n+len(list)))
			}
			if err := tx.audit(ctx, a, audit.Update, "screening_report", id, ch.JSON()); err != nil {
				return err
			}
		}
		for _, d := range list {
			if _, err := tx.ExecContext(ctx, `INSERT INTO screening_disputes (report_id, org_id, category, summary, parties, status, reported_by, created_at, updated_at)
				VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $8)`, id, orgID, d.Category, d.Summary, d.Parties, DisputeOpen, nullID(a.UserID), ms(tx.now)); err != nil {
				return err
			}
		}
		reports, err := screeningReports(ctx, tx, auth.System(), orgID, month, true)
		if err != nil {
			return err
		}
		if len(reports) == 0 {
			return fmt.Errorf("report %d vanished", id)
		}
		out = reports[0]
		return nil
	})
	return out, err
}

// ListScreening returns the month's reports of orgID and every org below
// it (orgID 0: the actor's whole scope), each with its disputes, ordered
// by place in the tree. Orgs that have not reported have no entry: see
// ScreeningCoverage.
func (s *Store) ListScreening(ctx context.Context, a auth.Actor, orgID int64, month string) ([]ScreeningReport, error) {
	if _, ok := ParseMonth(month); !ok {
		return nil, apperr.Fields{"month": "请选择排查月份"}.Err()
	}
	if orgID != 0 {
		if _, err := orgByID(ctx, s.rdb, a, orgID); err != nil {
			return nil, err
		}
	}
	return screeningReports(ctx, s.rdb, a, orgID, month, false)
}

// maxScreeningReports caps one listing; a city lists its villages' reports
// through the coverage view and opens them one township at a time.
const maxScreeningReports = 1000

func screeningReports(ctx context.Context, q queryer, a auth.Actor, orgID int64, month string, exact bool) ([]ScreeningReport, error) {
	where := func(ar *args) string {
		w := []string{"r.month = " + ar.add(month), scopeFilter(ar, a.Scope, "r.org_id")}
		switch {
		case exact:
			w = append(w, "r.org_id = "+ar.add(orgID))
		case orgID != 0:
			w = append(w, subtreeFilter(ar, orgID, "r.org_id"))
		}
		return whereClause(w)
	}
	var ar args
	rows, err := q.QueryContext(ctx, `SELECT r.id, r.org_id, o.name, o.kind, r.month, r.none_found, r.note, COALESCE(r.reported_by, 0),
		COALESCE(u.display_name, ''), r.reported_at
		FROM screening_reports r JOIN orgs o ON o.id = r.org_id LEFT JOIN users u ON u.id = r.reported_by`+where(&ar)+`
		ORDER BY o.depth, o.division_code, o.id LIMIT `+ar.add(maxScreeningReports), ar...)
	if err != nil {
		return nil, normalize(err)
	}
	var out []ScreeningReport
	index := map[int64]int{}
	for rows.Next() {
		var r ScreeningReport
		var kind string
		var at int64
		if err := rows.Scan(&r.ID, &r.OrgID, &r.OrgName, &kind, &r.Month, &r.NoneFound, &r.Note, &r.ReportedBy, &r.ReporterName, &at); err != nil {
			rows.Close()
			return nil, normalize(err)
		}
		r.OrgKind, r.ReportedAt = orgs.Kind(kind), fromMS(at)
		index[r.ID] = len(out)
		out = append(out, r)
	}
	rows.Close()
	if err := rows.Err(); err != nil || len(out) == 0 {
		return out, normalize(err)
	}
	// The disputes of every listed report, in one query.
	ar = nil
	drows, err := q.QueryContext(ctx, `SELECT d.id, d.report_id, d.org_id, d.category, d.summary, d.parties, d.status, COALESCE(d.case_id, 0),
		COALESCE(c.number, ''), d.created_at, `+disputeAccessColumns+`
		FROM screening_disputes d JOIN screening_reports r ON r.id = d.report_id`+disputeAccessJoins+where(&ar)+`
		ORDER BY d.id`, ar...)
	if err != nil {
		return nil, normalize(err)
	}
	defer drows.Close()
	for drows.Next() {
		var d ScreeningDispute
		var at int64
		var x disputeAccess
		if err := drows.Scan(append([]any{&d.ID, &d.ReportID, &d.OrgID, &d.Category, &d.Summary, &d.Parties, &d.Status, &d.CaseID, &d.CaseNumber, &at},
			x.dest()...)...); err != nil {
			return nil, normalize(err)
		}
		d.CreatedAt = fromMS(at)
		x.withhold(a, &d)
		if i, ok := index[d.ReportID]; ok {
			out[i].Disputes = append(out[i].Disputes, d)
		}
	}
	return out, normalize(drows.Err())
}

var errDisputeNotFound = apperr.New(apperr.NotFound, "纠纷记录不存在或无权访问")

// GetDispute returns a dispute whose reporting org is in scope, with the
// month of its report. A restricted dispute's details are withheld from
// those who may not see them (see ScreeningDispute.Hidden).
func (s *Store) GetDispute(ctx context.Context, a auth.Actor, id int64) (ScreeningDispute, string, error) {
	return disputeByID(ctx, s.rdb, a, id)
}

func disputeByID(ctx context.Context, q queryer, a auth.Actor, id int64) (ScreeningDispute, string, error) {
	var ar args
	var d ScreeningDispute
	var month string
	var at int64
	var x disputeAccess
	err := q.QueryRowContext(ctx, `SELECT d.id, d.report_id, d.org_id, d.category, d.summary, d.parties, d.status, COALESCE(d.case_id, 0),
		COALESCE(c.number, ''), d.created_at, r.month, `+disputeAccessColumns+`
		FROM screening_disputes d JOIN screening_reports r ON r.id = d.report_id`+disputeAccessJoins+`
		WHERE d.id = `+ar.add(id)+` AND `+scopeFilter(&ar, a.Scope, "d.org_id"), ar...).
		Scan(append([]any{&d.ID, &d.ReportID, &d.OrgID, &d.Category, &d.Summary, &d.Parties, &d.Status, &d.CaseID, &d.CaseNumber, &at, &month},
			x.dest()...)...)
	if err == sql.ErrNoRows {
		return d, "", errDisputeNotFound
	}
	if err != nil {
		return d, "", normalize(err)
	}
	d.CreatedAt = fromMS(at)
	x.withhold(a, &d)
	return d, month, nil
}

// DisputeToCase turns an open dispute into a case (channel screening)
// handled by handlingOrgID, in one step for the user, and links the two. A
// dispute becomes a case once: a second attempt is a conflict.
//
// It is one transaction: the conditional update from open (which only one
// caller can win; on PostgreSQL a concurrent one waits for the row and then
// finds it no longer open), the case, the link and the audit entry commit
// together or not at all. A restricted dispute (about a child) is converted
// only by those who may see it: the new case would show its creator the
// details.
func (s *Store) DisputeToCase(ctx context.Context, a auth.Actor, disputeID, handlingOrgID int64) (CaseRecord, error) {
	var out CaseRecord
	err := s.transact(ctx, func(tx *Tx) error {
		d, month, err := disputeByID(ctx, tx, a, disputeID)
		if err != nil {
			return err
		}
		if d.Status != DisputeOpen {
			return apperr.New(apperr.Conflict, "该纠纷已转为案件")
		}
		if d.Hidden {
			return apperr.New(apperr.Forbidden, "该纠纷涉及未成年人或受限案件，只能由上报人转为案件")
		}
		var orgName string
		if err := tx.QueryRowContext(ctx, `SELECT name FROM orgs WHERE id = $1`, d.OrgID).Scan(&orgName); err != nil {
			return err
		}
		res, err := tx.ExecContext(ctx, `UPDATE screening_disputes SET status = $1, updated_at = $2 WHERE id = $3 AND status = $4`,
			DisputeCase, ms(tx.now), disputeID, DisputeOpen)
		if err != nil {
			return err
		}
		if n, err := res.RowsAffected(); err != nil {
			return err
		} else if n != 1 {
			return apperr.New(apperr.Conflict, "该纠纷已转为案件")
		}
		desc := fmt.Sprintf("矛盾纠纷排查（%s，%s）发现：%s", month, orgName, d.Summary)
		if d.Parties != "" {
			desc += "\n当事人：" + d.Parties
		}
		id, _, err := tx.createCase(ctx, a, cases.Intake{Channel: cases.Screening, Category: d.Category, Summary: firstRunesOf(d.Summary, cases.MaxSummary),
			Description: desc, OrgID: handlingOrgID})
		if err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `UPDATE screening_disputes SET case_id = $1 WHERE id = $2`, id, disputeID); err != nil {
			return err
		}
		r, err := caseByID(ctx, tx, auth.System(), id)
		if err != nil {
			return err
		}
		if err := tx.audit(ctx, a, audit.Update, "screening_dispute", disputeID, audit.Note(map[string]string{"case_id": itoa(id), "number": r.Number})); err != nil {
			return err
		}
		out, err = s.finish(ctx, tx, a, r, false, true)
		return err
	})
	if err != nil {
		return CaseRecord{}, err
	}
	return out, nil
}

func firstRunesOf(s string, n int) string {
	r := []rune(s)
	if len(r) <= n {
		return s
	}
	return string(r[:n-1]) + "…"
}

// CoverageNode is an org in the reporting-rate view: its villages
// (村/社区 federations, the reporters) and how many of them reported.
type CoverageNode struct {
	ID, ParentID int64
	Name         string
	Kind         orgs.Kind
	Depth        int
	Children     []*CoverageNode
	// For a village: whether it reported, and what.
	Reported  bool
	NoneFound bool
	Disputes  int
	// Rolled up the subtree (a village counts itself).
	Villages         int
	VillagesReported int
	DisputesTotal    int
}

// Rate is the share of villages that reported, in percent (100 when
// there are none to report).
func (n *CoverageNode) Rate() int {
	if n.Villages == 0 {
		return 100
	}
	return n.VillagesReported * 100 / n.Villages
}

// IsVillage reports whether the node is a reporter.
func (n *CoverageNode) IsVillage() bool { return n.Kind == orgs.Village }

// MissingVillage is a village that has not reported, with its parent's
// name and the contact to chase it.
type MissingVillage struct {
	ID         int64
	Name       string
	ParentName string
	Contact    string
	Phone      string
}

// Coverage is the reporting-rate view of one month.
type Coverage struct {
	Month   string
	Roots   []*CoverageNode
	Missing []MissingVillage
	// Totals over the roots.
	Villages, Reported, Disputes int
}

// Rate is the share of villages in scope that reported, in percent.
func (c Coverage) Rate() int {
	if c.Villages == 0 {
		return 100
	}
	return c.Reported * 100 / c.Villages
}

// ScreeningCoverage returns, for the actor's part of the tree, every
// active village and whether it reported in month, rolled up the tree
// (each township, district and city shows villages reported / total), and
// the villages that have not reported. One query for the orgs with their
// reports, one for the dispute counts; the roll-up is done in Go.
func (s *Store) ScreeningCoverage(ctx context.Context, a auth.Actor, month string) (Coverage, error) {
	cov := Coverage{Month: month}
	if _, ok := ParseMonth(month); !ok {
		return cov, apperr.Fields{"month": "请选择排查月份"}.Err()
	}
	var ar args
	rows, err := s.rdb.QueryContext(ctx, `SELECT o.id, COALESCE(o.parent_id, 0), o.name, o.kind, o.depth, o.contact, o.phone,
		COALESCE(r.id, 0), COALESCE(r.none_found, `+ar.add(false)+`)
		FROM orgs o LEFT JOIN screening_reports r ON r.org_id = o.id AND r.month = `+ar.add(month)+`
		WHERE o.status = 'active' AND `+scopeFilter(&ar, a.Scope, "o.id")+`
		ORDER BY o.depth, o.division_code, o.id`, ar...)
	if err != nil {
		return cov, normalize(err)
	}
	nodes := map[int64]*CoverageNode{}
	contacts := map[int64][2]string{}
	var order []*CoverageNode
	for rows.Next() {
		n := &CoverageNode{}
		var kind, contact, phone string
		var reportID int64
		if err := rows.Scan(&n.ID, &n.ParentID, &n.Name, &kind, &n.Depth, &contact, &phone, &reportID, &n.NoneFound); err != nil {
			rows.Close()
			return cov, normalize(err)
		}
		n.Kind, n.Reported = orgs.Kind(kind), reportID != 0
		nodes[n.ID] = n
		order = append(order, n)
		if n.Kind == orgs.Village && !n.Reported {
			contacts[n.ID] = [2]string{contact, phone}
		}
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return cov, normalize(err)
	}
	ar = nil
	drows, err := s.rdb.QueryContext(ctx, `SELECT r.org_id, COUNT(*) FROM screening_disputes d JOIN screening_reports r ON r.id = d.report_id
		WHERE r.month = `+ar.add(month)+` AND `+scopeFilter(&ar, a.Scope, "r.org_id")+` GROUP BY r.org_id`, ar...)
	if err != nil {
		return cov, normalize(err)
	}
	for drows.Next() {
		var id int64
		var n int
		if err := drows.Scan(&id, &n); err != nil {
			drows.Close()
			return cov, normalize(err)
		}
		if node := nodes[id]; node != nil {
			node.Disputes = n
		}
	}
	drows.Close()
	if err := drows.Err(); err != nil {
		return cov, normalize(err)
	}
	for _, n := range order {
		if p := nodes[n.ParentID]; p != nil {
			p.Children = append(p.Children, n)
		} else {
			cov.Roots = append(cov.Roots, n)
		}
	}
	// Roll up, deepest first (order is by depth).
	for i := len(order) - 1; i >= 0; i-- {
		n := order[i]
		n.DisputesTotal += n.Disputes
		if n.Kind == orgs.Village {
			n.Villages++
			if n.Reported {
				n.VillagesReported++
			}
		}
		if p := nodes[n.ParentID]; p != nil {
			p.Villages += n.Villages
			p.VillagesReported += n.VillagesReported
			p.DisputesTotal += n.DisputesTotal
		}
	}
	for _, r := range cov.Roots {
		cov.Villages += r.Villages
		cov.Reported += r.VillagesReported
		cov.Disputes += r.DisputesTotal
	}
	// The villages not reported, in tree order.
	var walk func(n *CoverageNode, parent string)
	walk = func(n *CoverageNode, parent string) {
		if n.Kind == orgs.Village && !n.Reported {
			c := contacts[n.ID]
			cov.Missing = append(cov.Missing, MissingVillage{ID: n.ID, Name: n.Name, ParentName: parent, Contact: c[0], Phone: c[1]})
		}
		for _, ch := range n.Children {
			walk(ch, n.Name)
		}
	}
	for _, r := range cov.Roots {
		walk(r, "")
	}
	return cov, nil
}
