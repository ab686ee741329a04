package cases

import (
	"archive/zip"
	"bytes"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"jinguo/internal/apperr"
)

func day(s string) time.Time {
	t, _ := time.Parse("2006-01-02", s)
	return t
}

func TestReferralAdvanceOnlyForward(t *testing.T) {
	now := time.Date(2024, 3, 8, 2, 0, 0, 0, time.UTC)
	statuses := []ReferralStatus{ReferralSent, ReferralReceived, ReferralFeedback}
	for _, from := range statuses {
		for _, to := range statuses {
			r := ReferralRecord{ID: 1, Status: from}
			got, err := r.Advance(ReferralUpdate{Status: to, Outcome: "已出具告诫书"}, now)
			forward := to.rank() > from.rank()
			if forward && err != nil {
				t.Errorf("%s → %s: %v, want allowed", from, to, err)
			}
			if !forward {
				if !apperr.Is(err, apperr.Conflict) {
					t.Errorf("%s → %s: %v, want conflict", from, to, err)
				}
				if got != r {
					t.Errorf("%s → %s: refused move changed the referral to %+v", from, to, got)
				}
			}
			if forward && to == ReferralFeedback && (got.ReceivedAt.IsZero() || got.FeedbackAt.IsZero()) {
				t.Errorf("%s → feedback: received %v feedback %v, want both set", from, got.ReceivedAt, got.FeedbackAt)
			}
		}
	}
	if _, err := (ReferralRecord{Status: ReferralReceived}).Advance(ReferralUpdate{Status: ReferralFeedback}, now); err == nil {
		t.Error("feedback without an outcome accepted")
	}
	if _, err := (ReferralRecord{Status: ReferralSent}).Advance(ReferralUpdate{Status: "lost"}, now); !apperr.Is(err, apperr.Invalid) {
		t.Errorf("unknown status: %v, want invalid", err)
	}
	if got := ReferralSent.Next(); len(got) != 2 || got[0] != ReferralReceived {
		t.Errorf("sent.Next() = %v", got)
	}
	if got := ReferralFeedback.Next(); len(got) != 0 {
		t.Errorf("feedback.Next() = %v, want none", got)
	}
}

func TestReferralInput(t *testing.T) {
	now := time.Date(2024, 3, 8, 2, 0, 0, 0, time.UTC)
	today := day("2024-03-08")
	tests := []struct {
		name  string
		in    ReferralInput
		field string
	}{
		{"ok", ReferralInput{AgencyType: "police", AgencyName: "清波派出所"}, ""},
		{"no type", ReferralInput{AgencyName: "清波派出所"}, "agency_type"},
		{"future", ReferralInput{AgencyType: "police", SentOn: "2024-03-09"}, "sent_on"},
		{"bad date", ReferralInput{AgencyType: "police", SentOn: "3/8"}, "sent_on"},
		{"long name", ReferralInput{AgencyType: "police", AgencyName: strings.Repeat("所", 101)}, "agency_name"},
	}
	for _, tt := range tests {
		r, err := tt.in.Validate(now, today)
		if tt.field == "" {
			if err != nil || r.Status != ReferralSent || !r.SentAt.Equal(now) {
				t.Errorf("%s: %+v, %v", tt.name, r, err)
			}
			continue
		}
		if e := apperr.As(err); e == nil || e.Fields[tt.field] == "" {
			t.Errorf("%s: %v, want an error on %s", tt.name, err, tt.field)
		}
	}
	r, err := ReferralInput{AgencyType: "court", SentOn: "2024-03-05"}.Validate(now, today)
	if err != nil || !r.SentAt.Equal(time.Date(2024, 3, 4, 16, 0, 0, 0, time.UTC)) {
		t.Errorf("sent on 5 March: %v (%v), want the start of that day in China", r.SentAt, err)
	}
}

func TestOrderInput(t *testing.T) {
	today := day("2024-03-08")
	tests := []struct {
		name  string
		in    OrderInput
		field string
	}{
		{"ok", OrderInput{Kind: ProtectionOrder, Issuer: "上城区人民法院", IssuedOn: "2024-03-01", ExpiresOn: "2024-09-01"}, ""},
		{"no expiry", OrderInput{Kind: WarningLetter, Issuer: "清波派出所", IssuedOn: "2024-03-01"}, ""},
		{"expires same day", OrderInput{Kind: ProtectionOrder, Issuer: "法院", IssuedOn: "2024-03-01", ExpiresOn: "2024-03-01"}, "expires_on"},
		{"expires before", OrderInput{Kind: ProtectionOrder, Issuer: "法院", IssuedOn: "2024-03-01", ExpiresOn: "2024-02-01"}, "expires_on"},
		{"bad expiry", OrderInput{Kind: ProtectionOrder, Issuer: "法院", IssuedOn: "2024-03-01", ExpiresOn: "soon"}, "expires_on"},
		{"issued in future", OrderInput{Kind: ProtectionOrder, Issuer: "法院", IssuedOn: "2024-03-09"}, "issued_on"},
		{"no issue date", OrderInput{Kind: ProtectionOrder, Issuer: "法院"}, "issued_on"},
		{"no issuer", OrderInput{Kind: ProtectionOrder, IssuedOn: "2024-03-01"}, "issuer"},
		{"bad kind", OrderInput{Kind: "ban", Issuer: "法院", IssuedOn: "2024-03-01"}, "kind"},
	}
	for _, tt := range tests {
		_, err := tt.in.Validate(today)
		if tt.field == "" {
			if err != nil {
				t.Errorf("%s: %v", tt.name, err)
			}
			continue
		}
		if e := apperr.As(err); e == nil || e.Fields[tt.field] == "" {
			t.Errorf("%s: %v, want an error on %s", tt.name, err, tt.field)
		}
	}
}

func TestOrderExpiry(t *testing.T) {
	o := Order{ExpiresOn: day("2024-03-15")}
	for _, tt := range []struct {
		today             string
		expiring, expired bool
		left              int
	}{
		{"2024-03-01", false, false, 14},
		{"2024-03-08", true, false, 7},
		{"2024-03-15", true, false, 0},
		{"2024-03-16", false, true, -1},
	} {
		d := day(tt.today)
		if o.Expiring(d) != tt.expiring || o.Expired(d) != tt.expired || o.DaysLeft(d) != tt.left {
			t.Errorf("on %s: expiring %v expired %v left %d, want %v %v %d", tt.today, o.Expiring(d), o.Expired(d), o.DaysLeft(d), tt.expiring, tt.expired, tt.left)
		}
	}
	if (Order{}).Expiring(day("2024-03-08")) || (Order{}).Expired(day("2099-01-01")) {
		t.Error("an order without expiry expires")
	}
}

func TestMediationInput(t *testing.T) {
	today := day("2024-03-08")
	if _, err := (MediationInput{HeldOn: "2024-03-08", Participants: "双方当事人", Agreed: true}).Validate(today); err == nil {
		t.Error("agreement reached without its text accepted")
	}
	if _, err := (MediationInput{HeldOn: "2024-03-08", Participants: "双方当事人"}).Validate(today); err != nil {
		t.Errorf("no agreement: %v", err)
	}
	if _, err := (MediationInput{HeldOn: "2024-03-09", Participants: "双方"}).Validate(today); err == nil {
		t.Error("mediation in the future accepted")
	}
	if _, err := (MediationInput{HeldOn: "2024-03-08"}).Validate(today); err == nil {
		t.Error("mediation without participants accepted")
	}
}

// pngBytes is a 1×1 PNG.
var pngBytes = []byte("\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00\x1f\x15\xc4\x89\x00\x00\x00\rIDATx\x9cc\xf8\xff\xff?\x00\x05\xfe\x02\xfe\xa7\x35\x81\x84\x00\x00\x00\x00IEND\xaeB`\x82")

func zipWith(t *testing.T, names ...string) []byte {
	t.Helper()
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	for _, n := range names {
		w, err := zw.Create(n)
		if err != nil {
			t.Fatal(err)
		}
		w.Write([]byte("<x/>"))
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func TestAttachmentType(t *testing.T) {
	docx := zipWith(t, "[Content_Types].xml", "word/document.xml")
	plainZip := zipWith(t, "a.txt")
	exe := append([]byte("MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff"), make([]byte, 200)...)
	tests := []struct {
		name, file string
		data       []byte
		want       string // "" = refused
	}{
		{"png", "伤情.png", pngBytes, "image/png"},
		{"png named jpg", "伤情.jpg", pngBytes, "image/png"},
		{"jpeg", "a.jpg", append([]byte("\xff\xd8\xff\xe0"), make([]byte, 20)...), "image/jpeg"},
		{"gif", "a.gif", []byte("GIF89a\x01\x00\x01\x00"), "image/gif"},
		{"webp", "a.webp", []byte("RIFF\x1a\x00\x00\x00WEBPVP8 "), "image/webp"},
		{"pdf", "判决书.pdf", []byte("%PDF-1.7\n%\xe2\xe3\xcf\xd3\n"), "application/pdf"},
		{"docx", "协议.docx", docx, "application/vnd.openxmlformats-officedocument.wordprocessingml.document"},
		{"xlsx", "清单.XLSX", docx, "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"},
		{"zip named zip", "a.zip", docx, ""},
		{"plain zip named docx", "a.docx", plainZip, ""},
		{"txt", "记录.txt", []byte("2024年3月8日 来电记录"), "text/plain; charset=utf-8"},
		{"text named pdf", "a.pdf", []byte("not a pdf"), ""},
		{"exe named pdf", "判决书.pdf", exe, ""},
		{"html", "a.txt", []byte("<html><script>alert(1)</script>"), ""},
		{"svg", "a.png", []byte(`<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>`), ""},
		{"empty", "a.png", nil, ""},
	}
	for _, tt := range tests {
		got, err := AttachmentType(tt.data, tt.file)
		if tt.want == "" {
			if err == nil {
				t.Errorf("%s: accepted as %s, want refused", tt.name, got)
			}
			continue
		}
		if err != nil || got != tt.want {
			t.Errorf("%s: got %q (%v), want %q", tt.name, got, err, tt.want)
		}
	}
	big := make([]byte, MaxAttachmentBytes+1)
	copy(big, pngBytes)
	if _, err := AttachmentType(big, "a.png"); !apperr.Is(err, apperr.TooLarge) {
		t.Errorf("over 10 MiB: %v, want too large", err)
	}
}

func TestSanitizeFilename(t *testing.T) {
	tests := []struct{ in, want string }{
		{"伤情照片.jpg", "伤情照片.jpg"},
		{"../../etc/passwd", "passwd"},
		{`C:\Users\王\证据.pdf`, "证据.pdf"},
		{"a\x00b\r\n.txt", "ab.txt"},
		{"invoice\u202Egpj.exe", "invoicegpj.exe"},
		{`say "hi".txt`, "say _hi_.txt"},
		{"...", "附件"},
		{"", "附件"},
		{"/", "附件"},
		{"bad\xffutf8.png", "badutf8.png"},
	}
	for _, tt := range tests {
		if got := SanitizeFilename(tt.in); got != tt.want {
			t.Errorf("SanitizeFilename(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
	long := SanitizeFilename(strings.Repeat("证", 150) + ".pdf")
	if n := utf8.RuneCountInString(long); n != MaxFilename || !strings.HasSuffix(long, ".pdf") {
		t.Errorf("long name: %d runes %q, want %d ending .pdf", n, long, MaxFilename)
	}
}
