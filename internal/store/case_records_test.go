package store_test

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"jinguo/internal/apperr"
	"jinguo/internal/audit"
	"jinguo/internal/auth"
	"jinguo/internal/cases"
	"jinguo/internal/localtime"
	"jinguo/internal/secret"
	"jinguo/internal/store"
	"jinguo/internal/store/storetest"
)

// recordsFixture is a restricted case at the township T1, registered and
// handled by one cadre, with a colleague at the same org who must not see
// its records.
type recordsFixture struct {
	tree      storetest.Tree
	handler   auth.Actor
	colleague auth.Actor
	caseID    int64
}

func newRecordsFixture(t *testing.T, s *store.Store, restricted bool) recordsFixture {
	t.Helper()
	tr := storetest.BuildTree(t, s)
	f := recordsFixture{tree: tr}
	f.handler = storetest.ActorFor(t, s, tr.T1, auth.RoleCadre)
	f.handler.UserID = 9101
	f.colleague = storetest.ActorFor(t, s, tr.T1, auth.RoleCadre)
	f.colleague.UserID = 9102
	c, _, err := s.CreateCase(context.Background(), f.handler, cases.Intake{Channel: cases.Visit, Category: "divorce",
		Summary: "离婚后前夫多次上门骚扰", Description: "求助人称前夫多次上门威胁。", OrgID: tr.T1.ID, Restricted: restricted})
	if err != nil {
		t.Fatal(err)
	}
	f.caseID = c.ID
	return f
}

func countRows(t *testing.T, s *store.Store, query string, args ...any) int {
	t.Helper()
	var n int
	if err := s.DB().QueryRow(query, args...).Scan(&n); err != nil {
		t.Fatalf("%s: %v", query, err)
	}
	return n
}

func TestReferralStatusOnlyForward(t *testing.T) {
	storetest.ForEach(t, storetest.Options{}, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		f := newRecordsFixture(t, s, false)
		if _, err := s.AddReferral(ctx, f.handler, f.caseID, cases.ReferralInput{AgencyType: "spaceport"}); apperr.As(err) == nil || apperr.As(err).Fields["agency_type"] == "" {
			t.Errorf("unknown agency type: %v, want a field error", err)
		}
		ref, err := s.AddReferral(ctx, f.handler, f.caseID, cases.ReferralInput{AgencyType: "police", AgencyName: "清波派出所", Note: "协助出具告诫书"})
		if err != nil {
			t.Fatal(err)
		}
		if ref.Status != cases.ReferralSent {
			t.Errorf("new referral status %s, want sent", ref.Status)
		}
		step := func(to cases.ReferralStatus, outcome string) error {
			_, err := s.UpdateReferralStatus(ctx, f.handler, f.caseID, ref.ID, cases.ReferralUpdate{Status: to, Outcome: outcome})
			return err
		}
		if err := step(cases.ReferralReceived, ""); err != nil {
			t.Fatalf("sent → received: %v", err)
		}
		if err := step(cases.ReferralSent, ""); !apperr.Is(err, apperr.Conflict) {
			t.Errorf("received → sent: %v, want conflict", err)
		}
		if err := step(cases.ReferralReceived, ""); !apperr.Is(err, apperr.Conflict) {
			t.Errorf("received → received: %v, want conflict", err)
		}
		if err := step(cases.ReferralFeedback, "已对施暴人出具家庭暴力告诫书"); err != nil {
			t.Fatalf("received → feedback: %v", err)
		}
		if err := step(cases.ReferralReceived, ""); !apperr.Is(err, apperr.Conflict) {
			t.Errorf("feedback → received: %v, want conflict", err)
		}
		list, err := s.ListReferrals(ctx, f.handler, f.caseID)
		if err != nil || len(list) != 1 {
			t.Fatalf("list: %v (%v), want one", list, err)
		}
		got := list[0]
		if got.Status != cases.ReferralFeedback || got.Outcome != "已对施暴人出具家庭暴力告诫书" || got.ReceivedAt.IsZero() || got.FeedbackAt.IsZero() || got.AgencyName != "清波派出所" {
			t.Errorf("after feedback: %+v", got)
		}
		if _, err := s.UpdateReferralStatus(ctx, f.handler, f.caseID+1000, ref.ID, cases.ReferralUpdate{Status: cases.ReferralFeedback}); !apperr.Is(err, apperr.NotFound) {
			t.Errorf("referral under another case id: %v, want not found", err)
		}
		events, err := s.CaseTimeline(ctx, f.handler, f.caseID, true)
		if err != nil {
			t.Fatal(err)
		}
		var actions []string
		for _, e := range events {
			actions = append(actions, e.Action)
		}
		if want := "register referral referral_status referral_status"; strings.Join(actions, " ") != want {
			t.Errorf("timeline %v, want %s", actions, want)
		}
		if last := events[len(events)-1]; !strings.Contains(last.Note, "公安机关") || !strings.Contains(last.Note, "已反馈") {
			t.Errorf("last event note %q, want the agency and the status", last.Note)
		}
		if n := countRows(t, s, `SELECT COUNT(*) FROM audit_log WHERE entity = 'referral'`); n != 3 {
			t.Errorf("%d referral audit entries, want 3 (create and two moves)", n)
		}
	})
}

func TestOrderExpiryValidation(t *testing.T) {
	clock := storetest.NewClock(time.Date(2024, 3, 8, 2, 0, 0, 0, time.UTC))
	storetest.ForEach(t, storetest.Options{Now: clock.Now}, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		f := newRecordsFixture(t, s, false)
		_, err := s.AddOrder(ctx, f.handler, f.caseID, cases.OrderInput{Kind: cases.ProtectionOrder, Issuer: "上城区人民法院", IssuedOn: "2024-03-01", ExpiresOn: "2024-02-28"})
		if e := apperr.As(err); e == nil || e.Fields["expires_on"] == "" {
			t.Errorf("expiry before issue: %v, want an error on expires_on", err)
		}
		if _, err := s.AddOrder(ctx, f.handler, f.caseID, cases.OrderInput{Kind: cases.ProtectionOrder, Issuer: "上城区人民法院", IssuedOn: "2024-03-09"}); err == nil {
			t.Error("order issued tomorrow accepted")
		}
		o, err := s.AddOrder(ctx, f.handler, f.caseID, cases.OrderInput{Kind: cases.ProtectionOrder, Issuer: "上城区人民法院", IssuedOn: "2024-03-01", ExpiresOn: "2024-09-01"})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := s.AddOrder(ctx, f.handler, f.caseID, cases.OrderInput{Kind: cases.WarningLetter, Issuer: "清波派出所", IssuedOn: "2024-03-02"}); err != nil {
			t.Fatalf("warning letter without expiry: %v", err)
		}
		list, err := s.ListOrders(ctx, f.handler, f.caseID)
		if err != nil || len(list) != 2 {
			t.Fatalf("orders %v (%v), want 2", list, err)
		}
		if list[0].ID != o.ID || list[0].ExpiresOn.Format("2006-01-02") != "2024-09-01" || !list[1].ExpiresOn.IsZero() {
			t.Errorf("orders read back: %+v", list)
		}
	})
}

// openTwice opens two stores on one database, as two servers behind a load
// balancer would.
func openTwice(t *testing.T, engine store.Engine, now func() time.Time) (*store.Store, *store.Store) {
	t.Helper()
	key := make([]byte, secret.KeySize)
	key[0] = 7
	cfg := store.Config{Now: now}
	switch engine {
	case store.SQLite:
		cfg.DataDir = t.TempDir()
	case store.Postgres:
		cfg.URL = storetest.PostgresURL(t)
	}
	open := func() *store.Store {
		box, err := secret.New(key)
		if err != nil {
			t.Fatal(err)
		}
		c := cfg
		c.Box = box
		s, err := store.Open(context.Background(), c)
		if err != nil {
			t.Fatalf("open %s: %v", engine, err)
		}
		t.Cleanup(func() { s.Close() })
		return s
	}
	return open(), open()
}

func TestOrderReminderOnce(t *testing.T) {
	clock := storetest.NewClock(time.Date(2024, 3, 1, 2, 0, 0, 0, time.UTC))
	for _, engine := range storetest.Engines() {
		t.Run(string(engine), func(t *testing.T) {
			clock.Set(time.Date(2024, 3, 1, 2, 0, 0, 0, time.UTC)) // Friday 1 March, 10:00 in China
			ctx := context.Background()
			s1, s2 := openTwice(t, engine, clock.Now)
			f := newRecordsFixture(t, s1, true)
			add := func(issued, expires string) {
				t.Helper()
				if _, err := s1.AddOrder(ctx, f.handler, f.caseID, cases.OrderInput{Kind: cases.ProtectionOrder, Issuer: "上城区人民法院", IssuedOn: issued, ExpiresOn: expires}); err != nil {
					t.Fatal(err)
				}
			}
			add("2024-02-01", "2024-03-08") // 7 days away: remind now
			add("2024-02-01", "2024-03-20") // later
			add("2024-01-01", "2024-02-20") // already lapsed: no reminder
			add("2024-02-01", "")           // no expiry
			reminded := func() int {
				return countRows(t, s1, `SELECT COUNT(*) FROM notifications WHERE kind = 'order_expiring' AND org_id = $1`, f.tree.T1.ID)
			}
			// Two servers sweep at the same moment, then again.
			total := 0
			done := make(chan int, 2)
			for _, s := range []*store.Store{s1, s2} {
				go func() {
					n, err := s.RemindExpiringOrders(ctx, 7*24*time.Hour)
					if err != nil {
						t.Error(err)
					}
					done <- n
				}()
			}
			total += <-done + <-done
			for _, s := range []*store.Store{s2, s1} {
				n, err := s.RemindExpiringOrders(ctx, 7*24*time.Hour)
				if err != nil {
					t.Fatal(err)
				}
				total += n
			}
			if total != 1 || reminded() != 1 {
				t.Errorf("after four sweeps on two servers: %d sent, %d notifications, want 1", total, reminded())
			}
			// Twelve days later the second order comes into the window.
			clock.Set(time.Date(2024, 3, 13, 2, 0, 0, 0, time.UTC))
			for range 2 {
				if _, err := s2.RemindExpiringOrders(ctx, 7*24*time.Hour); err != nil {
					t.Fatal(err)
				}
				if _, err := s1.RemindExpiringOrders(ctx, 7*24*time.Hour); err != nil {
					t.Fatal(err)
				}
			}
			if got := reminded(); got != 2 {
				t.Errorf("after the second order came due: %d notifications, want 2", got)
			}
			events, err := s1.CaseTimeline(ctx, f.handler, f.caseID, true)
			if err != nil {
				t.Fatal(err)
			}
			n := 0
			for _, e := range events {
				if e.Action == cases.EventOrderExpiring {
					n++
				}
			}
			if n != 2 {
				t.Errorf("%d reminder events on the timeline, want 2", n)
			}
		})
	}
}

func TestMediationAgreementEncrypted(t *testing.T) {
	dir := t.TempDir()
	s, err := store.Open(context.Background(), store.Config{DataDir: dir, Box: storetest.Box(t)})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	ctx := context.Background()
	f := newRecordsFixture(t, s, false)
	const agreement = "男方每月支付抚养费人民币贰仟元整并不再上门滋扰"
	const participants = "双方当事人及清波街道调解委员会调解员"
	m, err := s.AddMediation(ctx, f.handler, f.caseID, cases.MediationInput{HeldOn: s.Now().Format("2006-01-02"),
		Participants: participants, Agreed: true, Agreement: agreement})
	if err != nil {
		t.Fatal(err)
	}
	list, err := s.ListMediations(ctx, f.handler, f.caseID)
	if err != nil || len(list) != 1 || list[0].Agreement != agreement || !list[0].Agreed || list[0].ID != m.ID {
		t.Fatalf("read back %+v (%v)", list, err)
	}
	var raw []byte
	for _, name := range []string{"jinguo.db", "jinguo.db-wal"} {
		b, err := os.ReadFile(filepath.Join(dir, name))
		if err != nil && !os.IsNotExist(err) {
			t.Fatal(err)
		}
		raw = append(raw, b...)
	}
	if !bytes.Contains(raw, []byte(participants)) {
		t.Fatal("the participants are not in the database files: the scan reads the wrong files")
	}
	if bytes.Contains(raw, []byte(agreement)) || bytes.Contains(raw, []byte("贰仟元整")) {
		t.Error("the mediation agreement is stored in plaintext")
	}
}

// pngFile is a 1×1 PNG with some trailing bytes.
var pngFile = append([]byte("\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00\x1f\x15\xc4\x89\x00\x00\x00\rIDATx\x9cc\xf8\xff\xff?\x00\x05\xfe\x02\xfe\xa7\x35\x81\x84\x00\x00\x00\x00IEND\xaeB`\x82"), bytes.Repeat([]byte{0, 1, 2, 255}, 300)...)

func TestAttachments(t *testing.T) {
	storetest.ForEach(t, storetest.Options{}, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		f := newRecordsFixture(t, s, true)
		att, err := s.AddAttachment(ctx, f.handler, f.caseID, "../../伤情照片\x00.png", pngFile)
		if err != nil {
			t.Fatal(err)
		}
		if att.ContentType != "image/png" || att.Filename != "伤情照片.png" || att.Size != int64(len(pngFile)) || len(att.SHA256) != 64 {
			t.Errorf("stored %+v", att)
		}
		got, data, err := s.OpenAttachment(ctx, f.handler, f.caseID, att.ID)
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(data, pngFile) || got.SHA256 != att.SHA256 {
			t.Errorf("downloaded %d bytes, want the %d uploaded, byte-identical", len(data), len(pngFile))
		}
		var stored []byte
		if err := s.DB().QueryRow(`SELECT data_enc FROM attachments WHERE id = $1`, att.ID).Scan(&stored); err != nil {
			t.Fatal(err)
		}
		if bytes.Contains(stored, pngFile[:64]) {
			t.Error("attachment stored unencrypted")
		}
		if n := countRows(t, s, `SELECT COUNT(*) FROM audit_log WHERE entity = 'attachment' AND action = $1 AND entity_id = $2`, string(audit.Export), att.ID); n != 1 {
			t.Errorf("%d download audit entries, want 1", n)
		}

		exe := append([]byte("MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff\x00\x00"), bytes.Repeat([]byte{0x90}, 4096)...)
		if _, err := s.AddAttachment(ctx, f.handler, f.caseID, "判决书.pdf", exe); !apperr.Is(err, apperr.Invalid) {
			t.Errorf("an .exe renamed .pdf: %v, want refused as invalid", err)
		}
		big := make([]byte, cases.MaxAttachmentBytes+1)
		copy(big, pngFile)
		if _, err := s.AddAttachment(ctx, f.handler, f.caseID, "big.png", big); !apperr.Is(err, apperr.TooLarge) {
			t.Errorf("over 10 MiB: %v, want too large", err)
		}
		exactly := make([]byte, cases.MaxAttachmentBytes)
		copy(exactly, pngFile)
		if _, err := s.AddAttachment(ctx, f.handler, f.caseID, "exactly.png", exactly); err != nil {
			t.Errorf("exactly 10 MiB: %v, want accepted", err)
		}

		// Restricted: the same-org colleague gets not found for everything.
		if _, _, err := s.OpenAttachment(ctx, f.colleague, f.caseID, att.ID); !apperr.Is(err, apperr.NotFound) {
			t.Errorf("colleague downloads: %v, want not found", err)
		}
		if _, err := s.ListAttachments(ctx, f.colleague, f.caseID); !apperr.Is(err, apperr.NotFound) {
			t.Errorf("colleague lists attachments: %v, want not found", err)
		}
		if _, err := s.ListReferrals(ctx, f.colleague, f.caseID); !apperr.Is(err, apperr.NotFound) {
			t.Errorf("colleague lists referrals: %v, want not found", err)
		}
		if _, err := s.ListMediations(ctx, f.colleague, f.caseID); !apperr.Is(err, apperr.NotFound) {
			t.Errorf("colleague lists mediations: %v, want not found", err)
		}
		if _, err := s.AddAttachment(ctx, f.colleague, f.caseID, "x.png", pngFile); !apperr.Is(err, apperr.NotFound) {
			t.Errorf("colleague uploads: %v, want not found", err)
		}
		if err := s.DeleteAttachment(ctx, f.colleague, f.caseID, att.ID); !apperr.Is(err, apperr.NotFound) {
			t.Errorf("colleague deletes: %v, want not found", err)
		}
		// A supervisor up the chain may, once she has opened the case on
		// purpose; a peer district is out of scope.
		d1 := storetest.ActorFor(t, s, f.tree.D1, auth.RoleOrgAdmin)
		d1.UserID = 9901
		if _, _, err := s.OpenAttachment(ctx, d1, f.caseID, att.ID); !apperr.Is(err, apperr.NotFound) {
			t.Errorf("district supervisor downloads before opening the case: %v, want not found", err)
		}
		if _, err := s.GetCase(ctx, d1, f.caseID, true); err != nil {
			t.Fatal(err)
		}
		if _, _, err := s.OpenAttachment(ctx, d1, f.caseID, att.ID); err != nil {
			t.Errorf("district supervisor downloads after opening: %v", err)
		}
		d2 := storetest.ActorFor(t, s, f.tree.D2, auth.RoleOrgAdmin)
		if _, _, err := s.OpenAttachment(ctx, d2, f.caseID, att.ID); !apperr.Is(err, apperr.NotFound) {
			t.Errorf("peer district downloads: %v, want not found", err)
		}
		// The attachment id must belong to the case in the path.
		other := newOtherCase(t, s, f)
		if _, _, err := s.OpenAttachment(ctx, f.handler, other, att.ID); !apperr.Is(err, apperr.NotFound) {
			t.Errorf("attachment fetched under another case: %v, want not found", err)
		}

		if err := s.DeleteAttachment(ctx, f.handler, f.caseID, att.ID); err != nil {
			t.Fatal(err)
		}
		if _, _, err := s.OpenAttachment(ctx, f.handler, f.caseID, att.ID); !apperr.Is(err, apperr.NotFound) {
			t.Errorf("deleted attachment: %v, want not found", err)
		}
		if n := countRows(t, s, `SELECT COUNT(*) FROM case_events WHERE case_id = $1 AND action = 'attachment_deleted'`, f.caseID); n != 1 {
			t.Errorf("%d delete events on the timeline, want 1", n)
		}
		if n := countRows(t, s, `SELECT COUNT(*) FROM audit_log WHERE entity = 'attachment' AND action = $1`, string(audit.Delete)); n != 1 {
			t.Errorf("%d delete audit entries, want 1", n)
		}
	})
}

// newOtherCase registers a second, unrestricted case by the same handler.
func newOtherCase(t *testing.T, s *store.Store, f recordsFixture) int64 {
	t.Helper()
	c, _, err := s.CreateCase(context.Background(), f.handler, cases.Intake{Channel: cases.Visit, Category: "divorce", Summary: "财产分割咨询", OrgID: f.tree.T1.ID})
	if err != nil {
		t.Fatal(err)
	}
	return c.ID
}

func TestArchivedCaseRecordsReadOnly(t *testing.T) {
	storetest.ForEach(t, storetest.Options{}, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		f := newRecordsFixture(t, s, false)
		if _, err := s.Transition(ctx, f.handler, f.caseID, cases.Decline, cases.Input{Reason: "不属于受理范围"}); err != nil {
			t.Fatal(err)
		}
		if _, err := s.Transition(ctx, f.handler, f.caseID, cases.Archive, cases.Input{}); err != nil {
			t.Fatal(err)
		}
		if _, err := s.AddReferral(ctx, f.handler, f.caseID, cases.ReferralInput{AgencyType: "legal_aid"}); !apperr.Is(err, apperr.Conflict) {
			t.Errorf("referral on an archived case: %v, want conflict", err)
		}
		viewer := storetest.ActorFor(t, s, f.tree.T1, auth.RoleViewer)
		if _, err := s.ListReferrals(ctx, viewer, f.caseID); err != nil {
			t.Errorf("viewer reads an archived case's referrals: %v", err)
		}
		if _, err := s.AddAttachment(ctx, viewer, newOtherCase(t, s, f), "a.png", pngFile); !apperr.Is(err, apperr.Forbidden) {
			t.Errorf("viewer uploads: %v, want forbidden", err)
		}
	})
}

// TestAttachmentReferralOrderMediationAudit checks what the audit entries of
// a case's records say: for a restricted case only ids, sizes, hashes and
// statuses (the audit log is read by people who need not see the case);
// for an unrestricted case the details as before.
func TestAttachmentReferralOrderMediationAudit(t *testing.T) {
	for _, restricted := range []bool{true, false} {
		t.Run(map[bool]string{true: "restricted", false: "unrestricted"}[restricted], func(t *testing.T) {
			testRecordAudit(t, restricted)
		})
	}
}

func testRecordAudit(t *testing.T, restricted bool) {
	storetest.ForEach(t, storetest.Options{}, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		detail := func(t *testing.T, entity string, action audit.Action, id int64) string {
			t.Helper()
			var d string
			if err := s.DB().QueryRow(`SELECT detail FROM audit_log WHERE entity = $1 AND action = $2 AND entity_id = $3`, entity, string(action), id).Scan(&d); err != nil {
				t.Fatalf("%s %s %d: %v", entity, action, id, err)
			}
			return d
		}
		f := newRecordsFixture(t, s, restricted)
		today := s.Now().In(localtime.Zone).Format("2006-01-02")
		att, err := s.AddAttachment(ctx, f.handler, f.caseID, "伤情照片ZQX.png", pngFile)
		if err != nil {
			t.Fatal(err)
		}
		if _, _, err := s.OpenAttachment(ctx, f.handler, f.caseID, att.ID); err != nil {
			t.Fatal(err)
		}
		o, err := s.AddOrder(ctx, f.handler, f.caseID, cases.OrderInput{Kind: cases.ProtectionOrder, Issuer: "上城区人民法院", IssuedOn: today, ExpiresOn: "2099-09-01"})
		if err != nil {
			t.Fatal(err)
		}
		ref, err := s.AddReferral(ctx, f.handler, f.caseID, cases.ReferralInput{AgencyType: "police", AgencyName: "清波派出所"})
		if err != nil {
			t.Fatal(err)
		}
		m, err := s.AddMediation(ctx, f.handler, f.caseID, cases.MediationInput{HeldOn: today, Participants: "双方当事人", Agreed: true, Agreement: "协议"})
		if err != nil {
			t.Fatal(err)
		}
		if err := s.DeleteAttachment(ctx, f.handler, f.caseID, att.ID); err != nil {
			t.Fatal(err)
		}
		entries := map[string]string{
			"attachment create": detail(t, "attachment", audit.Create, att.ID),
			"attachment export": detail(t, "attachment", audit.Export, att.ID),
			"attachment delete": detail(t, "attachment", audit.Delete, att.ID),
			"order create":      detail(t, "protection_order", audit.Create, o.ID),
			"referral create":   detail(t, "referral", audit.Create, ref.ID),
			"mediation create":  detail(t, "mediation", audit.Create, m.ID),
		}
		secrets := map[string][]string{
			"attachment create": {"伤情照片ZQX", "image/png"},
			"attachment export": {"伤情照片ZQX"},
			"attachment delete": {"伤情照片ZQX"},
			"order create":      {string(cases.ProtectionOrder), "2099-09-01"},
			"referral create":   {"police"},
			"mediation create":  {"agreed"},
		}
		for what, d := range entries {
			for _, secret := range secrets[what] {
				if got := strings.Contains(d, secret); got == restricted {
					t.Errorf("restricted %v: the %s entry %s: contains %q = %v, want %v", restricted, what, d, secret, got, !restricted)
				}
			}
		}
		if restricted {
			for _, what := range []string{"attachment create", "attachment export"} {
				if d := entries[what]; !strings.Contains(d, att.SHA256) || !strings.Contains(d, strconv.FormatInt(att.Size, 10)) {
					t.Errorf("the restricted %s entry %s lacks the size or sha256", what, d)
				}
			}
			if d := entries["attachment delete"]; !strings.Contains(d, att.SHA256) {
				t.Errorf("the restricted attachment delete entry %s lacks the sha256", d)
			}
			if d := entries["referral create"]; !strings.Contains(d, string(cases.ReferralSent)) {
				t.Errorf("the restricted referral entry %s lacks the status", d)
			}
		}
	})
}
