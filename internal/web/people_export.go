package web

import (
	"fmt"
	"net/http"
	"strconv"
	"strings"

	"github.com/xuri/excelize/v2"

	"jinguo/internal/audit"
	"jinguo/internal/localtime"
	"jinguo/internal/people"
	"jinguo/internal/store"
)

// maxExportRows caps one export; larger sets should be narrowed by filters.
const maxExportRows = 100_000

var peopleExportHeader = []any{"姓名", "性别", "出生日期", "身份证号码", "手机号码", "民族", "文化程度", "就业状况", "所属组织", "标签", "备注"}

// peopleExport sends the filtered list within scope as an Excel workbook.
// Sensitive values are masked: plaintext leaves only through audited
// reveals. The export itself is audited with its filter and row count.
func (s *Server) peopleExport(w http.ResponseWriter, r *http.Request) {
	a := actorFrom(r)
	ctx := r.Context()
	f, err := peopleFilterFrom(r.URL.Query())
	if err != nil {
		s.fail(w, r, err)
		return
	}
	d, err := s.personDicts(ctx)
	if err != nil {
		s.fail(w, r, err)
		return
	}

	book := excelize.NewFile()
	defer book.Close()
	const sheet = "人员档案"
	if err := book.SetSheetName("Sheet1", sheet); err != nil {
		s.fail(w, r, fmt.Errorf("export people: %w", err))
		return
	}
	sw, err := book.NewStreamWriter(sheet)
	if err != nil {
		s.fail(w, r, fmt.Errorf("export people: %w", err))
		return
	}
	bold, err := book.NewStyle(&excelize.Style{Font: &excelize.Font{Bold: true}})
	if err != nil {
		s.fail(w, r, fmt.Errorf("export people: %w", err))
		return
	}
	for i, width := range []float64{12, 6, 12, 22, 15, 10, 12, 10, 24, 24, 30} {
		if err := sw.SetColWidth(i+1, i+1, width); err != nil {
			s.fail(w, r, fmt.Errorf("export people: %w", err))
			return
		}
	}
	if err := sw.SetRow("A1", peopleExportHeader, excelize.RowOpts{StyleID: bold}); err != nil {
		s.fail(w, r, fmt.Errorf("export people: %w", err))
		return
	}

	rows := 0
	f.Limit = 1000
	f.Cursor = 0
	for rows < maxExportRows {
		list, next, err := s.store.ListPeople(ctx, a, f)
		if err != nil {
			s.fail(w, r, err)
			return
		}
		for _, p := range list {
			if rows >= maxExportRows {
				break
			}
			rows++
			cell, _ := excelize.CoordinatesToCellName(1, rows+1)
			if err := sw.SetRow(cell, exportRow(p, d)); err != nil {
				s.fail(w, r, fmt.Errorf("export people row %d: %w", rows, err))
				return
			}
		}
		if next == 0 {
			break
		}
		f.Cursor = next
	}
	if err := sw.Flush(); err != nil {
		s.fail(w, r, fmt.Errorf("export people: %w", err))
		return
	}

	// No file leaves without its audit entry.
	f.Cursor, f.Limit = 0, 0
	note := exportNote(f)
	note["rows"] = strconv.Itoa(rows)
	if rows >= maxExportRows {
		note["truncated"] = "true"
	}
	if err := s.store.Audit(ctx, a, audit.Export, "person", 0, audit.Note(note)); err != nil {
		s.fail(w, r, err)
		return
	}

	name := "人员档案-" + localtime.Today(s.now()).Format("20060102") + ".xlsx"
	h := w.Header()
	h.Set("Content-Type", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
	h.Set("Content-Disposition", `attachment; filename="people-`+localtime.Today(s.now()).Format("20060102")+`.xlsx"; filename*=UTF-8''`+rfc5987(name))
	h.Set("Cache-Control", "no-store")
	if err := book.Write(w); err != nil {
		s.log.Warn("export people: write response", "err", err)
	}
}

func exportRow(p store.PersonRecord, d personDicts) []any {
	label := func(c peopleDict, code string) string {
		if code == "" {
			return ""
		}
		if l, ok := c.Labels[code]; ok {
			return l
		}
		return code
	}
	return []any{
		p.Name, p.Sex.Label(), localtime.Date(p.BirthDate), p.IDMasked, p.PhoneMasked,
		label(d.Ethnicity, p.Ethnicity), label(d.Education, p.Education), label(d.Employment, p.Employment),
		p.OrgName, strings.Join(d.Tags.names(p.Tags), "、"), p.Note,
	}
}

// exportNote describes the filter of an export for the audit log. A query
// that is an ID or phone number is recorded masked.
func exportNote(f store.PeopleFilter) map[string]string {
	n := map[string]string{}
	if q := f.Q; q != "" {
		if strings.ContainsAny(q, "0123456789") {
			if len(q) >= 15 {
				q = people.MaskIDNumber(q)
			} else {
				q = people.MaskPhone(q)
			}
		}
		n["q"] = q
	}
	if f.OrgID != 0 {
		n["org_id"] = strconv.FormatInt(f.OrgID, 10)
	}
	if f.Tag != "" {
		n["tag"] = f.Tag
	}
	if f.Sex != "" {
		n["sex"] = string(f.Sex)
	}
	if f.AgeMin != 0 {
		n["age_min"] = strconv.Itoa(f.AgeMin)
	}
	if f.AgeMax != 0 {
		n["age_max"] = strconv.Itoa(f.AgeMax)
	}
	return n
}

// rfc5987 percent-encodes s for a filename* parameter (RFC 5987 attr-char).
func rfc5987(s string) string {
	const hex = "0123456789ABCDEF"
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case 'a' <= c && c <= 'z', 'A' <= c && c <= 'Z', '0' <= c && c <= '9', strings.IndexByte("!#$&+-.^_`|~", c) >= 0:
			b.WriteByte(c)
		default:
			b.WriteByte('%')
			b.WriteByte(hex[c>>4])
			b.WriteByte(hex[c&15])
		}
	}
	return b.String()
}
