package store

import (
	"context"
	"math"
	"slices"
	"time"

	"jinguo/internal/auth"
	"jinguo/internal/cases"
	"jinguo/internal/dicts"
	"jinguo/internal/localtime"
	"jinguo/internal/orgs"
)

// StatsFilter selects the cases the statistics cover: those registered in
// [From, To) and handled in OrgID's subtree (0: the actor's org), within
// the actor's scope. A zero From/To means the current month in China.
type StatsFilter struct {
	From, To time.Time
	OrgID    int64
}

// StatsColumn is one part of the tree the counts are broken down by: a
// direct child of the base org with its subtree, or the base org itself.
type StatsColumn struct {
	OrgID int64
	Name  string
	Self  bool // cases handled by the base org itself
}

// StatsGroup is a top-level case category with its counts per column.
type StatsGroup struct {
	Code   string
	Name   string
	Counts []int // per column
	Total  int
}

// StatsMonth is one month of the trend.
type StatsMonth struct {
	Month  string // YYYY-MM
	Cases  int    // registered
	Closed int    // of those, closed (办结) by now
}

// LabelCount is a labelled count.
type LabelCount struct {
	Code  string
	Label string
	Count int
}

// ReferralStats counts referrals to one kind of agency by status.
type ReferralStats struct {
	AgencyType string
	Label      string
	ByStatus   []int // per CaseStatistics.ReferralStatuses
	Total      int
}

// CaseStatistics are the figures of the statistics page. Every figure is
// about the cases registered in the range (a cohort), so the numbers of a
// past month do not change except as its cases move on.
type CaseStatistics struct {
	From, To     time.Time
	Base         orgs.Org
	Columns      []StatsColumn
	Groups       []StatsGroup
	ColumnTotals []int
	Total        int
	Open         int // still being handled
	Months       []StatsMonth

	// Closed counts the cases closed with a result (not declined). OnTime of
	// them were closed by the deadline in force when they were closed;
	// WithDeadline had one at all.
	Closed, OnTime, WithDeadline int
	// MedianDays is the median time from registration to closing.
	MedianDays float64

	// Satisfaction and referrals leave restricted cases out.
	Satisfaction      []LabelCount
	SatisfactionTotal int

	ReferralStatuses []LabelCount // the status columns, with totals
	Referrals        []ReferralStats
	ReferralTotal    int
}

// OnTimeRate is the share of closed cases closed on time, in percent with
// one decimal (0 when none closed).
func (st CaseStatistics) OnTimeRate() float64 {
	if st.WithDeadline == 0 {
		return 0
	}
	return math.Round(float64(st.OnTime)*1000/float64(st.WithDeadline)) / 10
}

// referralStatusLabels names the statuses of a referral.
var referralStatusLabels = map[string]string{"sent": "已转介", "received": "已接收", "feedback": "已反馈"}

var referralStatusOrder = []string{"sent", "received", "feedback"}

// monthExpr is the China-time month ("YYYY-MM") of a millisecond column.
func (s *Store) monthExpr(col string) string {
	if s.engine == Postgres {
		return "to_char(to_timestamp((" + col + " + 28800000) / 1000) AT TIME ZONE 'UTC', 'YYYY-MM')"
	}
	return "strftime('%Y-%m', (" + col + " + 28800000) / 1000, 'unixepoch')"
}

// statsBase picks the org whose children are the columns: the filter's org
// (which must be in scope), else the actor's org when in scope, else the
// root.
func (s *Store) statsBase(ctx context.Context, a auth.Actor, orgID int64) (orgs.Org, error) {
	if orgID != 0 {
		return orgByID(ctx, s.rdb, a, orgID)
	}
	if a.OrgID != 0 {
		if o, err := orgByID(ctx, s.rdb, a, a.OrgID); err == nil {
			return o, nil
		}
	}
	if len(a.Scope.Subtrees) > 0 {
		return orgByID(ctx, s.rdb, a, a.Scope.Subtrees[0])
	}
	if a.Scope.Org != 0 {
		return orgByID(ctx, s.rdb, a, a.Scope.Org)
	}
	return s.RootOrg(ctx)
}

// scopeCovers reports whether org's whole subtree lies inside sc, so that
// a query already limited to the subtree needs no scope condition.
func (s *Store) scopeCovers(ctx context.Context, sc auth.Scope, org int64) (bool, error) {
	if sc.All {
		return true, nil
	}
	for _, root := range sc.Subtrees {
		ok, err := isAncestor(ctx, s.rdb, root, org)
		if err != nil || ok {
			return ok, err
		}
	}
	return false, nil
}

// CaseStats computes the statistics of the cases registered in the range
// within scope: counts by top-level category × the base org's children ×
// month, the on-time rate, the median handling time, satisfaction and
// referral outcomes. Restricted cases are counted everywhere except in the
// satisfaction and referral figures, which could single one out.
//
// It reads along the cases_created index: a month of a city of 200,000
// cases is a few thousand rows, grouped in SQL. The deadline a closed case
// had when it was closed is the due_at of its last timeline event before
// the close (closing clears cases.due_at).
func (s *Store) CaseStats(ctx context.Context, a auth.Actor, f StatsFilter) (CaseStatistics, error) {
	if f.From.IsZero() || f.To.IsZero() {
		from, _ := ParseMonth(MonthOf(s.now()))
		f.From, f.To = from, addMonths(from, 1)
	}
	st := CaseStatistics{From: f.From, To: f.To}
	base, err := s.statsBase(ctx, a, f.OrgID)
	if err != nil {
		return st, err
	}
	st.Base = base

	// Columns: the base org's children, and the base org itself.
	col := map[int64]int{} // handling org → column
	var children []orgs.Org
	rows, err := s.rdb.QueryContext(ctx, `SELECT `+orgColumns+` FROM orgs o WHERE o.parent_id = $1 ORDER BY o.division_code, o.id`, base.ID)
	if err != nil {
		return st, normalize(err)
	}
	for rows.Next() {
		o, err := scanOrg(rows)
		if err != nil {
			rows.Close()
			return st, normalize(err)
		}
		children = append(children, o)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return st, normalize(err)
	}
	childIndex := map[int64]int{}
	for i, o := range children {
		childIndex[o.ID] = i
	}
	rows, err = s.rdb.QueryContext(ctx, `SELECT cl.descendant_id, cl.ancestor_id FROM org_closure cl JOIN orgs o ON o.id = cl.ancestor_id WHERE o.parent_id = $1`, base.ID)
	if err != nil {
		return st, normalize(err)
	}
	for rows.Next() {
		var d, anc int64
		if err := rows.Scan(&d, &anc); err != nil {
			rows.Close()
			return st, normalize(err)
		}
		col[d] = childIndex[anc]
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return st, normalize(err)
	}
	self := len(children) // the base org's own column

	// Categories → their top-level group, in dictionary order.
	d, err := s.Dictionary(ctx, dicts.CaseCategory)
	if err != nil {
		return st, err
	}
	groupOf := map[string]string{}
	groupIndex := map[string]int{}
	for _, it := range d.Items {
		if it.ParentCode == "" {
			groupIndex[it.Code] = len(st.Groups)
			st.Groups = append(st.Groups, StatsGroup{Code: it.Code, Name: it.Name, Counts: make([]int, len(children)+1)})
			groupOf[it.Code] = it.Code
		}
	}
	for _, it := range d.Items {
		if it.ParentCode != "" {
			groupOf[it.Code] = it.ParentCode
		}
	}
	st.ColumnTotals = make([]int, len(children)+1)

	// The months of the range, for the trend.
	monthIndex := map[string]int{}
	for m := f.From; m.Before(f.To) && len(st.Months) < 240; {
		key := MonthOf(m)
		monthIndex[key] = len(st.Months)
		st.Months = append(st.Months, StatsMonth{Month: key})
		start, _ := ParseMonth(key)
		m = addMonths(start, 1)
	}

	// where is the selection every query shares. The unary plus keeps
	// SQLite from walking cases_handling for every case the base org ever
	// had (300 ms for a city) instead of the range on cases_created.
	covered, err := s.scopeCovers(ctx, a.Scope, base.ID)
	if err != nil {
		return st, err
	}
	where := func(ar *args) string {
		w := ` WHERE c.created_at >= ` + ar.add(ms(f.From)) + ` AND c.created_at < ` + ar.add(ms(f.To)) +
			` AND ` + subtreeFilter(ar, base.ID, "+c.handling_org_id")
		if !covered {
			w += ` AND ` + caseScope(ar, a.Scope)
		}
		return w
	}
	const openStates = "('registered', 'accepted', 'assigned', 'in_progress')"

	// 1. Counts by handling org, category, month and satisfaction. A range
	// of one month (the default) needs no month per row.
	// A restricted case counts here but not in the satisfaction figures: a
	// range of one village and one month could single it out.
	var ar args
	month := s.monthExpr("c.created_at")
	const satisfaction = "CASE WHEN c.restricted THEN '' ELSE c.satisfaction END"
	groupBy := "c.handling_org_id, c.category, " + month + ", " + satisfaction
	if len(st.Months) == 1 {
		month, monthIndex[""] = "''", 0
		groupBy = "c.handling_org_id, c.category, " + satisfaction
	}
	rows, err = s.rdb.QueryContext(ctx, `SELECT c.handling_org_id, c.category, `+month+`, `+satisfaction+`,
		COUNT(*), SUM(CASE WHEN c.state IN `+openStates+` THEN 1 ELSE 0 END)
		FROM cases c`+where(&ar)+` GROUP BY `+groupBy, ar...)
	if err != nil {
		return st, normalize(err)
	}
	sat := map[string]int{}
	other := -1
	for rows.Next() {
		var org int64
		var category, m, satisfaction string
		var n, open int
		if err := rows.Scan(&org, &category, &m, &satisfaction, &n, &open); err != nil {
			rows.Close()
			return st, normalize(err)
		}
		c, ok := col[org]
		if !ok {
			c = self
		}
		g, ok := groupIndex[groupOf[category]]
		if !ok {
			// A category no longer in the dictionary.
			if other < 0 {
				other = len(st.Groups)
				st.Groups = append(st.Groups, StatsGroup{Code: "", Name: "未知类别", Counts: make([]int, len(children)+1)})
			}
			g = other
		}
		st.Groups[g].Counts[c] += n
		st.Groups[g].Total += n
		st.ColumnTotals[c] += n
		st.Total += n
		st.Open += open
		if i, ok := monthIndex[m]; ok {
			st.Months[i].Cases += n
		}
		if satisfaction != "" {
			sat[satisfaction] += n
		}
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return st, normalize(err)
	}
	for _, o := range children {
		st.Columns = append(st.Columns, StatsColumn{OrgID: o.ID, Name: o.Name})
	}
	st.Columns = append(st.Columns, StatsColumn{OrgID: base.ID, Name: base.Name + "（本级）", Self: true})
	st.dropEmptyClosedColumns(children)
	for _, v := range []cases.Satisfaction{cases.Satisfied, cases.BasicallySatisfied, cases.Dissatisfied} {
		st.Satisfaction = append(st.Satisfaction, LabelCount{Code: string(v), Label: v.Label(), Count: sat[string(v)]})
		st.SatisfactionTotal += sat[string(v)]
	}

	// 2. Closed cases: handling time and the deadline at closing. A case
	// closed with a result has one; a declined case has none.
	ar = nil
	rows, err = s.rdb.QueryContext(ctx, `SELECT c.created_at, c.closed_at,
		COALESCE((SELECT e.due_at FROM case_events e WHERE e.case_id = c.id AND e.due_at > 0 AND e.at <= c.closed_at ORDER BY e.id DESC LIMIT 1), 0)
		FROM cases c`+where(&ar)+` AND c.state IN ('closed', 'followed_up', 'archived') AND c.closed_at > 0 AND c.result <> ''`, ar...)
	if err != nil {
		return st, normalize(err)
	}
	var durations []int64
	for rows.Next() {
		var created, closed, due int64
		if err := rows.Scan(&created, &closed, &due); err != nil {
			rows.Close()
			return st, normalize(err)
		}
		st.Closed++
		durations = append(durations, closed-created)
		if due > 0 {
			st.WithDeadline++
			if closed <= due {
				st.OnTime++
			}
		}
		if i, ok := monthIndex[MonthOf(fromMS(created))]; ok {
			st.Months[i].Closed++
		}
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return st, normalize(err)
	}
	st.MedianDays = medianDays(durations)

	// 3. Referrals of the range's unrestricted cases by agency type and
	// status (a restricted case's referral could be singled out).
	ar = nil
	rows, err = s.rdb.QueryContext(ctx, `SELECT r.agency_type, r.status, COUNT(*) FROM referrals r JOIN cases c ON c.id = r.case_id`+where(&ar)+`
		AND c.restricted = `+ar.add(false)+` GROUP BY r.agency_type, r.status`, ar...)
	if err != nil {
		return st, normalize(err)
	}
	refs := map[[2]string]int{} // agency type, status → count
	var statuses []string
	for rows.Next() {
		var agency, status string
		var n int
		if err := rows.Scan(&agency, &status, &n); err != nil {
			rows.Close()
			return st, normalize(err)
		}
		refs[[2]string{agency, status}] += n
		if !slices.Contains(statuses, status) {
			statuses = append(statuses, status)
		}
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return st, normalize(err)
	}
	if len(refs) > 0 {
		if err := s.referralStats(ctx, &st, refs, statuses); err != nil {
			return st, err
		}
	}
	return st, nil
}

// referralStats lays out referral counts: agencies in dictionary order,
// statuses in workflow order then any others.
func (s *Store) referralStats(ctx context.Context, st *CaseStatistics, refs map[[2]string]int, statuses []string) error {
	order := slices.Clone(referralStatusOrder)
	for _, v := range statuses {
		if !slices.Contains(order, v) {
			order = append(order, v)
		}
	}
	for _, v := range order {
		l, ok := referralStatusLabels[v]
		if !ok {
			l = v
		}
		st.ReferralStatuses = append(st.ReferralStatuses, LabelCount{Code: v, Label: l})
	}
	d, err := s.Dictionary(ctx, dicts.ReferralAgency)
	if err != nil {
		return err
	}
	agencies := make([]LabelCount, 0, len(d.Items))
	for _, it := range d.Items {
		agencies = append(agencies, LabelCount{Code: it.Code, Label: it.Name})
	}
	for k := range refs {
		if !slices.ContainsFunc(agencies, func(l LabelCount) bool { return l.Code == k[0] }) {
			agencies = append(agencies, LabelCount{Code: k[0], Label: k[0]})
		}
	}
	for _, ag := range agencies {
		r := ReferralStats{AgencyType: ag.Code, Label: ag.Label, ByStatus: make([]int, len(order))}
		for i, v := range order {
			n := refs[[2]string{ag.Code, v}]
			r.ByStatus[i] = n
			r.Total += n
			st.ReferralStatuses[i].Count += n
		}
		if r.Total > 0 {
			st.Referrals = append(st.Referrals, r)
			st.ReferralTotal += r.Total
		}
	}
	return nil
}

// dropEmptyClosedColumns hides columns of closed child orgs with no cases.
func (st *CaseStatistics) dropEmptyClosedColumns(children []orgs.Org) {
	keep := make([]bool, len(st.Columns))
	for i := range st.Columns {
		keep[i] = i >= len(children) || children[i].Status == orgs.Active || st.ColumnTotals[i] > 0
	}
	if !slices.Contains(keep, false) {
		return
	}
	pick := func(v []int) []int {
		out := v[:0:0]
		for i, n := range v {
			if keep[i] {
				out = append(out, n)
			}
		}
		return out
	}
	var cols []StatsColumn
	for i, c := range st.Columns {
		if keep[i] {
			cols = append(cols, c)
		}
	}
	st.Columns = cols
	st.ColumnTotals = pick(st.ColumnTotals)
	for i := range st.Groups {
		st.Groups[i].Counts = pick(st.Groups[i].Counts)
	}
}

// medianDays is the median of millisecond durations, in days to one
// decimal.
func medianDays(d []int64) float64 {
	if len(d) == 0 {
		return 0
	}
	slices.Sort(d)
	var m float64
	if n := len(d); n%2 == 1 {
		m = float64(d[n/2])
	} else {
		m = (float64(d[n/2-1]) + float64(d[n/2])) / 2
	}
	return math.Round(m/float64(24*time.Hour/time.Millisecond)*10) / 10
}

// StatsMonthRange turns the months "YYYY-MM" from and to (inclusive) into
// [From, To) in China time.
func StatsMonthRange(from, to string) (time.Time, time.Time, bool) {
	f, ok1 := ParseMonth(from)
	t, ok2 := ParseMonth(to)
	if !ok1 || !ok2 || t.Before(f) {
		return time.Time{}, time.Time{}, false
	}
	return f, addMonths(t, 1), true
}

// addMonths moves a China-time month start by n months (in China time:
// the same instant in UTC is the evening before).
func addMonths(t time.Time, n int) time.Time {
	return t.In(localtime.Zone).AddDate(0, n, 0).UTC()
}
