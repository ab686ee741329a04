package auth

import (
	"encoding/base64"
	"errors"
	"strings"
	"testing"

	"golang.org/x/crypto/argon2"

	"jinguo/internal/apperr"
)

func TestHashCheckPassword(t *testing.T) {
	const pw = "Correct-Horse-9"
	enc, err := HashPassword(pw)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(enc, "$argon2id$v=19$m=19456,t=2,p=1$") {
		t.Errorf("HashPassword: got %q, want $argon2id$v=19$m=19456,t=2,p=1$ prefix", enc)
	}
	if parts := strings.Split(enc, "$"); len(parts) != 6 || len(parts[4]) != 22 || len(parts[5]) != 43 {
		t.Errorf("HashPassword: got %q, want 16-byte salt and 32-byte key in raw base64", enc)
	}
	if ok, err := CheckPassword(enc, pw); !ok || err != nil {
		t.Errorf("CheckPassword(right): got %v, %v; want true, nil", ok, err)
	}
	if ok, err := CheckPassword(enc, pw+"x"); ok || err != nil {
		t.Errorf("CheckPassword(wrong): got %v, %v; want false, nil", ok, err)
	}
	other, _ := HashPassword(pw)
	if other == enc {
		t.Error("two hashes of the same password are equal; want random salt")
	}
}

func TestCheckPasswordOtherParams(t *testing.T) {
	// A hash made with other parameters must still verify, so parameters can
	// be raised without invalidating stored hashes.
	salt := []byte("0123456789abcdef")
	key := argon2.IDKey([]byte("pw-Other-1"), salt, 1, 64, 2, 24)
	b64 := base64.RawStdEncoding
	enc := "$argon2id$v=19$m=64,t=1,p=2$" + b64.EncodeToString(salt) + "$" + b64.EncodeToString(key)
	if ok, err := CheckPassword(enc, "pw-Other-1"); !ok || err != nil {
		t.Errorf("CheckPassword(right): got %v, %v; want true, nil", ok, err)
	}
	if ok, err := CheckPassword(enc, "pw-Other-2"); ok || err != nil {
		t.Errorf("CheckPassword(wrong): got %v, %v; want false, nil", ok, err)
	}
}

func TestCheckPasswordMalformed(t *testing.T) {
	good, _ := HashPassword("Correct-Horse-9")
	parts := strings.Split(good, "$")
	with := func(i int, v string) string {
		p := append([]string(nil), parts...)
		p[i] = v
		return strings.Join(p, "$")
	}
	for _, enc := range []string{
		"",
		"plaintext",
		"$2a$10$abcdefghijklmnopqrstuv",
		with(1, "argon2i"),
		with(2, "v=16"),
		with(3, "m=19456,t=2"),
		with(3, "m=19456,t=0,p=1"),
		with(3, "m=99999999,t=2,p=1"),
		with(3, "t=2,m=19456,p=1"),
		with(4, "!!!"),
		with(4, ""),
		with(5, "c2hvcnQ"),
		good + "$extra",
	} {
		ok, err := CheckPassword(enc, "Correct-Horse-9")
		if ok || !errors.Is(err, ErrMalformedHash) {
			t.Errorf("CheckPassword(%q): got %v, %v; want false, ErrMalformedHash", enc, ok, err)
		}
	}
}

func TestValidatePassword(t *testing.T) {
	tests := []struct {
		name, pw, user, want string // want is the new_password message, "" for ok
	}{
		{"ok", "Spring-2024x", "zhangsan", ""},
		{"ok three classes no symbol", "Spring2024x", "zhangsan", ""},
		{"ok chinese counts as symbol", "春天spring2024", "zhangsan", ""},
		{"ok no username", "Spring-2024x", "", ""},
		{"empty", "", "zhangsan", "密码至少10位"},
		{"short", "Sp-2024x", "zhangsan", "密码至少10位"},
		{"nine chinese chars", "春天来了花儿开了吗", "", "密码至少10位"},
		{"too long", "Aa1-" + strings.Repeat("x", 125), "zhangsan", "密码不能超过128位"},
		{"two classes", "springtime2024", "zhangsan", "密码须包含大写字母、小写字母、数字、符号中的至少三类"},
		{"one class", "aaaaaaaaaaaa", "zhangsan", "密码须包含大写字母、小写字母、数字、符号中的至少三类"},
		{"contains username", "ZhangSan-2024", "zhangsan", "密码不能包含用户名"},
		{"equals username", "Zhang-San_9", "zhang-san_9", "密码不能包含用户名"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := ValidatePassword(tt.pw, tt.user)
			if tt.want == "" {
				if err != nil {
					t.Fatalf("got %v, want nil", err)
				}
				return
			}
			e := apperr.As(err)
			if e == nil || e.Kind != apperr.Invalid || e.Fields["new_password"] != tt.want {
				t.Fatalf("got %v, want invalid with new_password %q", err, tt.want)
			}
		})
	}
	if err := ValidatePassword("Aa1-"+strings.Repeat("x", 124), ""); err != nil {
		t.Errorf("128 characters: got %v, want nil", err)
	}
}

func TestGeneratePassword(t *testing.T) {
	seen := map[string]bool{}
	for range 100 {
		pw := GeneratePassword()
		if len(pw) != 16 {
			t.Errorf("GeneratePassword: got %q (len %d), want 16 characters", pw, len(pw))
		}
		if err := ValidatePassword(pw, "admin"); err != nil {
			t.Errorf("GeneratePassword: %q fails policy: %v", pw, err)
		}
		if strings.ContainsAny(pw, "0O1lI") {
			t.Errorf("GeneratePassword: %q contains an ambiguous character", pw)
		}
		if seen[pw] {
			t.Errorf("GeneratePassword: %q repeated", pw)
		}
		seen[pw] = true
	}
}
