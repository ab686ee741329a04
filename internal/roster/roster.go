// Package roster reads and writes the people roster spreadsheet that
// village and community federations already keep: one woman a row, Chinese
// column headers. It turns rows into people.Input values and explains, row
// by row and in Chinese, what is wrong with the rest. It is pure: no SQL,
// no HTTP; names are mapped to codes and ids through Lookups passed in.
package roster

import (
	"strings"

	"jinguo/internal/people"
)

// DefaultMaxRows is how many data rows one file may hold.
const DefaultMaxRows = 20000

// MainSheet is the name of the data sheet in the template.
const MainSheet = "人员名单"

// HelpSheet is the name of the sheet explaining each column.
const HelpSheet = "填写说明"

// Row is a valid data row: its line in the spreadsheet (the header is line
// 1) and what it says.
type Row struct {
	Line  int          `json:"line"`
	Input people.Input `json:"input"`
}

// Problem is why one cell (or the whole file, Line 1) cannot be imported.
type Problem struct {
	Line   int    `json:"line"`
	Column string `json:"column"` // the Chinese header, or "表头"
	Reason string `json:"reason"` // in Chinese, without sensitive values
}

// Lookups maps what people type into what the registry stores.
type Lookups struct {
	// Dictionary item name → code, e.g. "汉族" → "01". Codes themselves
	// are accepted too.
	Ethnicity, Education, Employment, Tags map[string]string
	// Orgs the importing user may register people at (active, in scope),
	// by name and by 12-digit division code. An id of 0 marks a name (or
	// code) shared by several orgs, which the row must then disambiguate.
	OrgsByName, OrgsByDivision map[string]int64
	// DefaultOrgID is used when a row leaves 所属组织 empty.
	DefaultOrgID int64
}

// AddOrg adds an org to the lookups, marking names (and division codes)
// that several orgs share as ambiguous.
func (l *Lookups) AddOrg(id int64, name, division string) {
	if l.OrgsByName == nil {
		l.OrgsByName = map[string]int64{}
	}
	if l.OrgsByDivision == nil {
		l.OrgsByDivision = map[string]int64{}
	}
	add := func(m map[string]int64, k string) {
		if k == "" {
			return
		}
		if old, ok := m[k]; ok && old != id {
			m[k] = 0
			return
		}
		m[k] = id
	}
	add(l.OrgsByName, strings.TrimSpace(name))
	add(l.OrgsByDivision, strings.TrimSpace(division))
}

// Invert turns a dictionary's code → name map (as the store hands it out)
// into the name → code map Lookups wants.
func Invert(codeToName map[string]string) map[string]string {
	out := make(map[string]string, len(codeToName))
	for code, name := range codeToName {
		out[name] = code
	}
	return out
}

// column is one column of the roster.
type column struct {
	field    string   // people.Input field, as named in validation errors
	header   string   // the header in the template
	aliases  []string // other headers meaning the same
	required bool
	inTmpl   bool    // written into the template
	width    float64 // template column width
	help     string  // shown on the help sheet
	example  string  // the template's example row
}

// The header names, used in problems.
const (
	colName       = "姓名"
	colIDNumber   = "身份证号码"
	colPhone      = "手机号码"
	colSex        = "性别"
	colEthnicity  = "民族"
	colEducation  = "文化程度"
	colEmployment = "就业状况"
	colOrg        = "所属组织"
	colAddress    = "详细地址"
	colTags       = "标签"
	colNote       = "备注"
	colHeader     = "表头"
)

// columns lists the roster's columns in template order. It is fixed
// configuration, never modified.
var columns = []column{
	{field: "name", header: colName, required: true, inTmpl: true, width: 12,
		help: "必填。与身份证一致，最多30个字。", example: "张秀英"},
	{field: "id_number", header: colIDNumber, aliases: []string{"身份证号", "身份证", "公民身份号码", "身份证件号码"}, required: true, inTmpl: true, width: 22,
		help: "必填。18位居民身份证号码，最后一位可以是X。请把本列设为“文本”格式，否则Excel会把号码变成1.1E+17之类的数字、末几位丢失。性别和出生日期从号码中读取，不必另填。同一文件中不能重复。"},
	{field: "phone", header: colPhone, aliases: []string{"手机", "手机号", "联系电话", "电话", "联系方式"}, inTmpl: true, width: 15,
		help: "选填。11位手机号码，可带+86。", example: "13800138000"},
	{field: "ethnicity", header: colEthnicity, inTmpl: true, width: 10,
		help: "选填。填写民族名称（如“汉族”“回族”）或代码（如“01”）。", example: "汉族"},
	{field: "education", header: colEducation, aliases: []string{"学历"}, inTmpl: true, width: 12,
		help: "选填。填写名称（如“大学本科”“初中”）或代码。", example: "初中"},
	{field: "employment", header: colEmployment, aliases: []string{"就业情况", "就业状态"}, inTmpl: true, width: 12,
		help: "选填。填写名称（如“务农”“灵活就业”“退休”）或代码。", example: "务农"},
	{field: "org_id", header: colOrg, aliases: []string{"所属妇联", "所属单位", "组织"}, inTmpl: true, width: 22,
		help: "选填。填写您管理范围内的组织全称（如“清波门社区妇联”）或其12位行政区划代码；不填则登记到导入页面所选的“默认所属组织”。"},
	{field: "address_detail", header: colAddress, aliases: []string{"地址", "家庭住址", "住址", "现住址"}, inTmpl: true, width: 30,
		help: "选填。最多200个字，加密保存。", example: "清波街道某某路12号3单元"},
	{field: "tags", header: colTags, aliases: []string{"人员标签", "人员类别"}, inTmpl: true, width: 18,
		help: "选填。可填多个，用顿号、逗号、分号或空格分开，如“低保、单亲”。填写名称或代码。", example: "低保、单亲"},
	{field: "note", header: colNote, aliases: []string{"说明"}, inTmpl: true, width: 20,
		help: "选填。最多500个字。"},
	// Not in the template, but rosters often have it: when present it must
	// agree with the ID number.
	{field: "sex", header: colSex, help: "选填。与身份证号码不符时报错。"},
}

// columnOf returns the column a header names, or nil. Headers are matched
// after trimming, removing the required mark and a "（必填）" note.
func columnOf(header string) *column {
	h := normalizeHeader(header)
	if h == "" {
		return nil
	}
	for i := range columns {
		c := &columns[i]
		if h == c.header {
			return c
		}
		for _, a := range c.aliases {
			if h == a {
				return c
			}
		}
	}
	return nil
}

func normalizeHeader(h string) string {
	h = foldWidth(h)
	for _, cut := range []string{"(必填)", "(选填)", "*"} {
		h = strings.ReplaceAll(h, cut, "")
	}
	return strings.Join(strings.Fields(h), "")
}

// columnName returns the Chinese header of a people.Input field.
func columnName(field string) string {
	for _, c := range columns {
		if c.field == field {
			return c.header
		}
	}
	return field
}

// foldWidth turns full-width ASCII (typed with a Chinese IME) into ASCII
// and the ideographic space into a space.
func foldWidth(s string) string {
	if !strings.ContainsFunc(s, func(r rune) bool { return r == '\u3000' || r >= 0xFF01 && r <= 0xFF5E }) {
		return s
	}
	return strings.Map(func(r rune) rune {
		switch {
		case r == '\u3000':
			return ' '
		case r >= 0xFF01 && r <= 0xFF5E:
			return r - 0xFEE0
		}
		return r
	}, s)
}
