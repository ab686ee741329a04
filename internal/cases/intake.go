package cases

import (
	"crypto/rand"
	"strconv"
	"strings"
	"unicode/utf8"

	"jinguo/internal/apperr"
	"jinguo/internal/people"
)

// ConsultParent is the case_category group whose items are consultation
// only: closed at intake with the advice given.
const ConsultParent = "consult"

// ChildParent is the case_category group about children; such cases are
// restricted because they concern minors.
const ChildParent = "child"

// Intake is what an operator, the API or the public form supplies to
// register a case.
type Intake struct {
	Channel      Channel
	Category     string
	Summary      string
	Description  string
	OrgID        int64 // the org that will handle it
	PersonID     int64
	Anonymous    bool
	Urgent       bool
	Restricted   bool
	RiskAnswers  []string
	ContactPhone string
	Parties      []Party
}

// Limits on intake fields.
const (
	MaxSummary     = 100
	MaxDescription = 5000
	MaxParties     = 20
)

// Validate checks in and returns the case to register (without ids,
// numbers or deadlines), its parties and the risk assessment. categoryParent
// is the category's group in the dictionary.
func (in Intake) Validate(categoryParent string) (Case, []Party, RiskAssessment, error) {
	f := apperr.Fields{}
	if !in.Channel.Valid() {
		f.Add("channel", "请选择来源渠道")
	}
	if strings.TrimSpace(in.Category) == "" {
		f.Add("category", "请选择案件类别")
	}
	summary := strings.TrimSpace(in.Summary)
	desc := strings.TrimSpace(in.Description)
	if summary == "" && desc != "" {
		summary = firstRunes(desc, 50)
	}
	switch {
	case summary == "":
		f.Add("summary", "请填写事由摘要")
	case utf8.RuneCountInString(summary) > MaxSummary:
		f.Add("summary", "事由摘要不能超过100个字")
	}
	if utf8.RuneCountInString(desc) > MaxDescription {
		f.Add("description", "情况描述不能超过5000个字")
	}
	if in.OrgID <= 0 {
		f.Add("org_id", "请选择承办单位")
	}
	phone := strings.TrimSpace(in.ContactPhone)
	if phone != "" {
		p, err := people.NormalizePhone(phone)
		if err != nil {
			f.Add("phone", "联系电话应为11位手机号码")
		}
		phone = p
	}
	risk, err := Assess(in.RiskAnswers)
	if err != nil {
		f.Add("risk_answers", "风险评估选项无效")
	}
	if len(in.RiskAnswers) == 0 {
		risk = RiskAssessment{}
	}
	if len(in.Parties) > MaxParties {
		f.Add("parties", "当事人不能超过20人")
	}
	parties := make([]Party, 0, len(in.Parties))
	minor := false
	for i, p := range in.Parties {
		p.Name = strings.TrimSpace(p.Name)
		p.Note = strings.TrimSpace(p.Note)
		p.Address = strings.TrimSpace(p.Address)
		key := "parties"
		switch {
		case p.Role.Label() == "":
			f.Add(key, "第"+strconv.Itoa(i+1)+"位当事人：请选择身份")
		case p.Name == "" && p.PersonID == 0 && !in.Anonymous:
			f.Add(key, "第"+strconv.Itoa(i+1)+"位当事人：请填写姓名")
		case utf8.RuneCountInString(p.Name) > 30:
			f.Add(key, "第"+strconv.Itoa(i+1)+"位当事人：姓名过长")
		case utf8.RuneCountInString(p.Address) > 200 || utf8.RuneCountInString(p.Note) > 500:
			f.Add(key, "第"+strconv.Itoa(i+1)+"位当事人：地址或备注过长")
		}
		if strings.TrimSpace(p.Phone) != "" {
			norm, err := people.NormalizePhone(p.Phone)
			if err != nil {
				f.Add(key, "第"+strconv.Itoa(i+1)+"位当事人：电话应为11位手机号码")
			}
			p.Phone = norm
		}
		if p.Minor || p.Role == Child {
			p.Minor, minor = true, true
		}
		parties = append(parties, p)
	}
	if err := f.Err(); err != nil {
		return Case{}, nil, RiskAssessment{}, err
	}
	c := Case{
		Channel: in.Channel, Category: strings.TrimSpace(in.Category), Summary: summary, Description: desc,
		State: Registered, Urgency: Normal, Restricted: in.Restricted, RiskLevel: risk.Level,
		Anonymous: in.Anonymous, PersonID: in.PersonID, HandlingOrgID: in.OrgID,
	}
	if in.Urgent {
		c.Urgency = Urgent
	}
	// High domestic-violence risk: urgent and restricted at once. Minors'
	// cases are restricted too.
	if risk.Level == RiskHigh {
		c.Urgency, c.Restricted = Urgent, true
	}
	if minor || categoryParent == ChildParent {
		c.Restricted = true
	}
	if in.Anonymous {
		c.PersonID = 0
	}
	return c, parties, risk, nil
}

func firstRunes(s string, n int) string {
	r := []rune(s)
	if len(r) <= n {
		return s
	}
	return string(r[:n]) + "…"
}

// trackingAlphabet leaves out look-alike characters (0/O, 1/I/L).
const trackingAlphabet = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"

// NewTrackingCode returns an unguessable code such as "K7QX-M2PD-9HRT"
// (12 characters from 31: about 59 bits).
func NewTrackingCode() string {
	b := make([]byte, 12)
	rand.Read(b)
	out := make([]byte, 0, 14)
	for i, x := range b {
		if i > 0 && i%4 == 0 {
			out = append(out, '-')
		}
		out = append(out, trackingAlphabet[int(x)%len(trackingAlphabet)])
	}
	return string(out)
}

// NormalizeTrackingCode upper-cases a typed code and restores its dashes.
func NormalizeTrackingCode(s string) string {
	var b []byte
	for _, r := range strings.ToUpper(s) {
		if strings.ContainsRune(trackingAlphabet, r) {
			b = append(b, byte(r))
		}
	}
	if len(b) != 12 {
		return ""
	}
	return string(b[0:4]) + "-" + string(b[4:8]) + "-" + string(b[8:12])
}
