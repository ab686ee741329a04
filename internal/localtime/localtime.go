// Package localtime fixes how Jinguo reads the clock for people: times are
// stored in UTC and shown, and dates are counted, in China Standard Time.
package localtime

import "time"

// Zone is Asia/Shanghai. China keeps no daylight saving time, so a fixed
// zone is exact and needs no tzdata on the host.
var Zone = time.FixedZone("CST", 8*3600)

// Today returns the calendar date of t in China as a UTC midnight.
func Today(t time.Time) time.Time {
	y, m, d := t.In(Zone).Date()
	return time.Date(y, m, d, 0, 0, 0, 0, time.UTC)
}

// Format formats t in China Standard Time as 2024-03-08 15:04; the zero
// time is "".
func Format(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.In(Zone).Format("2006-01-02 15:04")
}

// Date formats the date of t as 2024-03-08; the zero time is "".
func Date(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.In(Zone).Format("2006-01-02")
}
