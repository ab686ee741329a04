package secret

import (
	"bytes"
	"encoding/base64"
	"encoding/hex"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
)

func TestLoadKeyCreatesFile(t *testing.T) {
	path := filepath.Join(t.TempDir(), "keys", "secret.key")
	key, created, err := LoadKey("", path)
	if err != nil || !created || len(key) != KeySize {
		t.Fatalf("first LoadKey: got %d bytes, created %v, %v; want %d bytes, true, nil", len(key), created, err, KeySize)
	}
	info, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if runtime.GOOS != "windows" {
		if got := info.Mode().Perm(); got != 0o600 {
			t.Errorf("key file mode: got %04o, want 0600", got)
		}
		dir, _ := os.Stat(filepath.Dir(path))
		if got := dir.Mode().Perm(); got != 0o700 {
			t.Errorf("key dir mode: got %04o, want 0700", got)
		}
	}
	data, _ := os.ReadFile(path)
	if want := hex.EncodeToString(key) + "\n"; string(data) != want {
		t.Errorf("key file: got %q, want %q", data, want)
	}
	again, created, err := LoadKey("", path)
	if err != nil || created || !bytes.Equal(again, key) {
		t.Fatalf("second LoadKey: got %x, created %v, %v; want %x, false, nil", again, created, err, key)
	}
}

func TestLoadKeyEnv(t *testing.T) {
	want := bytes.Repeat([]byte{0xab}, KeySize)
	path := filepath.Join(t.TempDir(), "unused.key")
	for _, env := range []string{
		hex.EncodeToString(want),
		strings.ToUpper(hex.EncodeToString(want)),
		base64.StdEncoding.EncodeToString(want),
		" " + hex.EncodeToString(want) + "\n",
	} {
		got, created, err := LoadKey(env, path)
		if err != nil || created || !bytes.Equal(got, want) {
			t.Errorf("LoadKey(%q): got %x, %v, %v; want %x, false, nil", env, got, created, err, want)
		}
	}
	if _, err := os.Stat(path); !os.IsNotExist(err) {
		t.Errorf("env key given but key file was touched: %v", err)
	}
}

func TestLoadKeyBadEnv(t *testing.T) {
	for _, env := range []string{
		"short",
		hex.EncodeToString(make([]byte, 16)),
		strings.Repeat("z", 64),
		base64.StdEncoding.EncodeToString(make([]byte, 31)),
		base64.URLEncoding.EncodeToString(bytes.Repeat([]byte{0xff}, 32)),
	} {
		_, _, err := LoadKey(env, filepath.Join(t.TempDir(), "k"))
		if err == nil || !strings.Contains(err.Error(), "JINGUO_SECRET_KEY") {
			t.Errorf("LoadKey(%q): got %v, want error naming JINGUO_SECRET_KEY", env, err)
		}
		if err != nil && strings.Contains(err.Error(), env) {
			t.Errorf("LoadKey(%q): error echoes the key: %v", env, err)
		}
	}
}

func TestLoadKeyRejectsOpenPermissions(t *testing.T) {
	if runtime.GOOS == "windows" {
		t.Skip("no Unix permissions")
	}
	path := filepath.Join(t.TempDir(), "secret.key")
	if _, _, err := LoadKey("", path); err != nil {
		t.Fatal(err)
	}
	for _, mode := range []os.FileMode{0o640, 0o604} {
		if err := os.Chmod(path, mode); err != nil {
			t.Fatal(err)
		}
		_, _, err := LoadKey("", path)
		if err == nil || !strings.Contains(err.Error(), "chmod 600") {
			t.Errorf("mode %04o: got %v, want error telling to chmod 600", mode, err)
		}
	}
}

func TestLoadKeyBadFile(t *testing.T) {
	path := filepath.Join(t.TempDir(), "secret.key")
	if err := os.WriteFile(path, []byte("not a key\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, created, err := LoadKey("", path); err == nil || created {
		t.Fatalf("garbage key file: got created %v, %v; want error", created, err)
	}
}
