package web

import (
	"encoding/json"
	"fmt"
	"maps"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/xuri/excelize/v2"

	"jinguo/internal/apperr"
	"jinguo/internal/audit"
	"jinguo/internal/localtime"
)

// auditExportMax caps an export: beyond it, narrow the filter.
const auditExportMax = 100000

// auditFilterFrom reads the audit filters of a page, an export or the API.
// Dates are YYYY-MM-DD in China time, "to" including that whole day; the
// API also takes RFC 3339 instants ("to" then excluded). Bad values come
// back as field messages.
func auditFilterFrom(q url.Values) (audit.Filter, apperr.Fields) {
	bad := apperr.Fields{}
	f := audit.Filter{Username: strings.TrimSpace(q.Get("username")), Entity: strings.TrimSpace(q.Get("entity"))}
	id := func(name string) int64 {
		v := strings.TrimSpace(q.Get(name))
		if v == "" {
			return 0
		}
		n, err := strconv.ParseInt(v, 10, 64)
		if err != nil || n <= 0 {
			bad.Add(name, "应为正整数")
		}
		return n
	}
	f.OrgID, f.EntityID = id("org_id"), id("entity_id")
	if a := audit.Action(strings.TrimSpace(q.Get("action"))); a != "" {
		if !slices.Contains(audit.Actions(), a) {
			bad.Add("action", "没有这种操作")
		}
		f.Action = a
	}
	var ok bool
	if v := strings.TrimSpace(q.Get("from")); v != "" {
		if f.From, ok = auditTime(v, false); !ok {
			bad.Add("from", "日期格式应为 2024-03-08")
		}
	}
	if v := strings.TrimSpace(q.Get("to")); v != "" {
		if f.To, ok = auditTime(v, true); !ok {
			bad.Add("to", "日期格式应为 2024-03-08")
		}
	}
	if !f.From.IsZero() && !f.To.IsZero() && !f.To.After(f.From) {
		bad.Add("to", "结束日期不能早于开始日期")
	}
	return f, bad
}

// auditTime parses a date in China time, or an RFC 3339 instant. A date
// that ends a range means the start of the next day.
func auditTime(v string, end bool) (time.Time, bool) {
	if d, err := time.ParseInLocation("2006-01-02", v, localtime.Zone); err == nil {
		if end {
			d = d.AddDate(0, 0, 1)
		}
		return d, true
	}
	t, err := time.Parse(time.RFC3339, v)
	return t, err == nil
}

// auditRow is an entry as the page shows it.
type auditRow struct {
	audit.Entry
	EntityName string
	Href       string
	Details    []string
}

func toAuditRow(e audit.Entry) auditRow {
	row := auditRow{Entry: e, EntityName: auditEntityLabel(e.Entity), Details: auditDetailLines(e.Detail)}
	if e.EntityID != 0 {
		switch e.Entity {
		case "person":
			row.Href = "/people/" + strconv.FormatInt(e.EntityID, 10)
		case "org":
			row.Href = "/orgs/" + strconv.FormatInt(e.EntityID, 10)
		case "user":
			row.Href = "/users/" + strconv.FormatInt(e.EntityID, 10)
		}
	}
	return row
}

func auditEntityLabel(e string) string {
	if e == "audit" {
		return "审计日志"
	}
	return audit.EntityLabel(e)
}

// auditFieldLabels names the fields that audit details mention.
var auditFieldLabels = map[string]string{
	"username": "用户名", "display_name": "姓名", "org_id": "所属单位", "role": "角色", "scope_orgs": "可查看的组织",
	"disabled": "停用", "failed_logins": "连续登录失败次数", "name": "名称", "code": "代码", "dict": "字典",
	"parent_code": "上级代码", "sort": "排序号", "enabled": "状态", "scope": "数据范围", "permissions": "权限",
	"reason": "原因", "rows": "行数", "kind": "类型", "parent_id": "上级组织", "division_code": "行政区划代码",
	"contact": "联系人", "phone": "联系电话", "address": "地址", "status": "状态", "from": "开始日期", "to": "结束日期",
	"action": "操作", "entity": "对象", "entity_id": "对象编号", "field": "字段", "id_number": "身份证号码",
}

func auditFieldLabel(k string) string {
	if l, ok := auditFieldLabels[k]; ok {
		return l
	}
	return k
}

// auditDetailLines renders an entry's JSON detail for people: one line per
// field, "字段：旧值 → 新值" for changes and "字段：值" for notes. A detail
// that is not a JSON object is shown as it is.
func auditDetailLines(detail string) []string {
	if strings.TrimSpace(detail) == "" {
		return nil
	}
	var obj map[string]json.RawMessage
	if err := json.Unmarshal([]byte(detail), &obj); err != nil {
		return []string{detail}
	}
	blank := func(s string) string {
		if s == "" {
			return "（空）"
		}
		return s
	}
	var out []string
	for _, k := range slices.Sorted(maps.Keys(obj)) {
		raw := obj[k]
		var ch map[string]json.RawMessage
		if json.Unmarshal(raw, &ch) == nil && len(ch) == 2 && ch["from"] != nil && ch["to"] != nil {
			var c audit.Change
			if json.Unmarshal(raw, &c) == nil {
				if c.From == "" {
					// A new value: nothing to compare it with.
					out = append(out, auditFieldLabel(k)+"："+c.To)
				} else {
					out = append(out, auditFieldLabel(k)+"："+c.From+" → "+blank(c.To))
				}
				continue
			}
		}
		var s string
		if json.Unmarshal(raw, &s) != nil {
			s = string(raw)
		}
		out = append(out, auditFieldLabel(k)+"："+s)
	}
	return out
}

type auditPageData struct {
	Rows       []auditRow
	Orgs       []option
	Actions    []audit.Action
	Entities   []string
	Pager      pager
	ExportHref string
}

func (s *Server) auditPage(w http.ResponseWriter, r *http.Request) {
	a := actorFrom(r)
	ctx := r.Context()
	q := r.URL.Query()
	f, bad := auditFilterFrom(q)
	if len(bad) > 0 {
		s.auditPageInvalid(w, r, bad)
		return
	}
	f.Cursor, f.Limit = queryID(r, "cursor"), 50
	list, next, err := s.store.ListAudit(ctx, a, f)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	v, d, err := s.auditView(r)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	for _, e := range list {
		d.Rows = append(d.Rows, toAuditRow(e))
	}
	d.Pager = pagerFor("/audit", q, f.Cursor, next)
	v.Data = d
	s.render(w, r, "audit_list", v)
}

// auditPageInvalid shows the audit page with messages beside the bad
// filters and no entries.
func (s *Server) auditPageInvalid(w http.ResponseWriter, r *http.Request, bad apperr.Fields) {
	v, d, err := s.auditView(r)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	v.Form.fail(bad.Err())
	v.Form.Error = "筛选条件有误，请按提示修改"
	v.Data = d
	s.renderStatus(w, r, http.StatusUnprocessableEntity, "audit_list", v)
}

func (s *Server) auditView(r *http.Request) (*view, auditPageData, error) {
	q := r.URL.Query()
	v := s.newView(r, "审计日志", crumb{Label: "系统管理"}, crumb{Label: "审计日志"})
	v.Form = newForm(q)
	d := auditPageData{Actions: audit.Actions(), Entities: append(audit.Entities(), "audit")}
	var err error
	if d.Orgs, err = s.filterOrgs(r); err != nil {
		return v, d, err
	}
	e := url.Values{}
	for k, vs := range q {
		if k != "cursor" {
			e[k] = vs
		}
	}
	d.ExportHref = "/audit/export.xlsx"
	if enc := e.Encode(); enc != "" {
		d.ExportHref += "?" + enc
	}
	return v, d, nil
}

// auditExport sends the filtered entries as a spreadsheet, at most
// auditExportMax of them, and records the export in the log itself.
func (s *Server) auditExport(w http.ResponseWriter, r *http.Request) {
	a := actorFrom(r)
	ctx := r.Context()
	f, bad := auditFilterFrom(r.URL.Query())
	if len(bad) > 0 {
		s.auditPageInvalid(w, r, bad)
		return
	}
	x := excelize.NewFile()
	defer x.Close()
	const sheet = "审计日志"
	if err := x.SetSheetName("Sheet1", sheet); err != nil {
		s.fail(w, r, err)
		return
	}
	sw, err := x.NewStreamWriter(sheet)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	for i, width := range []float64{18, 14, 22, 12, 10, 10, 60, 16, 30} {
		if err := sw.SetColWidth(i+1, i+1, width); err != nil {
			s.fail(w, r, err)
			return
		}
	}
	header := []any{"时间", "用户", "单位", "操作", "对象", "对象编号", "详情", "IP", "终端"}
	if err := sw.SetRow("A1", header, excelize.RowOpts{}); err != nil {
		s.fail(w, r, err)
		return
	}
	rows := 0
	f.Limit = 10000
	for rows < auditExportMax {
		f.Limit = min(f.Limit, auditExportMax-rows)
		list, next, err := s.store.ListAudit(ctx, a, f)
		if err != nil {
			s.fail(w, r, err)
			return
		}
		for _, e := range list {
			rows++
			var id any = ""
			if e.EntityID != 0 {
				id = e.EntityID
			}
			cell, _ := excelize.CoordinatesToCellName(1, rows+1)
			// Plain string cells: nothing a user typed becomes a formula.
			row := []any{localtime.Format(e.At), e.Username, e.OrgName, e.Action.Label(), auditEntityLabel(e.Entity), id,
				strings.Join(auditDetailLines(e.Detail), "；"), e.IP, e.UserAgent}
			if err := sw.SetRow(cell, row); err != nil {
				s.fail(w, r, err)
				return
			}
		}
		if next == 0 {
			break
		}
		f.Cursor = next
	}
	if err := sw.Flush(); err != nil {
		s.fail(w, r, err)
		return
	}
	note := map[string]string{"rows": strconv.Itoa(rows)}
	for _, k := range []string{"username", "org_id", "action", "entity", "entity_id", "from", "to"} {
		if v := strings.TrimSpace(r.URL.Query().Get(k)); v != "" {
			note[k] = v
		}
	}
	if err := s.store.Audit(ctx, a, audit.Export, "audit", 0, audit.Note(note)); err != nil {
		s.fail(w, r, err)
		return
	}
	day := s.now().In(localtime.Zone).Format("20060102")
	w.Header().Set("Content-Type", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
	w.Header().Set("Content-Disposition", fmt.Sprintf(`attachment; filename="audit-%s.xlsx"; filename*=UTF-8''%s`, day, url.PathEscape("审计日志-"+day+".xlsx")))
	w.Header().Set("Cache-Control", "no-store")
	if err := x.Write(w); err != nil {
		s.log.Warn("audit export write", "err", err)
	}
}
