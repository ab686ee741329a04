package cases

import (
	"archive/zip"
	"bytes"
	"fmt"
	"net/http"
	"path"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"jinguo/internal/apperr"
	"jinguo/internal/localtime"
)

// This file holds the records kept alongside a case's workflow: referrals
// to other agencies, protection orders and warning letters, mediation
// sessions and evidence attachments. The store persists them; here are
// their types and rules.

// The timeline actions of case records. They are not workflow actions: a
// record never changes the case's state.
const (
	EventReferral          = "referral"
	EventReferralStatus    = "referral_status"
	EventOrder             = "protection_order"
	EventOrderExpiring     = "order_expiring"
	EventMediation         = "mediation"
	EventAttachment        = "attachment"
	EventAttachmentDeleted = "attachment_deleted"
)

var recordEventLabels = map[string]string{
	EventReferral: "转介", EventReferralStatus: "转介进展", EventOrder: "保护令/告诫书", EventOrderExpiring: "到期提醒",
	EventMediation: "调解", EventAttachment: "上传附件", EventAttachmentDeleted: "删除附件",
}

// RecordEventLabel names a record's timeline action in Chinese, or "" when
// action is not one of them.
func RecordEventLabel(action string) string { return recordEventLabels[action] }

// Limits on record fields, in characters.
const (
	MaxAgencyName   = 100
	MaxRecordNote   = 500
	MaxOutcome      = 2000
	MaxIssuer       = 100
	MaxParticipants = 500
	MaxAgreement    = 5000
)

func tooLong(f apperr.Fields, field, v string, max int) {
	if utf8.RuneCountInString(v) > max {
		f.Add(field, fmt.Sprintf("不能超过%d个字", max))
	}
}

// parseDay reads a 2024-03-08 date as a UTC midnight.
func parseDay(s string) (time.Time, bool) {
	t, err := time.Parse("2006-01-02", strings.TrimSpace(s))
	return t, err == nil
}

// ReferralStatus is how far a referral has come. It only moves forward.
type ReferralStatus string

// The referral statuses, in order.
const (
	ReferralSent     ReferralStatus = "sent"     // 已转介
	ReferralReceived ReferralStatus = "received" // 对方已接收
	ReferralFeedback ReferralStatus = "feedback" // 已反馈
)

var referralOrder = []ReferralStatus{ReferralSent, ReferralReceived, ReferralFeedback}

// Label returns the Chinese name.
func (s ReferralStatus) Label() string {
	switch s {
	case ReferralSent:
		return "已转介"
	case ReferralReceived:
		return "对方已接收"
	case ReferralFeedback:
		return "已反馈"
	}
	return string(s)
}

func (s ReferralStatus) rank() int {
	for i, x := range referralOrder {
		if x == s {
			return i
		}
	}
	return -1
}

// Valid reports whether s is known.
func (s ReferralStatus) Valid() bool { return s.rank() >= 0 }

// Next lists the statuses a referral at s may move to.
func (s ReferralStatus) Next() []ReferralStatus {
	if !s.Valid() {
		return nil
	}
	return referralOrder[s.rank()+1:]
}

// Tag is the colour of the status tag.
func (s ReferralStatus) Tag() string {
	switch s {
	case ReferralReceived:
		return "tag-blue"
	case ReferralFeedback:
		return "tag-green"
	}
	return "tag-grey"
}

// ReferralRecord is a case referred to another agency: police, court, shelter,
// legal aid and so on.
type ReferralRecord struct {
	ID            int64
	CaseID        int64
	AgencyType    string // referral_agency dictionary code
	AgencyName    string
	Status        ReferralStatus
	SentAt        time.Time
	ReceivedAt    time.Time
	FeedbackAt    time.Time
	Outcome       string
	Note          string
	CreatedBy     int64
	CreatedByName string
	CreatedAt     time.Time
	UpdatedAt     time.Time
}

// ReferralInput is what a form supplies to record a referral.
type ReferralInput struct {
	AgencyType string
	AgencyName string
	SentOn     string // 2024-03-08; empty means today
	Note       string
}

// Validate checks in against today (a UTC midnight of the date in China)
// and returns the referral to record, sent at now unless a date was given.
// Whether the agency type is in the dictionary is the store's to check.
func (in ReferralInput) Validate(now, today time.Time) (ReferralRecord, error) {
	f := apperr.Fields{}
	r := ReferralRecord{AgencyType: strings.TrimSpace(in.AgencyType), AgencyName: strings.TrimSpace(in.AgencyName),
		Note: strings.TrimSpace(in.Note), Status: ReferralSent, SentAt: now}
	if r.AgencyType == "" {
		f.Add("agency_type", "请选择转介机构类型")
	}
	tooLong(f, "agency_name", r.AgencyName, MaxAgencyName)
	tooLong(f, "note", r.Note, MaxRecordNote)
	if v := strings.TrimSpace(in.SentOn); v != "" {
		d, ok := parseDay(v)
		switch {
		case !ok:
			f.Add("sent_on", "日期格式应为2024-03-08")
		case d.After(today):
			f.Add("sent_on", "转介日期不能晚于今天")
		case !d.Equal(today):
			r.SentAt = dayStart(d)
		}
	}
	return r, f.Err()
}

// dayStart is the first instant of date d (a UTC midnight) in China.
func dayStart(d time.Time) time.Time {
	return time.Date(d.Year(), d.Month(), d.Day(), 0, 0, 0, 0, localtime.Zone).UTC()
}

// ReferralUpdate moves a referral on.
type ReferralUpdate struct {
	Status  ReferralStatus
	Outcome string
	Note    string
}

// Advance applies u to r at now. A referral only moves forward: sent,
// received, feedback; a step back or sideways is refused and r is
// returned unchanged. Feedback needs the outcome the agency reported.
func (r ReferralRecord) Advance(u ReferralUpdate, now time.Time) (ReferralRecord, error) {
	if !u.Status.Valid() {
		return r, apperr.Fields{"status": "请选择转介进展"}.Err()
	}
	if u.Status.rank() <= r.Status.rank() {
		return r, apperr.New(apperr.Conflict, fmt.Sprintf("转介当前为“%s”，不能改为“%s”：进展只能向前", r.Status.Label(), u.Status.Label())).WithCode("invalid_referral_status")
	}
	f := apperr.Fields{}
	outcome, note := strings.TrimSpace(u.Outcome), strings.TrimSpace(u.Note)
	if u.Status == ReferralFeedback && outcome == "" {
		f.Add("outcome", "请填写对方反馈的处理结果")
	}
	tooLong(f, "outcome", outcome, MaxOutcome)
	tooLong(f, "note", note, MaxRecordNote)
	if err := f.Err(); err != nil {
		return r, err
	}
	next := r
	next.Status, next.UpdatedAt = u.Status, now
	if next.ReceivedAt.IsZero() {
		// Feedback implies the agency received it.
		next.ReceivedAt = now
	}
	if u.Status == ReferralFeedback {
		next.FeedbackAt = now
	}
	if outcome != "" {
		next.Outcome = outcome
	}
	if note != "" {
		next.Note = note
	}
	return next, nil
}

// OrderKind is the kind of a protective document.
type OrderKind string

// The order kinds.
const (
	ProtectionOrder OrderKind = "protection_order" // 人身安全保护令 (issued by a court)
	WarningLetter   OrderKind = "warning_letter"   // 告诫书 (issued by the police)
	OtherOrder      OrderKind = "other"
)

// OrderKinds lists the kinds in display order.
func OrderKinds() []OrderKind { return []OrderKind{ProtectionOrder, WarningLetter, OtherOrder} }

// Label returns the Chinese name.
func (k OrderKind) Label() string {
	switch k {
	case ProtectionOrder:
		return "人身安全保护令"
	case WarningLetter:
		return "家庭暴力告诫书"
	case OtherOrder:
		return "其他"
	}
	return string(k)
}

// Valid reports whether k is known.
func (k OrderKind) Valid() bool { return k == ProtectionOrder || k == WarningLetter || k == OtherOrder }

// OrderReminderDays is how many days before expiry the handling org is
// reminded, and from when the order shows as expiring.
const OrderReminderDays = 7

// Order is a protection order or police warning letter recorded on a case.
type Order struct {
	ID            int64
	CaseID        int64
	Kind          OrderKind
	Issuer        string
	IssuedOn      time.Time // a date: UTC midnight
	ExpiresOn     time.Time // a date, or zero when it does not expire
	RemindedAt    time.Time
	Note          string
	CreatedBy     int64
	CreatedByName string
	CreatedAt     time.Time
}

// Expired reports whether the order has lapsed on today (a UTC midnight).
// An order is in force through its expiry date.
func (o Order) Expired(today time.Time) bool {
	return !o.ExpiresOn.IsZero() && today.After(o.ExpiresOn)
}

// Expiring reports whether the order is in force on today but lapses within
// OrderReminderDays.
func (o Order) Expiring(today time.Time) bool {
	return !o.ExpiresOn.IsZero() && !o.Expired(today) && !o.ExpiresOn.After(today.AddDate(0, 0, OrderReminderDays))
}

// DaysLeft is how many days the order stays in force after today.
func (o Order) DaysLeft(today time.Time) int {
	return int(o.ExpiresOn.Sub(today).Hours() / 24)
}

// OrderInput is what a form supplies to record an order.
type OrderInput struct {
	Kind      OrderKind
	Issuer    string
	IssuedOn  string // 2024-03-08
	ExpiresOn string // optional; after IssuedOn
	Note      string
}

// Validate checks in against today (a UTC midnight) and returns the order.
func (in OrderInput) Validate(today time.Time) (Order, error) {
	f := apperr.Fields{}
	o := Order{Kind: in.Kind, Issuer: strings.TrimSpace(in.Issuer), Note: strings.TrimSpace(in.Note)}
	if !o.Kind.Valid() {
		f.Add("kind", "请选择类型")
	}
	if o.Issuer == "" {
		f.Add("issuer", "请填写签发机关，如××区人民法院、××派出所")
	}
	tooLong(f, "issuer", o.Issuer, MaxIssuer)
	tooLong(f, "note", o.Note, MaxRecordNote)
	var ok bool
	switch v := strings.TrimSpace(in.IssuedOn); {
	case v == "":
		f.Add("issued_on", "请填写签发日期")
	default:
		if o.IssuedOn, ok = parseDay(v); !ok {
			f.Add("issued_on", "日期格式应为2024-03-08")
		} else if o.IssuedOn.After(today) {
			f.Add("issued_on", "签发日期不能晚于今天")
		}
	}
	if v := strings.TrimSpace(in.ExpiresOn); v != "" {
		if o.ExpiresOn, ok = parseDay(v); !ok {
			f.Add("expires_on", "日期格式应为2024-03-08")
		} else if !o.IssuedOn.IsZero() && !o.ExpiresOn.After(o.IssuedOn) {
			f.Add("expires_on", "有效期至必须晚于签发日期")
		}
	}
	return o, f.Err()
}

// Mediation is one mediation session (调解).
type Mediation struct {
	ID            int64
	CaseID        int64
	HeldOn        time.Time // a date: UTC midnight
	Participants  string
	Agreed        bool
	Agreement     string // sensitive: encrypted at rest
	Note          string
	CreatedBy     int64
	CreatedByName string
	CreatedAt     time.Time
}

// MediationInput is what a form supplies to record a session.
type MediationInput struct {
	HeldOn       string // 2024-03-08
	Participants string
	Agreed       bool
	Agreement    string
	Note         string
}

// Validate checks in against today (a UTC midnight) and returns the session.
func (in MediationInput) Validate(today time.Time) (Mediation, error) {
	f := apperr.Fields{}
	m := Mediation{Participants: strings.TrimSpace(in.Participants), Agreed: in.Agreed,
		Agreement: strings.TrimSpace(in.Agreement), Note: strings.TrimSpace(in.Note)}
	var ok bool
	switch v := strings.TrimSpace(in.HeldOn); {
	case v == "":
		f.Add("held_on", "请填写调解日期")
	default:
		if m.HeldOn, ok = parseDay(v); !ok {
			f.Add("held_on", "日期格式应为2024-03-08")
		} else if m.HeldOn.After(today) {
			f.Add("held_on", "调解日期不能晚于今天")
		}
	}
	if m.Participants == "" {
		f.Add("participants", "请填写参加调解的人员")
	}
	tooLong(f, "participants", m.Participants, MaxParticipants)
	if m.Agreed && m.Agreement == "" {
		f.Add("agreement", "达成协议的，请填写协议内容")
	}
	tooLong(f, "agreement", m.Agreement, MaxAgreement)
	tooLong(f, "note", m.Note, MaxRecordNote)
	return m, f.Err()
}

// MaxAttachmentBytes is the largest attachment accepted.
const MaxAttachmentBytes = 10 << 20

// MaxFilename is the longest attachment name kept, in characters.
const MaxFilename = 100

// Attachment is an evidence file kept with a case: photos, PDFs,
// documents. Its bytes are stored encrypted and served only through an
// authorised, audited download.
type Attachment struct {
	ID            int64
	CaseID        int64
	Filename      string
	ContentType   string // sniffed from the bytes, never the client's claim
	Size          int64
	SHA256        string // hex
	CreatedBy     int64
	CreatedByName string
	CreatedAt     time.Time
}

// Kind names the kind of file in Chinese.
func (a Attachment) Kind() string {
	switch {
	case strings.HasPrefix(a.ContentType, "image/"):
		return "图片"
	case a.ContentType == "application/pdf":
		return "PDF"
	case strings.HasPrefix(a.ContentType, "text/plain"):
		return "文本"
	}
	return "文档"
}

// SizeLabel shows the size as 12 KB or 3.4 MB.
func (a Attachment) SizeLabel() string {
	switch {
	case a.Size < 1<<10:
		return fmt.Sprintf("%d B", a.Size)
	case a.Size < 1<<20:
		return fmt.Sprintf("%d KB", (a.Size+1<<10-1)>>10)
	}
	return fmt.Sprintf("%.1f MB", float64(a.Size)/(1<<20))
}

// The accepted types, as sniffed. Office documents sniff as ZIP and are
// told apart by their extension, then served with their own type.
var (
	sniffedTypes = map[string]bool{
		"image/jpeg": true, "image/png": true, "image/gif": true, "image/webp": true, "application/pdf": true,
	}
	officeTypes = map[string]string{
		".docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
		".xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
		".pptx": "application/vnd.openxmlformats-officedocument.presentationml.presentation",
	}
)

// AttachmentAccept is the file chooser's accept list.
const AttachmentAccept = ".jpg,.jpeg,.png,.gif,.webp,.pdf,.docx,.xlsx,.pptx,.txt"

var errAttachmentType = apperr.Fields{"file": "只能上传图片（JPG、PNG、GIF、WebP）、PDF、Word/Excel/PowerPoint文档（.docx/.xlsx/.pptx）或文本文件（.txt）"}.Err()

// AttachmentType decides the type an upload is stored and served with
// from its bytes (the WHATWG sniffing algorithm of http.DetectContentType,
// a pure function) and, for ZIP-based office documents and plain text, its
// extension. The client's Content-Type header is never consulted: a
// program renamed to .pdf sniffs as application/octet-stream and is refused.
func AttachmentType(data []byte, filename string) (string, error) {
	if len(data) == 0 {
		return "", apperr.Fields{"file": "文件是空的，请重新选择"}.Err()
	}
	if len(data) > MaxAttachmentBytes {
		return "", apperr.New(apperr.TooLarge, "文件过大，单个附件最大10 MB").WithCode("file_too_large")
	}
	sniffed := http.DetectContentType(data)
	ext := strings.ToLower(path.Ext(filename))
	switch {
	case sniffedTypes[sniffed]:
		return sniffed, nil
	case sniffed == "application/zip" && officeTypes[ext] != "":
		// A real OOXML package names its parts in [Content_Types].xml; a
		// plain archive renamed .docx does not.
		zr, err := zip.NewReader(bytes.NewReader(data), int64(len(data)))
		if err != nil {
			return "", errAttachmentType
		}
		for _, f := range zr.File {
			if f.Name == "[Content_Types].xml" {
				return officeTypes[ext], nil
			}
		}
		return "", errAttachmentType
	case sniffed == "text/plain; charset=utf-8" && ext == ".txt":
		return sniffed, nil
	}
	return "", errAttachmentType
}

// SanitizeFilename keeps the base name of an uploaded file without paths,
// control or direction-override characters, at most MaxFilename
// characters with its extension kept. An empty result becomes "附件".
func SanitizeFilename(name string) string {
	if i := strings.LastIndexAny(name, `/\`); i >= 0 {
		name = name[i+1:]
	}
	name = strings.Map(func(r rune) rune {
		switch {
		case r == utf8.RuneError, unicode.IsControl(r), unicode.Is(unicode.Cf, r):
			return -1
		case r == '"' || r == '<' || r == '>' || r == ':' || r == '|' || r == '?' || r == '*':
			return '_'
		case unicode.IsSpace(r):
			return ' '
		}
		return r
	}, strings.ToValidUTF8(name, ""))
	name = strings.Trim(name, " .")
	if name == "" {
		return "附件"
	}
	if utf8.RuneCountInString(name) > MaxFilename {
		ext := path.Ext(name)
		if utf8.RuneCountInString(ext) > 10 {
			ext = ""
		}
		base := []rune(strings.TrimSuffix(name, ext))
		name = strings.TrimRight(string(base[:MaxFilename-utf8.RuneCountInString(ext)]), " .") + ext
	}
	return name
}
