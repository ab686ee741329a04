package secret

import (
	"bytes"
	"errors"
	"strings"
	"testing"
)

func newBox(t testing.TB, fill byte) *Box {
	t.Helper()
	b, err := New(bytes.Repeat([]byte{fill}, KeySize))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestNewRejectsShortKey(t *testing.T) {
	if _, err := New(make([]byte, 16)); err == nil {
		t.Fatal("New(16 bytes): got nil error, want error")
	}
}

func TestSealOpen(t *testing.T) {
	b := newBox(t, 1)
	for _, v := range []string{"110105199001010022", "王小芳", strings.Repeat("x", 5000)} {
		ct := b.Seal(v, "people.id_number")
		if len(ct) != 1+nonceSize+len(v)+16 || ct[0] != version {
			t.Errorf("Seal(%q): len %d, version %d", v, len(ct), ct[0])
		}
		got, err := b.Open(ct, "people.id_number")
		if err != nil || got != v {
			t.Errorf("Open: got %q, %v; want %q", got, err, v)
		}
	}
}

func TestEmpty(t *testing.T) {
	b := newBox(t, 1)
	if ct := b.Seal("", "f"); ct != nil {
		t.Errorf("Seal(\"\"): got %x, want nil", ct)
	}
	if got, err := b.Open(nil, "f"); got != "" || err != nil {
		t.Errorf("Open(nil): got %q, %v; want \"\", nil", got, err)
	}
	if h := b.Hash("", "f"); h != nil {
		t.Errorf("Hash(\"\"): got %x, want nil", h)
	}
}

func TestOpenWrongField(t *testing.T) {
	b := newBox(t, 1)
	ct := b.Seal("13800138000", "people.phone")
	if _, err := b.Open(ct, "people.id_number"); !errors.Is(err, ErrDecrypt) {
		t.Fatalf("Open with other field: got %v, want ErrDecrypt", err)
	}
}

func TestOpenWrongKey(t *testing.T) {
	ct := newBox(t, 1).Seal("13800138000", "people.phone")
	if _, err := newBox(t, 2).Open(ct, "people.phone"); !errors.Is(err, ErrDecrypt) {
		t.Fatalf("Open with other key: got %v, want ErrDecrypt", err)
	}
}

func TestOpenTampered(t *testing.T) {
	b := newBox(t, 1)
	ct := b.Seal("13800138000", "people.phone")
	for i := range ct {
		bad := bytes.Clone(ct)
		bad[i] ^= 0x01
		if _, err := b.Open(bad, "people.phone"); !errors.Is(err, ErrDecrypt) {
			t.Errorf("byte %d flipped: got %v, want ErrDecrypt", i, err)
		}
	}
	for _, n := range []int{1, nonceSize, len(ct) - 1} {
		if _, err := b.Open(ct[:n], "people.phone"); !errors.Is(err, ErrDecrypt) {
			t.Errorf("truncated to %d: got %v, want ErrDecrypt", n, err)
		}
	}
}

func TestSealBytes(t *testing.T) {
	b := newBox(t, 1)
	file := bytes.Repeat([]byte{0, 1, 2, 0xff}, 1000)
	got, err := b.OpenBytes(b.SealBytes(file, "attachments"), "attachments")
	if err != nil || !bytes.Equal(got, file) {
		t.Fatalf("OpenBytes: got %d bytes, %v; want %d bytes", len(got), err, len(file))
	}
}

func TestSealRandomHashStable(t *testing.T) {
	b := newBox(t, 1)
	const v = "110105199001010022"
	if bytes.Equal(b.Seal(v, "people.id_number"), b.Seal(v, "people.id_number")) {
		t.Error("two Seals of the same value are equal; want different nonces")
	}
	h1, h2 := b.Hash(v, "people.id_number"), b.Hash(v, "people.id_number")
	if len(h1) != 32 || !bytes.Equal(h1, h2) {
		t.Errorf("Hash: got %x and %x, want equal 32 bytes", h1, h2)
	}
	if bytes.Equal(h1, b.Hash(v, "people.phone")) {
		t.Error("Hash equal across fields; want different")
	}
	if bytes.Equal(h1, newBox(t, 2).Hash(v, "people.id_number")) {
		t.Error("Hash equal across keys; want different")
	}
	// The separator keeps field/value boundaries unambiguous.
	if bytes.Equal(b.Hash("bc", "a"), b.Hash("c", "ab")) {
		t.Error("Hash(a|bc) == Hash(ab|c); want different")
	}
}

func TestSubkeysIndependent(t *testing.T) {
	b := newBox(t, 1)
	enc, _ := New(b.hashKey)
	// If the hash key equalled the encryption key, this box could open b's ciphertext.
	if _, err := enc.Open(b.Seal("x", "f"), "f"); err == nil {
		t.Fatal("hash key opens ciphertext; want independent subkeys")
	}
}

func TestConcurrent(t *testing.T) {
	b := newBox(t, 1)
	done := make(chan struct{})
	for range 8 {
		go func() {
			defer func() { done <- struct{}{} }()
			for range 200 {
				if got, err := b.Open(b.Seal("v", "f"), "f"); got != "v" || err != nil {
					t.Errorf("concurrent round trip: got %q, %v", got, err)
					return
				}
				b.Hash("v", "f")
			}
		}()
	}
	for range 8 {
		<-done
	}
}

func BenchmarkSeal(b *testing.B) {
	box := newBox(b, 1)
	for b.Loop() {
		box.Seal("110105199001010022", "people.id_number")
	}
}

func BenchmarkHash(b *testing.B) {
	box := newBox(b, 1)
	for b.Loop() {
		box.Hash("110105199001010022", "people.id_number")
	}
}
