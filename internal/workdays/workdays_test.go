package workdays

import (
	"testing"
	"time"
)

var cst = time.FixedZone("CST", 8*3600)

func day(s string) Day {
	t, err := time.Parse("2006-01-02", s)
	if err != nil {
		panic(err)
	}
	return t
}

// The 2024 National Day week: 1–7 October off, Sunday 29 September and
// Saturday 12 October worked.
func nationalDay2024() *Calendar {
	ex := map[Day]Kind{day("2024-09-29"): Workday, day("2024-10-12"): Workday}
	for d := day("2024-10-01"); !d.After(day("2024-10-07")); d = d.AddDate(0, 0, 1) {
		ex[d] = Holiday
	}
	return New(ex)
}

func TestIsWorkday(t *testing.T) {
	c := nationalDay2024()
	cases := map[string]bool{
		"2024-09-27": true,  // Friday
		"2024-09-28": false, // Saturday
		"2024-09-29": true,  // Sunday worked
		"2024-10-01": false, // holiday
		"2024-10-04": false, // Friday, holiday
		"2024-10-08": true,  // Tuesday
		"2024-10-12": true,  // Saturday worked
		"2024-10-13": false, // Sunday
	}
	for d, want := range cases {
		if got := c.IsWorkday(day(d)); got != want {
			t.Errorf("IsWorkday(%s) = %v, want %v", d, got, want)
		}
	}
}

func TestAddWorkdays(t *testing.T) {
	c := nationalDay2024()
	cases := []struct {
		from string // CST 10:00
		n    int
		want string // CST date
	}{
		{"2024-09-26", 1, "2024-09-27"}, // Thu → Fri
		{"2024-09-27", 1, "2024-09-29"}, // Fri → the worked Sunday
		{"2024-09-27", 3, "2024-10-08"}, // Fri → Sun 29, Mon 30, Tue 8
		{"2024-09-30", 3, "2024-10-10"}, // Mon → Tue 8, Wed 9, Thu 10
		{"2024-10-02", 1, "2024-10-08"}, // in the holiday → first day back
		{"2024-10-10", 2, "2024-10-12"}, // Thu → Fri 11, worked Sat 12
		{"2024-03-08", 15, "2024-03-29"},
	}
	for _, cse := range cases {
		from := time.Date(day(cse.from).Year(), day(cse.from).Month(), day(cse.from).Day(), 10, 0, 0, 0, cst)
		got := c.AddWorkdays(from, cse.n, cst, true).In(cst)
		if got.Format("2006-01-02") != cse.want || got.Hour() != 23 {
			t.Errorf("AddWorkdays(%s, %d) = %s, want %s 23:59:59", cse.from, cse.n, got.Format(time.DateTime), cse.want)
		}
	}
	if got := c.Between(time.Date(2024, 9, 27, 9, 0, 0, 0, cst), time.Date(2024, 10, 9, 9, 0, 0, 0, cst), cst); got != 4 {
		t.Errorf("Between(27 Sep, 9 Oct) = %d, want 4 (29, 30 Sep, 8, 9 Oct)", got)
	}
}
