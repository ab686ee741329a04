package store_test

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"jinguo/internal/apperr"
	"jinguo/internal/auth"
	"jinguo/internal/cases"
	"jinguo/internal/store"
	"jinguo/internal/store/storetest"
)

const pubScript = `<script>alert(1)</script>`

// pubNotFound checks err is the one answer every failed lookup gets.
func pubNotFound(t *testing.T, err error, what string) {
	t.Helper()
	e := apperr.As(err)
	if e == nil || e.Kind != apperr.NotFound || e.Message != "未找到该求助记录，请核对查询码和手机号后四位" || len(e.Fields) != 0 {
		t.Errorf("%s: got %v, want the not-found answer", what, err)
	}
}

func TestHelpRequestValidation(t *testing.T) {
	long := strings.Repeat("家", store.MaxHelpDescription+1)
	ok := "丈夫经常打我，我不知道该怎么办。"
	storetest.ForEach(t, storetest.Options{}, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		storetest.BuildTree(t, s)
		for _, tc := range []struct {
			name  string
			in    store.HelpRequest
			field string
		}{
			{"description over the limit", store.HelpRequest{Category: "dv", Description: long, Phone: "13912345678"}, "description"},
			{"description too short", store.HelpRequest{Category: "dv", Description: "救命", Phone: "13912345678"}, "description"},
			{"description blank", store.HelpRequest{Category: "dv", Description: "   ", Phone: "13912345678"}, "description"},
			{"description invalid UTF-8", store.HelpRequest{Category: "dv", Description: ok + "\xff", Phone: "13912345678"}, "description"},
			{"description NUL", store.HelpRequest{Category: "dv", Description: ok + "\x00", Phone: "13912345678"}, "description"},
			{"no phone, not anonymous", store.HelpRequest{Category: "dv", Description: ok}, "phone"},
			{"bad phone", store.HelpRequest{Category: "dv", Description: ok, Phone: "12345"}, "phone"},
			{"script phone", store.HelpRequest{Category: "dv", Description: ok, Phone: pubScript}, "phone"},
			{"script phone, anonymous", store.HelpRequest{Category: "dv", Description: ok, Phone: pubScript, Anonymous: true}, "phone"},
			{"no category", store.HelpRequest{Description: ok, Phone: "13912345678"}, "category"},
			{"script category", store.HelpRequest{Category: pubScript, Description: ok, Phone: "13912345678"}, "category"},
			{"unknown category", store.HelpRequest{Category: "no_such", Description: ok, Phone: "13912345678"}, "category"},
		} {
			_, err := s.SubmitHelpRequest(ctx, tc.in)
			e := apperr.As(err)
			if e == nil || e.Kind != apperr.Invalid || e.Fields[tc.field] == "" {
				t.Errorf("%s: got %v, want invalid %s", tc.name, err, tc.field)
			}
		}
		all, _, err := s.ListCases(ctx, auth.System(), store.CaseFilter{})
		if err != nil || len(all) != 0 {
			t.Errorf("refused requests left %d cases (%v), want none", len(all), err)
		}
		// Exactly at the limits passes.
		if _, err := s.SubmitHelpRequest(ctx, store.HelpRequest{Category: "other", Description: strings.Repeat("家", store.MaxHelpDescription), Phone: "13912345678"}); err != nil {
			t.Errorf("2000 runes: %v", err)
		}
		if _, err := s.SubmitHelpRequest(ctx, store.HelpRequest{Category: "other", Description: strings.Repeat("家", store.MinHelpDescription), Anonymous: true}); err != nil {
			t.Errorf("10 runes, anonymous without phone: %v", err)
		}
	})
}

func TestHelpRequestStatus(t *testing.T) {
	clock := storetest.NewClock(time.Date(2024, 3, 8, 2, 0, 0, 0, time.UTC))
	storetest.ForEach(t, storetest.Options{Now: clock.Now}, func(t *testing.T, s *store.Store) {
		clock.Set(time.Date(2024, 3, 8, 2, 0, 0, 0, time.UTC))
		ctx := context.Background()
		tr := storetest.BuildTree(t, s)
		desc := "丈夫酒后打我，孩子也受到惊吓。" + pubScript
		code, err := s.SubmitHelpRequest(ctx, store.HelpRequest{Category: "dv", Description: desc, Phone: "139 1234 5678", IP: "203.0.113.7"})
		if err != nil {
			t.Fatal(err)
		}
		if cases.NormalizeTrackingCode(code) != code {
			t.Fatalf("tracking code %q is not in its normal form", code)
		}

		// The city sees it on its list, as an online request it handles.
		city := storetest.ActorFor(t, s, tr.City, auth.RoleCadre)
		list, _, err := s.ListCases(ctx, city, store.CaseFilter{Channel: cases.Online})
		if err != nil || len(list) != 1 {
			t.Fatalf("city list: %d cases, %v; want 1", len(list), err)
		}
		c := list[0]
		if c.Channel != cases.Online || c.HandlingOrgID != tr.City.ID || c.IntakeOrgID != tr.City.ID || c.State != cases.Registered {
			t.Errorf("case = channel %s, handling %d, intake %d, state %s; want online at the city, registered", c.Channel, c.HandlingOrgID, c.IntakeOrgID, c.State)
		}
		if c.Summary != "网上求助：家庭暴力" {
			t.Errorf("summary = %q, want the category only (the description is sealed)", c.Summary)
		}
		full, err := s.GetCase(ctx, city, c.ID, false)
		if err != nil {
			t.Fatal(err)
		}
		if full.Description != desc || full.ContactPhoneMasked != "139****5678" {
			t.Errorf("stored description %q, phone %q", full.Description, full.ContactPhoneMasked)
		}
		d2 := storetest.ActorFor(t, s, tr.D2, auth.RoleCadre)
		if l, _, _ := s.ListCases(ctx, d2, store.CaseFilter{}); len(l) != 0 {
			t.Errorf("district D2 sees %d cases handled by the city, want 0", len(l))
		}

		// Good code and digits; the code is forgiving about case and dashes.
		for _, typed := range []string{code, strings.ToLower(strings.ReplaceAll(code, "-", "")), " " + code + " "} {
			st, err := s.HelpStatus(ctx, typed, "5678")
			if err != nil {
				t.Fatalf("status %q: %v", typed, err)
			}
			if st.Status != "received" || st.Label != "已收到" || len(st.Notes) != 1 || !st.SubmittedAt.Equal(clock.Now()) {
				t.Errorf("status = %+v, want received with one note", st)
			}
		}
		if _, err := s.HelpStatus(ctx, code, "５６７８"); err != nil {
			t.Errorf("full-width digits: %v", err)
		}

		// Wrong digits for a real code, no digits, and guessed codes: the
		// same answer.
		for _, last4 := range []string{"5679", "0000", "", "1234"} {
			_, err := s.HelpStatus(ctx, code, last4)
			pubNotFound(t, err, "real code, digits "+last4)
		}
		for i := 0; i < 1000; i++ {
			guess := cases.NewTrackingCode()
			if guess == code {
				continue
			}
			_, err := s.HelpStatus(ctx, guess, "5678")
			if !apperr.Is(err, apperr.NotFound) {
				t.Fatalf("guessed code %s: %v, want not found", guess, err)
			}
			pubNotFound(t, err, "guessed code")
		}
		// Malformed input is a field error, which says nothing about any case.
		for _, tc := range []struct{ code, last4, field string }{
			{"", "5678", "code"}, {pubScript, "5678", "code"}, {"ABC", "5678", "code"},
			{code, "56789", "phone_last4"}, {code, "56a8", "phone_last4"}, {code, pubScript, "phone_last4"},
		} {
			_, err := s.HelpStatus(ctx, tc.code, tc.last4)
			if e := apperr.As(err); e == nil || e.Kind != apperr.Invalid || e.Fields[tc.field] == "" {
				t.Errorf("status(%q, %q) = %v, want invalid %s", tc.code, tc.last4, err, tc.field)
			}
		}

		// The case moves down the tree; the public learns the state and the
		// public notes only.
		clock.Advance(26 * time.Hour)
		admin := storetest.ActorFor(t, s, tr.City, auth.RoleOrgAdmin)
		if _, err := s.Transition(ctx, admin, c.ID, cases.Accept, cases.Input{Note: "内部备注：上城区妇联张三负责"}); err != nil {
			t.Fatal(err)
		}
		if _, err := s.Transition(ctx, admin, c.ID, cases.Assign, cases.Input{OrgID: tr.D1.ID, Note: "请上城区妇联核实"}); err != nil {
			t.Fatal(err)
		}
		st, err := s.HelpStatus(ctx, code, "5678")
		if err != nil {
			t.Fatal(err)
		}
		if st.Status != "in_progress" || st.Label != "办理中" || len(st.Notes) != 3 || !st.UpdatedAt.Equal(clock.Now()) {
			t.Errorf("after assignment: %+v, want in_progress with 3 notes, updated now", st)
		}
		shown := fmt.Sprintf("%+v", st)
		for _, secret := range []string{tr.D1.Name, "上城区", "张三", "内部备注", "丈夫酒后", "script", c.Number, "5678", "139"} {
			if strings.Contains(shown, secret) {
				t.Errorf("public status shows %q: %s", secret, shown)
			}
		}
		for _, n := range st.Notes {
			if n.Text == "" || n.At.IsZero() {
				t.Errorf("note %+v lacks text or date", n)
			}
		}

		// An anonymous request without a phone is found by its code alone.
		anon, err := s.SubmitHelpRequest(ctx, store.HelpRequest{Category: "legal_consult", Description: "想咨询离婚后孩子抚养权的问题。", Anonymous: true})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := s.HelpStatus(ctx, anon, ""); err != nil {
			t.Errorf("anonymous, code alone: %v", err)
		}
		_, err = s.HelpStatus(ctx, anon, "5678")
		pubNotFound(t, err, "anonymous with digits")
	})
}

// TestHelpRequestStoredSealed looks for the tracking code and contact phone
// in the raw SQLite files.
func TestHelpRequestStoredSealed(t *testing.T) {
	dir := t.TempDir()
	ctx := context.Background()
	s, err := store.Open(ctx, store.Config{DataDir: dir, Box: storetest.Box(t)})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	storetest.BuildTree(t, s)
	var codes []string
	for i := 0; i < 3; i++ {
		code, err := s.SubmitHelpRequest(ctx, store.HelpRequest{Category: "dv", Description: "丈夫经常打我，我很害怕。", Phone: "13912345678"})
		if err != nil {
			t.Fatal(err)
		}
		codes = append(codes, code)
	}
	if err := s.Ping(ctx); err != nil {
		t.Fatal(err)
	}
	var raw []byte
	files, _ := filepath.Glob(filepath.Join(dir, "jinguo.db*"))
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		raw = append(raw, b...)
	}
	if !bytes.Contains(raw, []byte("WQ")) {
		t.Fatal("the database files do not hold the case numbers: wrong files read")
	}
	for _, code := range codes {
		for _, form := range []string{code, strings.ReplaceAll(code, "-", ""), strings.ToLower(code)} {
			if bytes.Contains(raw, []byte(form)) {
				t.Errorf("tracking code %s is stored in plaintext", form)
			}
		}
	}
	for _, p := range []string{"13912345678", "我很害怕"} {
		if bytes.Contains(raw, []byte(p)) {
			t.Errorf("%q is stored in plaintext", p)
		}
	}
}

func TestRateLimit(t *testing.T) {
	clock := storetest.NewClock(time.Date(2024, 3, 8, 2, 0, 0, 0, time.UTC))
	storetest.ForEach(t, storetest.Options{Now: clock.Now}, func(t *testing.T, s *store.Store) {
		clock.Set(time.Date(2024, 3, 8, 2, 0, 0, 0, time.UTC))
		ctx := context.Background()
		hit := func(key string) bool {
			t.Helper()
			ok, err := s.RateLimit(ctx, key, 5, time.Hour)
			if err != nil {
				t.Fatal(err)
			}
			return ok
		}
		for i := 1; i <= 5; i++ {
			if !hit("help:ip:203.0.113.7") {
				t.Fatalf("hit %d refused, want allowed", i)
			}
		}
		if hit("help:ip:203.0.113.7") {
			t.Error("6th hit in the hour allowed, want refused")
		}
		if !hit("help:ip:2001:db8::1") {
			t.Error("another client refused")
		}
		clock.Advance(time.Hour)
		if !hit("help:ip:203.0.113.7") {
			t.Error("refused in the next window")
		}
		rows := func() int {
			var n int
			if err := s.DB().QueryRowContext(ctx, `SELECT COUNT(*) FROM rate_limits`).Scan(&n); err != nil {
				t.Fatal(err)
			}
			return n
		}
		if n := rows(); n != 3 {
			t.Errorf("rows = %d, want 3", n)
		}
		// Eleven windows on, a new window sweeps the family's old rows but
		// leaves other families alone.
		if ok, err := s.RateLimit(ctx, "status:ip:203.0.113.7", 5, 10*time.Minute); err != nil || !ok {
			t.Fatal(ok, err)
		}
		clock.Advance(11 * time.Hour)
		if !hit("help:ip:198.51.100.9") {
			t.Error("new client refused")
		}
		if n := rows(); n != 2 {
			t.Errorf("rows after sweep = %d, want 2 (the new window and the other family)", n)
		}

		// Concurrent hits, as from several servers: exactly the limit passes.
		var allowed atomic.Int32
		var wg sync.WaitGroup
		for i := 0; i < 20; i++ {
			wg.Add(1)
			go func() {
				defer wg.Done()
				ok, err := s.RateLimit(ctx, "help:all", 10, time.Hour)
				if err != nil {
					t.Error(err)
				}
				if ok {
					allowed.Add(1)
				}
			}()
		}
		wg.Wait()
		if n := allowed.Load(); n != 10 {
			t.Errorf("concurrent: %d allowed, want 10", n)
		}
	})
}
