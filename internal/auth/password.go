package auth

import (
	"crypto/rand"
	"crypto/subtle"
	"encoding/base64"
	"errors"
	"fmt"
	mrand "math/rand/v2"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"

	"golang.org/x/crypto/argon2"

	"jinguo/internal/apperr"
)

// OWASP minimum argon2id parameters; CheckPassword reads them from each hash,
// so raising them later only affects new hashes.
const (
	argonMemory  = 19 * 1024 // KiB
	argonTime    = 2
	argonThreads = 1
	argonSaltLen = 16
	argonKeyLen  = 32
)

// Password policy limits (等保 2.0), counted in characters.
const (
	MinPasswordLen = 10  // shortest password ValidatePassword accepts
	MaxPasswordLen = 128 // longest password ValidatePassword accepts
)

// ErrMalformedHash reports a stored password hash that cannot be parsed.
var ErrMalformedHash = errors.New("auth: malformed password hash")

// HashPassword returns an argon2id hash of pw in PHC string format.
func HashPassword(pw string) (string, error) {
	salt := make([]byte, argonSaltLen)
	rand.Read(salt) // never fails since Go 1.24
	key := argon2.IDKey([]byte(pw), salt, argonTime, argonMemory, argonThreads, argonKeyLen)
	b64 := base64.RawStdEncoding
	return fmt.Sprintf("$argon2id$v=%d$m=%d,t=%d,p=%d$%s$%s",
		argon2.Version, argonMemory, argonTime, argonThreads,
		b64.EncodeToString(salt), b64.EncodeToString(key)), nil
}

// CheckPassword reports whether pw matches the encoded argon2id hash, in constant time.
func CheckPassword(encoded, pw string) (bool, error) {
	h, err := parseArgon2id(encoded)
	if err != nil {
		return false, err
	}
	key := argon2.IDKey([]byte(pw), h.salt, h.time, h.memory, h.threads, uint32(len(h.key)))
	return subtle.ConstantTimeCompare(key, h.key) == 1, nil
}

type argon2idHash struct {
	memory, time uint32
	threads      uint8
	salt, key    []byte
}

func parseArgon2id(encoded string) (argon2idHash, error) {
	var h argon2idHash
	bad := func(why string) (argon2idHash, error) {
		return argon2idHash{}, fmt.Errorf("%w: %s", ErrMalformedHash, why)
	}
	parts := strings.Split(encoded, "$")
	if len(parts) != 6 || parts[0] != "" {
		return bad("want 5 $-separated parts")
	}
	if parts[1] != "argon2id" {
		return bad("algorithm is not argon2id")
	}
	if parts[2] != "v="+strconv.Itoa(argon2.Version) {
		return bad("unsupported version")
	}
	params := strings.Split(parts[3], ",")
	if len(params) != 3 {
		return bad("want m, t and p parameters")
	}
	// Bounds keep a corrupted or planted hash from costing unbounded memory or time.
	var err error
	if h.memory, err = parseArgonParam(params[0], "m", 8, 1<<21); err != nil {
		return bad(err.Error())
	}
	if h.time, err = parseArgonParam(params[1], "t", 1, 64); err != nil {
		return bad(err.Error())
	}
	p, err := parseArgonParam(params[2], "p", 1, 64)
	if err != nil {
		return bad(err.Error())
	}
	h.threads = uint8(p)
	if h.salt, err = base64.RawStdEncoding.Strict().DecodeString(parts[4]); err != nil || len(h.salt) < 8 {
		return bad("salt")
	}
	if h.key, err = base64.RawStdEncoding.Strict().DecodeString(parts[5]); err != nil || len(h.key) < 16 || len(h.key) > 64 {
		return bad("key")
	}
	return h, nil
}

func parseArgonParam(s, name string, lo, hi uint64) (uint32, error) {
	v, ok := strings.CutPrefix(s, name+"=")
	if !ok {
		return 0, fmt.Errorf("want parameter %s", name)
	}
	n, err := strconv.ParseUint(v, 10, 32)
	if err != nil || n < lo || n > hi {
		return 0, fmt.Errorf("parameter %s out of range", name)
	}
	return uint32(n), nil
}

// ValidatePassword enforces the password policy (等保 2.0) and returns an Invalid error on field new_password.
//
// A password needs 10 to 128 characters, three of the four classes (upper-case,
// lower-case, digit, other) and must not contain the username.
func ValidatePassword(pw, username string) error {
	f := apperr.Fields{}
	n := utf8.RuneCountInString(pw)
	switch {
	case n < MinPasswordLen:
		f.Add("new_password", fmt.Sprintf("密码至少%d位", MinPasswordLen))
	case n > MaxPasswordLen:
		f.Add("new_password", fmt.Sprintf("密码不能超过%d位", MaxPasswordLen))
	case passwordClasses(pw) < 3:
		f.Add("new_password", "密码须包含大写字母、小写字母、数字、符号中的至少三类")
	case username != "" && strings.Contains(strings.ToLower(pw), strings.ToLower(username)):
		f.Add("new_password", "密码不能包含用户名")
	}
	return f.Err()
}

func passwordClasses(pw string) int {
	var lower, upper, digit, other int
	for _, r := range pw {
		switch {
		case unicode.IsLower(r):
			lower = 1
		case unicode.IsUpper(r):
			upper = 1
		case unicode.IsDigit(r):
			digit = 1
		default:
			other = 1
		}
	}
	return lower + upper + digit + other
}

// Alphabets for generated passwords, without look-alikes (0/O, 1/l/I) and
// without symbols that are hard to read aloud or type on a phone.
const (
	genLower  = "abcdefghijkmnpqrstuvwxyz"
	genUpper  = "ABCDEFGHJKLMNPQRSTUVWXYZ"
	genDigit  = "23456789"
	genSymbol = "!@#$%&*?+=-"
	genLen    = 16
)

// GeneratePassword returns a random 16-character password that satisfies ValidatePassword.
func GeneratePassword() string {
	var seed [32]byte
	rand.Read(seed[:]) // never fails since Go 1.24
	r := mrand.New(mrand.NewChaCha8(seed))
	all := genLower + genUpper + genDigit + genSymbol
	// One from every class guarantees the policy; the rest are drawn from all.
	b := []byte{
		genLower[r.IntN(len(genLower))],
		genUpper[r.IntN(len(genUpper))],
		genDigit[r.IntN(len(genDigit))],
		genSymbol[r.IntN(len(genSymbol))],
	}
	for len(b) < genLen {
		b = append(b, all[r.IntN(len(all))])
	}
	r.Shuffle(len(b), func(i, j int) { b[i], b[j] = b[j], b[i] })
	return string(b)
}
