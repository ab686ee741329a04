package roster

import (
	"fmt"
	"io"
	"maps"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/xuri/excelize/v2"

	"jinguo/internal/apperr"
	"jinguo/internal/people"
)

// Limits on what excelize may unpack, so a small "zip bomb" upload cannot
// exhaust memory or disk.
const (
	unzipSizeLimit    = 512 << 20
	unzipXMLSizeLimit = 32 << 20
)

// headerSearchRows is how far down Parse looks for the header row: rosters
// often start with a title row such as "某某村妇女名册".
const headerSearchRows = 5

var errNotXLSX = apperr.New(apperr.Invalid, "文件不是有效的Excel（.xlsx）文件").WithCode("not_xlsx")

// Parse reads a roster. It returns the valid rows and, for every other
// row, the problems with it; nothing is written anywhere. err is an
// apperr.Invalid error when the file as a whole cannot be used: not an
// .xlsx, no data rows, or more than maxRows (DefaultMaxRows when ≤ 0).
// Missing required headers are one problem at line 1 and no rows. today
// (a date in China) bounds birth dates in ID numbers.
func Parse(r io.Reader, maxRows int, lk Lookups, today time.Time) (rows []Row, problems []Problem, err error) {
	if maxRows <= 0 {
		maxRows = DefaultMaxRows
	}
	f, err := excelize.OpenReader(r, excelize.Options{RawCellValue: true, UnzipSizeLimit: unzipSizeLimit, UnzipXMLSizeLimit: unzipXMLSizeLimit})
	if err != nil {
		return nil, nil, apperr.Wrap(errNotXLSX.Kind, errNotXLSX.Message, err).WithCode(errNotXLSX.Code)
	}
	defer f.Close()
	sheet := dataSheet(f)
	if sheet == "" {
		return nil, nil, errNotXLSX
	}
	iter, err := f.Rows(sheet)
	if err != nil {
		return nil, nil, apperr.Wrap(errNotXLSX.Kind, errNotXLSX.Message, err).WithCode(errNotXLSX.Code)
	}
	defer iter.Close()

	p := parser{lk: lk.withCodes(), today: today, seen: map[string]int{}, f: f, sheet: sheet}
	line, dataRows := 0, 0
	var cols, firstHeader map[int]*column
	for iter.Next() {
		line++
		cells, err := iter.Columns(excelize.Options{RawCellValue: true})
		if err != nil {
			return nil, nil, apperr.Wrap(apperr.Invalid, "文件内容无法读取，请用Excel打开后另存为.xlsx再试", err)
		}
		if cols == nil {
			h := headerColumns(cells)
			if h != nil && len(missingRequired(h)) == 0 {
				cols = h
				continue
			}
			if firstHeader == nil {
				firstHeader = h
			}
			if line >= headerSearchRows {
				return nil, []Problem{missingHeaders(firstHeader)}, nil
			}
			continue
		}
		if blank(cells) {
			continue
		}
		dataRows++
		if dataRows > maxRows {
			return nil, nil, apperr.New(apperr.Invalid, fmt.Sprintf("文件超过%d行数据，请分成几个文件分别导入", maxRows)).WithCode("too_many_rows")
		}
		row, probs := p.row(line, cells, cols)
		if len(probs) > 0 {
			problems = append(problems, probs...)
			continue
		}
		rows = append(rows, row)
	}
	if err := iter.Error(); err != nil {
		return nil, nil, apperr.Wrap(apperr.Invalid, "文件内容无法读取，请用Excel打开后另存为.xlsx再试", err)
	}
	if cols == nil {
		return nil, []Problem{missingHeaders(firstHeader)}, nil
	}
	if dataRows == 0 {
		return nil, nil, apperr.New(apperr.Invalid, "文件中没有数据行（第1行为列名，从第2行起每行一人）").WithCode("no_rows")
	}
	return rows, problems, nil
}

// dataSheet picks the sheet to read: the template's sheet when present,
// else the first one that is not the help sheet.
func dataSheet(f *excelize.File) string {
	list := f.GetSheetList()
	if slices.Contains(list, MainSheet) {
		return MainSheet
	}
	for _, s := range list {
		if s != HelpSheet {
			return s
		}
	}
	return ""
}

// headerColumns maps cell index → column for a header row, or nil when the
// row holds no known header.
func headerColumns(cells []string) map[int]*column {
	out := map[int]*column{}
	taken := map[string]bool{}
	for i, h := range cells {
		c := columnOf(h)
		if c == nil || taken[c.field] {
			continue // unknown columns (序号, 出生日期…) are ignored
		}
		taken[c.field] = true
		out[i] = c
	}
	if len(out) == 0 {
		return nil
	}
	return out
}

// missingHeaders is the problem of a file without the required headers,
// judged against the first row that looked like a header.
func missingHeaders(found map[int]*column) Problem {
	return Problem{Line: 1, Column: colHeader,
		Reason: "缺少必填列：" + strings.Join(missingRequired(found), "、") + "。请使用导入模板，第1行为列名"}
}

func missingRequired(cols map[int]*column) []string {
	var missing []string
	for _, c := range columns {
		if !c.required {
			continue
		}
		found := false
		for _, have := range cols {
			found = found || have.field == c.field
		}
		if !found {
			missing = append(missing, c.header)
		}
	}
	return missing
}

func blank(cells []string) bool {
	for _, c := range cells {
		if strings.TrimSpace(foldWidth(c)) != "" {
			return false
		}
	}
	return true
}

// codeSet accepts a dictionary's names and its codes.
type codeSet struct {
	byName map[string]string
	codes  map[string]bool
}

func newCodeSet(byName map[string]string) codeSet {
	cs := codeSet{byName: byName, codes: map[string]bool{}}
	for _, code := range byName {
		cs.codes[code] = true
	}
	return cs
}

// code returns the code for a name or code, or "" when unknown.
func (cs codeSet) code(v string) string {
	if c, ok := cs.byName[v]; ok {
		return c
	}
	if cs.codes[v] {
		return v
	}
	return ""
}

type lookups struct {
	Lookups
	ethnicity, education, employment, tags codeSet
}

func (l Lookups) withCodes() lookups {
	return lookups{Lookups: l, ethnicity: newCodeSet(l.Ethnicity), education: newCodeSet(l.Education),
		employment: newCodeSet(l.Employment), tags: newCodeSet(l.Tags)}
}

type parser struct {
	lk    lookups
	today time.Time
	seen  map[string]int // ID number → first line holding it
	f     *excelize.File
	sheet string
}

// row turns one data row into an Input, or explains what is wrong with it.
func (p *parser) row(line int, cells []string, cols map[int]*column) (Row, []Problem) {
	val := map[string]string{}
	cellIndex := map[string]int{}
	for i, c := range cols {
		cellIndex[c.field] = i
		if i < len(cells) {
			val[c.field] = strings.TrimSpace(foldWidth(cells[i]))
		}
	}
	var probs []Problem
	bad := map[string]bool{}
	add := func(field, reason string) {
		if bad[field] {
			return
		}
		bad[field] = true
		probs = append(probs, Problem{Line: line, Column: columnName(field), Reason: reason})
	}

	in := people.Input{
		Name:          cleanName(val["name"]),
		Phone:         numberText(val["phone"]),
		Sex:           val["sex"],
		AddressDetail: val["address_detail"],
		Note:          val["note"],
	}

	id := strings.TrimLeft(val["id_number"], "'‘’")
	if id != "" && p.storedAsNumber(line, cellIndex["id_number"], id) {
		add("id_number", "身份证号码被Excel存成了数字，请把该列设为文本后重新填写")
	} else {
		in.IDNumber = id
		if parsed, err := people.ParseIDNumber(id, p.today); err == nil {
			switch first, dup := p.seen[parsed.Value]; {
			case parsed.Value == ExampleIDNumber():
				add("id_number", "这是模板中的示例行，请删除后再导入")
			case dup:
				add("id_number", fmt.Sprintf("与第%d行的身份证号码重复", first))
			default:
				p.seen[parsed.Value] = line
			}
		}
	}

	for _, d := range []struct {
		field string
		set   codeSet
		dest  *string
		label string
	}{
		{"ethnicity", p.lk.ethnicity, &in.Ethnicity, colEthnicity},
		{"education", p.lk.education, &in.Education, colEducation},
		{"employment", p.lk.employment, &in.Employment, colEmployment},
	} {
		v := val[d.field]
		if v == "" {
			continue
		}
		code := d.set.code(v)
		if code == "" && d.field == "ethnicity" && !strings.HasSuffix(v, "族") {
			code = d.set.code(v + "族") // "汉" for "汉族"
		}
		if code == "" {
			add(d.field, "“"+truncate(v, 20)+"”不是可选的"+d.label+"，请按填写说明填写名称或代码")
			continue
		}
		*d.dest = code
	}

	if tags := splitTags(val["tags"]); len(tags) > 0 {
		var unknown []string
		for _, t := range tags {
			if code := p.lk.tags.code(t); code != "" {
				in.Tags = append(in.Tags, code)
			} else {
				unknown = append(unknown, truncate(t, 20))
			}
		}
		if len(unknown) > 0 {
			add("tags", "“"+strings.Join(unknown, "、")+"”不是可选的标签")
		}
	}

	switch org := numberText(val["org_id"]); {
	case org == "":
		in.OrgID = p.lk.DefaultOrgID
	default:
		id, ok := p.lk.OrgsByDivision[org]
		if !ok {
			id, ok = p.lk.OrgsByName[org]
		}
		switch {
		case !ok:
			add("org_id", "组织“"+truncate(org, 40)+"”不存在、已撤销或不在您的管理范围内")
		case id == 0:
			add("org_id", "有多个组织叫“"+truncate(org, 40)+"”，请改填12位行政区划代码")
		default:
			in.OrgID = id
		}
	}

	if _, err := in.Validate(p.today); err != nil {
		e := apperr.As(err)
		if e == nil || len(e.Fields) == 0 {
			add("name", "无法识别这一行")
		} else {
			// Report in column order, so the report reads left to right.
			fields := slices.Sorted(maps.Keys(e.Fields))
			slices.SortStableFunc(fields, func(a, b string) int { return columnOrder(a) - columnOrder(b) })
			for _, field := range fields {
				add(field, e.Fields[field])
			}
		}
	}
	if len(probs) > 0 {
		slices.SortStableFunc(probs, func(a, b Problem) int { return headerOrder(a.Column) - headerOrder(b.Column) })
		return Row{}, probs
	}
	return Row{Line: line, Input: in}, nil
}

// cleanName drops the spaces people put between the characters of a
// Chinese name ("张 秀 英") and collapses the rest.
func cleanName(v string) string {
	sep := " "
	if strings.ContainsFunc(v, func(r rune) bool { return r >= 0x2E80 }) {
		sep = ""
	}
	return strings.Join(strings.Fields(v), sep)
}

// storedAsNumber reports whether the ID cell holds a number rather than
// text. Excel keeps 15 significant digits, so an 18-digit number has lost
// its last digits and cannot be repaired: the user must retype it as text.
func (p *parser) storedAsNumber(line, col int, v string) bool {
	if strings.ContainsAny(v, "Ee") && !strings.ContainsAny(v, "Xx") {
		if _, err := strconv.ParseFloat(v, 64); err == nil {
			return true
		}
	}
	if !looksNumeric(v) {
		return false
	}
	cell, err := excelize.CoordinatesToCellName(col+1, line)
	if err != nil {
		return false
	}
	t, err := p.f.GetCellType(p.sheet, cell)
	return err == nil && (t == excelize.CellTypeNumber || t == excelize.CellTypeUnset)
}

func looksNumeric(v string) bool {
	for _, r := range v {
		if (r < '0' || r > '9') && r != '.' {
			return false
		}
	}
	return v != ""
}

// numberText turns a number Excel wrote in scientific notation (a phone
// number or division code typed into a General cell) back into digits.
func numberText(v string) string {
	if !strings.ContainsAny(v, "Ee") || strings.ContainsFunc(v, func(r rune) bool { return r > 0x7F }) {
		return v
	}
	f, err := strconv.ParseFloat(v, 64)
	if err != nil || f < 0 || f >= 1e15 || f != float64(int64(f)) {
		return v
	}
	return strconv.FormatInt(int64(f), 10)
}

// splitTags splits on the separators people use: 、,，;；and spaces.
func splitTags(v string) []string {
	return strings.FieldsFunc(v, func(r rune) bool {
		switch r {
		case '、', ',', '，', ';', '；', ' ', '\t', '\n', '/', '|':
			return true
		}
		return false
	})
}

func columnOrder(field string) int {
	for i, c := range columns {
		if c.field == field {
			return i
		}
	}
	return len(columns)
}

func headerOrder(header string) int {
	for i, c := range columns {
		if c.header == header {
			return i
		}
	}
	return len(columns)
}

func truncate(s string, n int) string {
	r := []rune(s)
	if len(r) <= n {
		return s
	}
	return string(r[:n]) + "…"
}

// ExampleIDNumber is the synthetic ID number of the template's example
// row; Parse refuses it, so a forgotten example is never imported.
func ExampleIDNumber() string {
	const first17 = "33010219850308002" // born 1985-03-08, female
	return first17 + string(people.CheckDigit(first17))
}
