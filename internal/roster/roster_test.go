package roster_test

import (
	"bytes"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"

	"jinguo/internal/apperr"
	"jinguo/internal/people"
	"jinguo/internal/roster"
)

var today = time.Date(2024, 3, 8, 0, 0, 0, 0, time.UTC)

// id completes a 17-digit prefix with its check digit.
func id(first17 string) string { return first17 + string(people.CheckDigit(first17)) }

// idX returns a valid ID number starting with first15 whose check
// character is X.
func idX(first15 string) string {
	for seq := 0; seq < 100; seq += 2 {
		if v := id(fmt.Sprintf("%s%02d", first15, seq)); v[17] == 'X' {
			return v
		}
	}
	panic("no X check digit")
}

// book writes rows (the first is the header) into a one-sheet .xlsx.
// Values are written as they are typed: strings as text, numbers as numbers.
func book(t *testing.T, rows ...[]any) []byte {
	t.Helper()
	f := excelize.NewFile()
	defer f.Close()
	for i, r := range rows {
		cell, _ := excelize.CoordinatesToCellName(1, i+1)
		if err := f.SetSheetRow("Sheet1", cell, &r); err != nil {
			t.Fatal(err)
		}
	}
	buf, err := f.WriteToBuffer()
	if err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func lookups() roster.Lookups {
	lk := roster.Lookups{
		Ethnicity:    roster.Invert(map[string]string{"01": "汉族", "03": "回族"}),
		Education:    roster.Invert(map[string]string{"20": "大学本科", "70": "初中"}),
		Employment:   roster.Invert(map[string]string{"farmer": "务农", "retired": "退休"}),
		Tags:         roster.Invert(map[string]string{"dibao": "低保", "single_parent": "单亲"}),
		DefaultOrgID: 4,
	}
	lk.AddOrg(5, "清波门社区妇联", "330102001001")
	lk.AddOrg(6, "劳动路社区妇联", "330102001002")
	lk.AddOrg(7, "同名社区妇联", "330102001003")
	lk.AddOrg(8, "同名社区妇联", "330102001004")
	return lk
}

func parse(t *testing.T, data []byte) ([]roster.Row, []roster.Problem) {
	t.Helper()
	rows, probs, err := roster.Parse(bytes.NewReader(data), 0, lookups(), today)
	if err != nil {
		t.Fatalf("Parse: %v", err)
	}
	return rows, probs
}

func TestParseGoodFile(t *testing.T) {
	id1, id2, id3 := id("33010219880512002"), id("33010219900101004"), idX("110105197006150")
	fullWidth := strings.Map(func(r rune) rune {
		if r >= '0' && r <= '9' {
			return r - '0' + '０'
		}
		return r
	}, id2)
	data := book(t,
		// Order changed, aliases, an unknown column, a required mark.
		[]any{"序号", "手机", "姓名*", " 身份证号 ", "民族", "文化程度", "就业状况", "所属组织", "家庭住址", "标签", "备注"},
		[]any{1, "138 0013 8000", "王秀芳", id1, "汉族", "大学本科", "务农", "清波门社区妇联", "清波街道1号", "低保、单亲", "首行"},
		[]any{2, "＋８６１３９００１３９０００", "李 小 红", fullWidth, "回", "70", "retired", "330102001002", "", "dibao，单亲", ""},
		[]any{},
		[]any{3, 13700137000, "赵兰", strings.ToLower(id3), "", "", "", "", "", "", ""},
	)
	rows, probs := parse(t, data)
	if len(probs) != 0 {
		t.Fatalf("problems: %+v", probs)
	}
	want := []roster.Row{
		{Line: 2, Input: people.Input{OrgID: 5, Name: "王秀芳", IDNumber: id1, Phone: "138 0013 8000", Ethnicity: "01", Education: "20",
			Employment: "farmer", AddressDetail: "清波街道1号", Tags: []string{"dibao", "single_parent"}, Note: "首行"}},
		{Line: 3, Input: people.Input{OrgID: 6, Name: "李小红", IDNumber: id2, Phone: "+8613900139000", Ethnicity: "03", Education: "70",
			Employment: "retired", Tags: []string{"dibao", "single_parent"}}},
		{Line: 5, Input: people.Input{OrgID: 4, Name: "赵兰", IDNumber: strings.ToLower(id3), Phone: "13700137000"}},
	}
	if len(rows) != len(want) {
		t.Fatalf("got %d rows, want %d: %+v", len(rows), len(want), rows)
	}
	for i := range want {
		if fmt.Sprintf("%+v", rows[i]) != fmt.Sprintf("%+v", want[i]) {
			t.Errorf("row %d:\n got %+v\nwant %+v", i, rows[i], want[i])
		}
		if _, err := rows[i].Input.Validate(today); err != nil {
			t.Errorf("row %d does not validate: %v", i, err)
		}
	}
}

func TestParseTitleRowAboveHeader(t *testing.T) {
	data := book(t,
		[]any{"清波门社区妇女名册"},
		[]any{"姓名", "身份证号码"},
		[]any{"王秀芳", id("33010219880512002")},
	)
	rows, probs := parse(t, data)
	if len(probs) != 0 || len(rows) != 1 || rows[0].Line != 3 {
		t.Fatalf("got rows %+v problems %+v, want one row at line 3", rows, probs)
	}
}

func TestParseBadFile(t *testing.T) {
	good := id("33010219880512002")
	long := strings.Repeat("长", people.MaxNoteLen+1)
	data := book(t,
		[]any{"姓名", "身份证号码", "手机号码", "性别", "民族", "文化程度", "就业状况", "所属组织", "标签", "备注"},
		[]any{"", id("33010219900101004"), "", "", "", "", "", "", "", ""},           // 2: no name
		[]any{"王秀芳", "330102198805120021", "", "", "", "", "", "", "", ""},           // 3: bad check digit (unless lucky)
		[]any{"李红", good, "", "", "", "", "", "", "", ""},                            // 4: fine
		[]any{"张兰", good, "", "", "", "", "", "", "", ""},                            // 5: duplicate of 4
		[]any{"赵敏", id("33010219900101026"), "12345", "", "", "", "", "", "", ""},    // 6: bad phone
		[]any{"钱芳", id("33010219900101042"), "", "", "火星族", "博士后", "躺平", "", "", ""}, // 7: unknown dictionaries
		[]any{"孙丽", id("33010219900101069"), "", "", "", "", "", "不存在妇联", "", ""},    // 8: unknown org
		[]any{"周洁", id("33010219900101085"), "", "", "", "", "", "同名社区妇联", "", ""},   // 9: ambiguous org
		[]any{"吴静", id("33010219900101101"), "", "", "", "", "", "", "低保、富豪", ""},    // 10: unknown tag
		[]any{"郑雪", id("33010219900101128"), "", "男", "", "", "", "", "", ""},        // 11: sex disagrees
		[]any{"冯梅", id("33010219900101144"), "", "", "", "", "", "", "", long},       // 12: note too long
		[]any{"陈1", id("33010219900101160"), "", "", "", "", "", "", "", ""},         // 13: digit in name
		[]any{"模板", roster.ExampleIDNumber(), "", "", "", "", "", "", "", ""},        // 14: the template's example
		[]any{"卫娜", id("33010230000101184"), "", "", "", "", "", "", "", ""},         // 15: born in the future
		[]any{"蒋华", id("33010219900101209"), "", "", "", "", "", "", "", ""},         // 16: fine
	)
	if id("33010219880512002") == "330102198805120021" {
		t.Fatal("test data: line 3 was meant to have a wrong check digit")
	}
	rows, probs := parse(t, data)
	var lines []int
	for _, r := range rows {
		lines = append(lines, r.Line)
	}
	if !slices.Equal(lines, []int{4, 16}) {
		t.Errorf("valid lines: got %v, want [4 16]", lines)
	}
	want := []roster.Problem{
		{2, "姓名", "请填写姓名"},
		{3, "身份证号码", "校验位"},
		{5, "身份证号码", "与第4行的身份证号码重复"},
		{6, "手机号码", "手机号码应为"},
		{7, "民族", "“火星族”不是可选的民族"},
		{7, "文化程度", "“博士后”不是可选的文化程度"},
		{7, "就业状况", "“躺平”不是可选的就业状况"},
		{8, "所属组织", "组织“不存在妇联”不存在"},
		{9, "所属组织", "行政区划代码"},
		{10, "标签", "“富豪”不是可选的标签"},
		{11, "性别", "性别与身份证号码不符"},
		{12, "备注", "备注过长"},
		{13, "姓名", "姓名不能包含数字"},
		{14, "身份证号码", "示例行"},
		{15, "身份证号码", "晚于今天"},
	}
	if len(probs) != len(want) {
		t.Errorf("got %d problems, want %d:\n%s", len(probs), len(want), dump(probs))
	}
	for i := 0; i < len(want) && i < len(probs); i++ {
		p, w := probs[i], want[i]
		if p.Line != w.Line || p.Column != w.Column || !strings.Contains(p.Reason, w.Reason) {
			t.Errorf("problem %d: got %+v, want line %d column %s reason containing %q", i, p, w.Line, w.Column, w.Reason)
		}
	}
}

func dump(probs []roster.Problem) string {
	var b strings.Builder
	for _, p := range probs {
		fmt.Fprintf(&b, "  %d %s %s\n", p.Line, p.Column, p.Reason)
	}
	return b.String()
}

func TestParseIDStoredAsNumber(t *testing.T) {
	f := excelize.NewFile()
	defer f.Close()
	f.SetSheetRow("Sheet1", "A1", &[]any{"姓名", "身份证号码"})
	f.SetSheetRow("Sheet1", "A2", &[]any{"王秀芳", 330102198503080021.0}) // what Excel keeps: 3.30102198503080E+17
	f.SetSheetRow("Sheet1", "A3", &[]any{"李红", int64(330102199001010040)})
	f.SetSheetRow("Sheet1", "A4", &[]any{"张兰", id("33010219900101026")})
	buf, err := f.WriteToBuffer()
	if err != nil {
		t.Fatal(err)
	}
	rows, probs := parse(t, buf.Bytes())
	if len(rows) != 1 || rows[0].Line != 4 {
		t.Errorf("rows: got %+v, want only line 4", rows)
	}
	if len(probs) != 2 {
		t.Fatalf("got %d problems, want 2:\n%s", len(probs), dump(probs))
	}
	for i, p := range probs {
		if p.Line != i+2 || p.Column != "身份证号码" || p.Reason != "身份证号码被Excel存成了数字，请把该列设为文本后重新填写" {
			t.Errorf("problem %d: got %+v", i, p)
		}
	}
}

func TestParseMissingHeaders(t *testing.T) {
	for name, header := range map[string][]any{
		"no id":     {"姓名", "手机号码"},
		"no header": {"王秀芳", "330102198503080021"},
	} {
		t.Run(name, func(t *testing.T) {
			data := book(t, header, []any{"王秀芳", "x"})
			rows, probs := parse(t, data)
			if len(rows) != 0 || len(probs) != 1 || probs[0].Line != 1 || !strings.Contains(probs[0].Reason, "缺少必填列") {
				t.Fatalf("got rows %+v problems %+v, want one header problem", rows, probs)
			}
			if name == "no id" && strings.Contains(probs[0].Reason, "姓名") {
				t.Errorf("reason %q names a column that is there", probs[0].Reason)
			}
		})
	}
}

func TestParseRefusesFiles(t *testing.T) {
	header := []any{"姓名", "身份证号码"}
	many := [][]any{header}
	for i := range 4 {
		many = append(many, []any{"王秀芳", fmt.Sprint(i)})
	}
	cases := []struct {
		name    string
		data    []byte
		maxRows int
		msg     string
	}{
		{"csv", []byte("姓名,身份证号码\n王秀芳,1\n"), 0, "文件不是有效的Excel（.xlsx）文件"},
		{"empty", nil, 0, "文件不是有效的Excel（.xlsx）文件"},
		{"zip but not xlsx", zipOf(t), 0, "文件不是有效的Excel（.xlsx）文件"},
		{"no data", book(t, header, []any{}, []any{" "}), 0, "文件中没有数据行"},
		{"too many", book(t, many...), 3, "文件超过3行数据"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, _, err := roster.Parse(bytes.NewReader(c.data), c.maxRows, lookups(), today)
			e := apperr.As(err)
			if e == nil || e.Kind != apperr.Invalid || !strings.HasPrefix(e.Message, c.msg) {
				t.Fatalf("got %v, want Invalid %q", err, c.msg)
			}
		})
	}
}

func zipOf(t *testing.T) []byte {
	t.Helper()
	// A .docx-like zip: valid archive, no workbook.
	var buf bytes.Buffer
	w := newZip(&buf)
	f, _ := w.Create("word/document.xml")
	f.Write([]byte("<doc/>"))
	w.Close()
	return buf.Bytes()
}

func TestTemplate(t *testing.T) {
	data, err := roster.Template()
	if err != nil {
		t.Fatal(err)
	}
	f, err := excelize.OpenReader(bytes.NewReader(data))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if got := f.GetSheetList(); !slices.Equal(got, []string{roster.MainSheet, roster.HelpSheet}) {
		t.Errorf("sheets: got %v", got)
	}
	head, _ := f.GetRows(roster.MainSheet)
	if len(head) < 2 || !slices.Equal(head[0], []string{"姓名*", "身份证号码*", "手机号码", "民族", "文化程度", "就业状况", "所属组织", "详细地址", "标签", "备注"}) {
		t.Fatalf("template rows: %q", head)
	}
	if head[1][1] != roster.ExampleIDNumber() {
		t.Errorf("example ID: got %q", head[1][1])
	}
	if typ, _ := f.GetCellType(roster.MainSheet, "B2"); typ == excelize.CellTypeNumber || typ == excelize.CellTypeUnset {
		t.Errorf("example ID stored as a number (type %v)", typ)
	}
	// The ID column is formatted as text, so typed numbers stay text.
	styleID, err := f.GetColStyle(roster.MainSheet, "B")
	if err != nil {
		t.Fatal(err)
	}
	st, err := f.GetStyle(styleID)
	if err != nil || st.NumFmt != 49 {
		t.Errorf("ID column style: got %+v (%v), want number format 49 (text)", st, err)
	}
	help, _ := f.GetRows(roster.HelpSheet)
	if len(help) < 11 || help[2][0] != "身份证号码" || !strings.Contains(help[2][2], "文本") {
		t.Errorf("help sheet: %q", help)
	}

	// The template read back: only the example row, refused as such.
	rows, probs := parse(t, data)
	if len(rows) != 0 || len(probs) != 1 || !strings.Contains(probs[0].Reason, "示例行") {
		t.Errorf("template parsed: rows %+v problems %+v", rows, probs)
	}
}

func TestProblemsFile(t *testing.T) {
	in := []roster.Problem{{Line: 3, Column: "身份证号码", Reason: "身份证号码应为18位"}, {Line: 9, Column: "民族", Reason: "“火星族”不是可选的民族"}}
	data, err := roster.ProblemsFile(in)
	if err != nil {
		t.Fatal(err)
	}
	f, err := excelize.OpenReader(bytes.NewReader(data))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	got, _ := f.GetRows(f.GetSheetList()[0])
	want := [][]string{{"行号", "列", "原因"}, {"3", "身份证号码", "身份证号码应为18位"}, {"9", "民族", "“火星族”不是可选的民族"}}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("got %q, want %q", got, want)
	}
}
