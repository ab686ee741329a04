// Package workdays counts working days in mainland China: Monday to Friday,
// less public holidays, plus the weekend days that are declared working days
// (调休). The calendar is data, edited by administrators each year.
package workdays

import (
	"sort"
	"time"
)

// Day is a calendar date, normalised to UTC midnight.
type Day = time.Time

// DayOf returns the date of t in loc as a UTC midnight.
func DayOf(t time.Time, loc *time.Location) Day {
	y, m, d := t.In(loc).Date()
	return time.Date(y, m, d, 0, 0, 0, 0, time.UTC)
}

// Kind says what a listed date is.
type Kind string

// The kinds of listed dates.
const (
	Holiday Kind = "holiday" // a weekday off
	Workday Kind = "workday" // a weekend day worked (调休)
)

// Calendar holds the exceptions to the Monday–Friday week.
type Calendar struct {
	except map[Day]Kind
}

// New returns a calendar with the given exceptions.
func New(exceptions map[Day]Kind) *Calendar {
	c := &Calendar{except: map[Day]Kind{}}
	for d, k := range exceptions {
		c.except[DayOf(d, time.UTC)] = k
	}
	return c
}

// IsWorkday reports whether d is a working day.
func (c *Calendar) IsWorkday(d Day) bool {
	d = DayOf(d, time.UTC)
	if k, ok := c.except[d]; ok {
		return k == Workday
	}
	wd := d.Weekday()
	return wd != time.Saturday && wd != time.Sunday
}

// AddWorkdays returns the end of the n-th working day after the day of t
// (in loc), at the same clock time as t, or at 23:59:59 in loc when endOfDay
// is set. Counting starts the day after t, as deadlines are counted.
func (c *Calendar) AddWorkdays(t time.Time, n int, loc *time.Location, endOfDay bool) time.Time {
	d := DayOf(t, loc)
	for n > 0 {
		d = d.AddDate(0, 0, 1)
		if c.IsWorkday(d) {
			n--
		}
	}
	lt := t.In(loc)
	h, m, s := lt.Clock()
	if endOfDay {
		h, m, s = 23, 59, 59
	}
	return time.Date(d.Year(), d.Month(), d.Day(), h, m, s, 0, loc).UTC()
}

// Between counts the working days after from's day up to and including
// to's day (in loc).
func (c *Calendar) Between(from, to time.Time, loc *time.Location) int {
	a, b := DayOf(from, loc), DayOf(to, loc)
	n := 0
	for d := a.AddDate(0, 0, 1); !d.After(b); d = d.AddDate(0, 0, 1) {
		if c.IsWorkday(d) {
			n++
		}
	}
	return n
}

// Exceptions lists the calendar's exceptions in date order.
func (c *Calendar) Exceptions() []Exception {
	out := make([]Exception, 0, len(c.except))
	for d, k := range c.except {
		out = append(out, Exception{Date: d, Kind: k})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Date.Before(out[j].Date) })
	return out
}

// Exception is one listed date.
type Exception struct {
	Date Day
	Kind Kind
	Name string
}
