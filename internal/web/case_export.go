package web

import (
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/xuri/excelize/v2"

	"jinguo/internal/apperr"
	"jinguo/internal/audit"
	"jinguo/internal/localtime"
	"jinguo/internal/store"
)

var caseExportHeader = []any{"案件编号", "登记时间", "来源渠道", "案件类别", "事由摘要", "状态", "紧急程度", "风险等级",
	"承办单位", "办理期限", "是否超期", "办结时间", "回访满意度"}

// caseRestrictedLabel stands in for the summary of a restricted case.
const caseRestrictedLabel = "受限案件"

// caseExportFilter reads the filters of the case list (state, category,
// org_id, channel, urgency, q) plus overdue and the registration dates
// from and to (YYYY-MM-DD, inclusive, China time).
func caseExportFilter(q url.Values) (store.CaseFilter, error) {
	f, err := casePageFilterFrom(q)
	bad := apperr.Fields{}
	if e := apperr.As(err); e != nil {
		if e.Kind != apperr.BadRequest {
			return f, err
		}
		for k, v := range e.Fields {
			bad.Add(k, v)
		}
	}
	switch strings.TrimSpace(q.Get("overdue")) {
	case "", "0", "false":
	case "1", "true", "on":
		f.Overdue = true
	default:
		bad.Add("overdue", "超期条件无效")
	}
	day := func(name string) time.Time {
		v := strings.TrimSpace(q.Get(name))
		if v == "" {
			return time.Time{}
		}
		t, err := time.ParseInLocation("2006-01-02", v, localtime.Zone)
		if err != nil {
			bad.Add(name, "日期应为2024-03-08的格式")
			return time.Time{}
		}
		return t.UTC()
	}
	f.From = day("from")
	if to := day("to"); !to.IsZero() {
		f.To = to.AddDate(0, 0, 1)
	}
	if !f.From.IsZero() && !f.To.IsZero() && !f.From.Before(f.To) {
		bad.Add("to", "截止日期不能早于起始日期")
	}
	if len(bad) > 0 {
		return f, &apperr.Error{Kind: apperr.BadRequest, Message: "筛选条件有误，请检查后重试", Fields: bad}
	}
	return f, nil
}

// caseExportXLSX sends the filtered case list within scope as an Excel
// workbook, masked: no descriptions, parties, phones or addresses, and no
// summary or risk level of a restricted case (an exported file leaves the
// platform's access control, so even a handler's own restricted cases go
// out as "受限案件" with the risk level empty). Up to maxExportRows rows;
// the export is audited.
func (s *Server) caseExportXLSX(w http.ResponseWriter, r *http.Request) {
	a := actorFrom(r)
	ctx := r.Context()
	f, err := caseExportFilter(r.URL.Query())
	if err != nil {
		s.fail(w, r, err)
		return
	}
	cats, err := s.caseCategories(ctx)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	fail := func(err error) { s.fail(w, r, fmt.Errorf("export cases: %w", err)) }

	book := excelize.NewFile()
	defer book.Close()
	const sheet = "维权案件"
	if err := book.SetSheetName("Sheet1", sheet); err != nil {
		fail(err)
		return
	}
	sw, err := book.NewStreamWriter(sheet)
	if err != nil {
		fail(err)
		return
	}
	bold, err := book.NewStyle(&excelize.Style{Font: &excelize.Font{Bold: true}})
	if err != nil {
		fail(err)
		return
	}
	for i, width := range []float64{18, 17, 12, 24, 36, 10, 8, 8, 24, 17, 8, 17, 10} {
		if err := sw.SetColWidth(i+1, i+1, width); err != nil {
			fail(err)
			return
		}
	}
	if err := sw.SetRow("A1", caseExportHeader, excelize.RowOpts{StyleID: bold}); err != nil {
		fail(err)
		return
	}
	now := s.now()
	rows := 0
	f.Limit, f.Cursor = 1000, 0
	for rows < maxExportRows {
		list, next, err := s.store.ListCases(ctx, a, f)
		if err != nil {
			s.fail(w, r, err)
			return
		}
		for _, c := range list {
			if rows >= maxExportRows {
				break
			}
			rows++
			cell, _ := excelize.CoordinatesToCellName(1, rows+1)
			if err := sw.SetRow(cell, caseExportRow(c, cats, now)); err != nil {
				fail(fmt.Errorf("row %d: %w", rows, err))
				return
			}
		}
		if next == 0 {
			break
		}
		f.Cursor = next
	}
	if err := sw.Flush(); err != nil {
		fail(err)
		return
	}

	// No file leaves without its audit entry.
	note := caseExportNote(r.URL.Query())
	note["rows"] = strconv.Itoa(rows)
	if rows >= maxExportRows {
		note["truncated"] = "true"
	}
	if err := s.store.Audit(ctx, a, audit.Export, "case", 0, audit.Note(note)); err != nil {
		s.fail(w, r, err)
		return
	}
	day := localtime.Today(now).Format("20060102")
	h := w.Header()
	h.Set("Content-Type", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
	h.Set("Content-Disposition", `attachment; filename="cases-`+day+`.xlsx"; filename*=UTF-8''`+rfc5987("维权案件-"+day+".xlsx"))
	h.Set("Cache-Control", "no-store")
	if err := book.Write(w); err != nil {
		s.log.Warn("export cases: write response", "err", err)
	}
}

func caseExportRow(c store.CaseRecord, cats caseCategories, now time.Time) []any {
	// A restricted case goes out with neither its summary nor its risk
	// level: the row says only "受限案件".
	summary, risk := c.Summary, c.RiskLevel.Label()
	if c.Restricted || c.Hidden {
		summary, risk = caseRestrictedLabel, ""
	}
	overdue := ""
	if c.Overdue(now) {
		overdue = "是"
	}
	return []any{
		c.Number, localtime.Format(c.CreatedAt), c.Channel.Label(), cats.Name(c.Category), summary,
		c.State.Label(), c.Urgency.Label(), risk, c.HandlingOrgName,
		localtime.Format(c.DueAt), overdue, localtime.Format(c.ClosedAt), c.Satisfaction.Label(),
	}
}

// caseExportNote records the filter of an export for the audit log. A
// free-text query is recorded by length only: it may hold a name.
func caseExportNote(q url.Values) map[string]string {
	n := map[string]string{}
	for _, k := range []string{"state", "category", "org_id", "channel", "urgency", "overdue", "from", "to"} {
		if v := strings.TrimSpace(q.Get(k)); v != "" {
			n[k] = v
		}
	}
	if v := strings.TrimSpace(q.Get("q")); v != "" {
		n["q"] = "(" + strconv.Itoa(len([]rune(v))) + "字)"
	}
	return n
}
