package people

import (
	"strings"
	"time"
	"unicode/utf8"

	"jinguo/internal/apperr"
)

// GuardianAge is the age under which a guardian must consent for the person
// (PIPL art. 31).
const GuardianAge = 14

// Consent records a person's consent to processing her personal information
// for one purpose.
type Consent struct {
	ID, PersonID int64
	Purpose      string
	GivenOn      time.Time // UTC midnight
	ByGuardian   bool
	GuardianName string
	CreatedAt    time.Time
}

// ConsentInput is what a form or API body supplies for a consent.
type ConsentInput struct {
	Purpose, GivenOn, GuardianName string // GivenOn is YYYY-MM-DD
	ByGuardian                     bool
}

// Validate checks in for person p and returns the normalised Consent, or an
// apperr.Fields error. Under-14s need their guardian's consent.
func (in ConsentInput) Validate(p Person, today time.Time) (Consent, error) {
	f := apperr.Fields{}
	c := Consent{
		PersonID:     p.ID,
		Purpose:      strings.TrimSpace(in.Purpose),
		ByGuardian:   in.ByGuardian,
		GuardianName: strings.TrimSpace(in.GuardianName),
	}
	switch {
	case c.Purpose == "":
		f.Add("purpose", "请填写同意的用途")
	case utf8.RuneCountInString(c.Purpose) > 100:
		f.Add("purpose", "用途过长（最多100个字）")
	}

	given, err := time.Parse(time.DateOnly, strings.TrimSpace(in.GivenOn))
	switch {
	case strings.TrimSpace(in.GivenOn) == "":
		f.Add("given_on", "请填写同意日期")
	case err != nil:
		f.Add("given_on", "同意日期格式应为2024-03-08")
	case given.After(dateOf(today)):
		f.Add("given_on", "同意日期不能晚于今天")
	default:
		c.GivenOn = given
		if !p.BirthDate.IsZero() && AgeOn(p.BirthDate, given) < GuardianAge &&
			(!c.ByGuardian || c.GuardianName == "") {
			f.Add("guardian_name", "未满14周岁的，须由监护人同意")
		}
	}

	if c.ByGuardian {
		switch {
		case c.GuardianName == "":
			f.Add("guardian_name", "请填写监护人姓名")
		case utf8.RuneCountInString(c.GuardianName) > MaxNameLen:
			f.Add("guardian_name", "监护人姓名过长（最多30个字）")
		}
	} else {
		c.GuardianName = ""
	}
	if err := f.Err(); err != nil {
		return Consent{}, err
	}
	return c, nil
}
