package store

import (
	"context"
	"crypto/subtle"
	"database/sql"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	"jinguo/internal/apperr"
	"jinguo/internal/auth"
	"jinguo/internal/cases"
	"jinguo/internal/dicts"
	"jinguo/internal/people"
)

// HelpRequest is what a woman submits through the public help form or the
// public API, without an account.
type HelpRequest struct {
	Category    string // a case_category code
	Description string // what happened
	Phone       string // optional when Anonymous
	Anonymous   bool
	IP          string // the client, for the audit trail
}

// Limits on the public help form.
const (
	MinHelpDescription = 10
	MaxHelpDescription = 2000
)

// Validate checks what needs no database, so a typo costs the sender no
// rate-limit budget. Whether the category exists is checked on submit.
//
// A phone is required unless the request is anonymous: the status page asks
// for its last four digits. An anonymous request without a phone is found by
// its tracking code alone.
func (in HelpRequest) Validate() error {
	f := apperr.Fields{}
	switch cat := strings.TrimSpace(in.Category); {
	case cat == "":
		f.Add("category", "请选择求助类别")
	case !dicts.ValidCode(cat):
		f.Add("category", "所选求助类别无效")
	}
	desc := strings.TrimSpace(in.Description)
	switch n := utf8.RuneCountInString(desc); {
	case desc == "":
		f.Add("description", "请写下您遇到的情况")
	case !utf8.ValidString(desc) || strings.ContainsRune(desc, 0):
		f.Add("description", "情况描述含有无法识别的字符")
	case n < MinHelpDescription:
		f.Add("description", fmt.Sprintf("请至少写%d个字，便于我们了解情况", MinHelpDescription))
	case n > MaxHelpDescription:
		f.Add("description", fmt.Sprintf("情况描述不能超过%d个字（现在是%d个字）", MaxHelpDescription, n))
	}
	switch phone := strings.TrimSpace(in.Phone); {
	case phone == "" && !in.Anonymous:
		f.Add("phone", "请填写手机号码，用于查询进度和联系您；不便留电话的，请勾选匿名求助")
	case phone != "":
		if _, err := people.NormalizePhone(phone); err != nil {
			f.Add("phone", "手机号码应为11位数字")
		}
	}
	return f.Err()
}

// helpSummary names the request by its category alone. The summary is
// stored in clear for lists and search, and the first words a woman writes
// are often her name or address, so none of the description goes into it.
func helpSummary(categoryName string) string {
	return "网上求助：" + categoryName
}

// publicActor is the public acting through the online door: it registers
// the case for the root org (the city federation), which handles it first.
func publicActor(rootID int64, ip string) auth.Actor {
	return auth.Actor{Username: "public", OrgID: rootID, Scope: auth.Scope{All: true}, IP: ip, UserAgent: "public help form"}
}

// SubmitHelpRequest registers an online case for the root org and returns
// its tracking code, to be shown once. It never looks anyone up, so it
// cannot reveal whether a person or phone number is known.
func (s *Store) SubmitHelpRequest(ctx context.Context, in HelpRequest) (code string, err error) {
	if err := in.Validate(); err != nil {
		return "", err
	}
	root, err := s.RootOrg(ctx)
	if err != nil {
		return "", apperr.Wrap(apperr.Internal, "网上求助暂不可用，请拨打12338", fmt.Errorf("submit help request: root org: %w", err))
	}
	category := strings.TrimSpace(in.Category)
	var categoryName string
	err = s.rdb.QueryRowContext(ctx, `SELECT name FROM dict_items WHERE dict = 'case_category' AND code = $1 AND enabled = $2`,
		category, true).Scan(&categoryName)
	if err == sql.ErrNoRows {
		return "", apperr.Fields{"category": "所选求助类别无效"}.Err()
	}
	if err != nil {
		return "", normalize(err)
	}
	desc := strings.TrimSpace(in.Description)
	phone := strings.TrimSpace(in.Phone)
	if phone != "" {
		phone, _ = people.NormalizePhone(phone)
	}
	// CreateCase notifies the root in the same transaction: the public
	// actor has no account, so nobody at the root registered it.
	_, code, err = s.CreateCase(ctx, publicActor(root.ID, in.IP), cases.Intake{
		Channel:      cases.Online,
		Category:     category,
		Summary:      helpSummary(categoryName),
		Description:  desc,
		OrgID:        root.ID,
		Anonymous:    in.Anonymous,
		ContactPhone: phone,
	})
	if err != nil {
		return "", err
	}
	return code, nil
}

// PublicStatus is all the status page shows: no number, names, orgs or
// description.
type PublicStatus struct {
	Status      string // received, in_progress, declined or closed
	Label       string // 已收到, 办理中, 不予受理, 已办结
	SubmittedAt time.Time
	UpdatedAt   time.Time // the latest public note
	Notes       []PublicNote
}

// PublicNote is one step of a case as told to the public.
type PublicNote struct {
	At   time.Time
	Text string
}

// publicState folds the workflow into the few words the public needs.
func publicState(st cases.State) (code, label string) {
	switch st {
	case cases.Registered:
		return "received", "已收到"
	case cases.Declined:
		return "declined", "不予受理"
	case cases.Closed, cases.FollowedUp, cases.Archived:
		return "closed", "已办结"
	}
	return "in_progress", "办理中"
}

// errHelpNotFound answers every failed lookup, whatever was wrong.
func errHelpNotFound() error {
	return apperr.New(apperr.NotFound, "未找到该求助记录，请核对查询码和手机号后四位")
}

// HelpStatus returns the public status of the online request with the
// tracking code, if last4 matches the last four digits of its contact
// phone (or is empty when the request left no phone). A wrong code and
// wrong digits give the same error after the same work: one indexed
// lookup, one decryption and a constant-time comparison.
func (s *Store) HelpStatus(ctx context.Context, code, last4 string) (PublicStatus, error) {
	norm := cases.NormalizeTrackingCode(code)
	digits, ok := normalizeLast4(last4)
	f := apperr.Fields{}
	switch {
	case strings.TrimSpace(code) == "":
		f.Add("code", "请填写查询码")
	case norm == "":
		f.Add("code", "查询码应为12位字母和数字，如 K7QX-M2PD-9HRT")
	}
	if !ok {
		f.Add("phone_last4", "请填写提交时所留手机号码的后四位数字")
	}
	if err := f.Err(); err != nil {
		return PublicStatus{}, err
	}
	// A stand-in ciphertext, sealed on every call so a miss costs what a
	// hit does.
	enc := s.box.Seal("00000000000", fieldCasePhone)
	var (
		id, created int64
		state       string
		phoneEnc    []byte
	)
	err := s.rdb.QueryRowContext(ctx, `SELECT id, state, created_at, contact_phone_enc FROM cases WHERE tracking_hash = $1`,
		s.box.Hash(norm, fieldCaseTracking)).Scan(&id, &state, &created, &phoneEnc)
	found := err == nil
	if err != nil && err != sql.ErrNoRows {
		return PublicStatus{}, normalize(err)
	}
	if found && len(phoneEnc) > 0 {
		enc = phoneEnc
	}
	phone, err := s.box.Open(enc, fieldCasePhone)
	if err != nil {
		return PublicStatus{}, fmt.Errorf("help status: decrypt contact: %w", err)
	}
	want := "\x00\x00\x00\x00" // matches no typed digits
	switch {
	case found && len(phoneEnc) == 0:
		want = ""
	case found && len(phone) >= 4:
		want = phone[len(phone)-4:]
	}
	match := subtle.ConstantTimeCompare([]byte(want), []byte(digits)) == 1
	if !found || !match {
		return PublicStatus{}, errHelpNotFound()
	}
	out := PublicStatus{SubmittedAt: fromMS(created)}
	out.Status, out.Label = publicState(cases.State(state))
	out.UpdatedAt = out.SubmittedAt
	rows, err := s.rdb.QueryContext(ctx, `SELECT at, public_note FROM case_events WHERE case_id = $1 AND public_note <> '' ORDER BY id`, id)
	if err != nil {
		return PublicStatus{}, normalize(err)
	}
	defer rows.Close()
	for rows.Next() {
		var at int64
		var n PublicNote
		if err := rows.Scan(&at, &n.Text); err != nil {
			return PublicStatus{}, normalize(err)
		}
		n.At = fromMS(at)
		if n.At.After(out.UpdatedAt) {
			out.UpdatedAt = n.At
		}
		out.Notes = append(out.Notes, n)
	}
	return out, normalize(rows.Err())
}

// normalizeLast4 accepts "" or four digits (full-width too).
func normalizeLast4(s string) (string, bool) {
	s = strings.TrimSpace(s)
	var b []byte
	for _, r := range s {
		switch {
		case r >= '0' && r <= '9':
			b = append(b, byte(r))
		case r >= '０' && r <= '９':
			b = append(b, byte(r-'０'+'0'))
		default:
			return "", false
		}
	}
	if len(b) != 0 && len(b) != 4 {
		return "", false
	}
	return string(b), true
}
