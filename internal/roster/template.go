package roster

import (
	"fmt"

	"github.com/xuri/excelize/v2"
)

// textFormat is Excel's built-in "@" (text) number format: numbers typed
// into such cells stay text, so ID numbers keep all 18 digits.
const textFormat = 49

// Template builds the import template: the header row (required columns
// marked), an example row, widths, text-formatted number columns, and a
// second sheet explaining each column.
func Template() ([]byte, error) {
	f := excelize.NewFile()
	defer f.Close()
	if err := f.SetSheetName("Sheet1", MainSheet); err != nil {
		return nil, err
	}
	header, err := f.NewStyle(&excelize.Style{Font: &excelize.Font{Bold: true}, Fill: excelize.Fill{Type: "pattern", Pattern: 1, Color: []string{"F2F3F5"}},
		Alignment: &excelize.Alignment{Horizontal: "center", Vertical: "center"}, NumFmt: textFormat})
	if err != nil {
		return nil, err
	}
	required, err := f.NewStyle(&excelize.Style{Font: &excelize.Font{Bold: true, Color: "C8161D"}, Fill: excelize.Fill{Type: "pattern", Pattern: 1, Color: []string{"F2F3F5"}},
		Alignment: &excelize.Alignment{Horizontal: "center", Vertical: "center"}, NumFmt: textFormat})
	if err != nil {
		return nil, err
	}
	text, err := f.NewStyle(&excelize.Style{NumFmt: textFormat})
	if err != nil {
		return nil, err
	}
	n := 0
	for _, c := range columns {
		if !c.inTmpl {
			continue
		}
		n++
		name, err := excelize.ColumnNumberToName(n)
		if err != nil {
			return nil, err
		}
		if err := f.SetColWidth(MainSheet, name, name, c.width); err != nil {
			return nil, err
		}
		// Every column is text: IDs, phones and codes must not become numbers.
		if err := f.SetColStyle(MainSheet, name, text); err != nil {
			return nil, err
		}
		label, style := c.header, header
		if c.required {
			label, style = c.header+"*", required
		}
		if err := f.SetCellStr(MainSheet, name+"1", label); err != nil {
			return nil, err
		}
		if err := f.SetCellStyle(MainSheet, name+"1", name+"1", style); err != nil {
			return nil, err
		}
		example := c.example
		if c.field == "id_number" {
			example = ExampleIDNumber()
		}
		if err := f.SetCellStr(MainSheet, fmt.Sprintf("%s2", name), example); err != nil {
			return nil, err
		}
		if err := f.SetCellStyle(MainSheet, name+"2", name+"2", text); err != nil {
			return nil, err
		}
	}
	if err := f.SetPanes(MainSheet, &excelize.Panes{Freeze: true, YSplit: 1, TopLeftCell: "A2", ActivePane: "bottomLeft"}); err != nil {
		return nil, err
	}
	if err := helpSheet(f, header); err != nil {
		return nil, err
	}
	f.SetActiveSheet(0)
	buf, err := f.WriteToBuffer()
	if err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

func helpSheet(f *excelize.File, header int) error {
	if _, err := f.NewSheet(HelpSheet); err != nil {
		return err
	}
	wrap, err := f.NewStyle(&excelize.Style{Alignment: &excelize.Alignment{WrapText: true, Vertical: "top"}})
	if err != nil {
		return err
	}
	rows := [][]any{{"列名", "是否必填", "填写说明"}}
	for _, c := range columns {
		if !c.inTmpl {
			continue
		}
		req := "选填"
		if c.required {
			req = "必填"
		}
		rows = append(rows, []any{c.header, req, c.help})
	}
	rows = append(rows,
		[]any{},
		[]any{"注意事项", "", "第1行是列名，请勿修改；从第2行起每行一人。第2行是示例，导入前请删除。"},
		[]any{"", "", "列的顺序可以调整，多余的列（如序号）会被忽略。“身份证号”“手机”等常见写法也能识别。"},
		[]any{"", "", "上传后系统先逐行检查并列出问题（行号、列、原因），确认后才写入；可以只导入没有问题的行，也可以全部不导入、改好后重新上传。"},
		[]any{"", "", "已经登记过的身份证号码不会重复登记，导入时会跳过并说明。"},
		[]any{"", "", fmt.Sprintf("一个文件最多%d行数据。", DefaultMaxRows)},
	)
	for i, r := range rows {
		cell, err := excelize.CoordinatesToCellName(1, i+1)
		if err != nil {
			return err
		}
		if err := f.SetSheetRow(HelpSheet, cell, &r); err != nil {
			return err
		}
	}
	if err := f.SetColWidth(HelpSheet, "A", "A", 14); err != nil {
		return err
	}
	if err := f.SetColWidth(HelpSheet, "B", "B", 10); err != nil {
		return err
	}
	if err := f.SetColWidth(HelpSheet, "C", "C", 90); err != nil {
		return err
	}
	last, err := excelize.CoordinatesToCellName(3, len(rows))
	if err != nil {
		return err
	}
	if err := f.SetCellStyle(HelpSheet, "A2", last, wrap); err != nil {
		return err
	}
	return f.SetCellStyle(HelpSheet, "A1", "C1", header)
}

// ProblemsFile writes the problems of a check as a spreadsheet, so a cadre
// can fix the roster with the list beside it.
func ProblemsFile(problems []Problem) ([]byte, error) {
	f := excelize.NewFile()
	defer f.Close()
	const sheet = "问题清单"
	if err := f.SetSheetName("Sheet1", sheet); err != nil {
		return nil, err
	}
	sw, err := f.NewStreamWriter(sheet)
	if err != nil {
		return nil, err
	}
	if err := sw.SetColWidth(1, 1, 8); err != nil {
		return nil, err
	}
	if err := sw.SetColWidth(2, 2, 14); err != nil {
		return nil, err
	}
	if err := sw.SetColWidth(3, 3, 70); err != nil {
		return nil, err
	}
	if err := sw.SetRow("A1", []any{"行号", "列", "原因"}); err != nil {
		return nil, err
	}
	for i, p := range problems {
		if err := sw.SetRow(fmt.Sprintf("A%d", i+2), []any{p.Line, p.Column, p.Reason}); err != nil {
			return nil, err
		}
	}
	if err := sw.Flush(); err != nil {
		return nil, err
	}
	buf, err := f.WriteToBuffer()
	if err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}
