package secret

import (
	"crypto/rand"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"runtime"
	"strings"
)

// EnvVar names the environment variable that may hold the master key.
const EnvVar = "JINGUO_SECRET_KEY"

// LoadKey returns the master key: from envKey (the value of JINGUO_SECRET_KEY)
// when non-empty, else from the file keyPath, which is created with a new
// random key when absent. created reports whether a new key file was written,
// so the caller can warn loudly that it must be backed up: without it the
// encrypted data is lost.
func LoadKey(envKey, keyPath string) (key []byte, created bool, err error) {
	if s := strings.TrimSpace(envKey); s != "" {
		key, ok := parseKey(s)
		if !ok {
			// Never echo the value: it may be a nearly-right key.
			return nil, false, fmt.Errorf("secret: %s must be 64 hex characters or standard base64 of %d bytes", EnvVar, KeySize)
		}
		return key, false, nil
	}
	if keyPath == "" {
		return nil, false, fmt.Errorf("secret: no key: set %s or a key file path", EnvVar)
	}
	key, err = readKeyFile(keyPath)
	if err == nil {
		return key, false, nil
	}
	if !errors.Is(err, fs.ErrNotExist) {
		return nil, false, err
	}
	key, err = createKeyFile(keyPath)
	if errors.Is(err, fs.ErrExist) {
		// Another process created it between our read and create.
		key, err = readKeyFile(keyPath)
		return key, false, err
	}
	if err != nil {
		return nil, false, err
	}
	return key, true, nil
}

func parseKey(s string) ([]byte, bool) {
	if len(s) == 2*KeySize {
		if k, err := hex.DecodeString(s); err == nil {
			return k, true
		}
	}
	if k, err := base64.StdEncoding.DecodeString(s); err == nil && len(k) == KeySize {
		return k, true
	}
	return nil, false
}

func readKeyFile(path string) ([]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("secret: open key file: %w", err)
	}
	defer f.Close()
	info, err := f.Stat()
	if err != nil {
		return nil, fmt.Errorf("secret: key file %s: %w", path, err)
	}
	if runtime.GOOS != "windows" && info.Mode().Perm()&0o077 != 0 {
		return nil, fmt.Errorf("secret: key file %s has mode %04o and is readable by others; run: chmod 600 %s", path, info.Mode().Perm(), path)
	}
	b, err := io.ReadAll(io.LimitReader(f, 1024))
	if err != nil {
		return nil, fmt.Errorf("secret: read key file %s: %w", path, err)
	}
	key, ok := parseKey(strings.TrimSpace(string(b)))
	if !ok {
		return nil, fmt.Errorf("secret: key file %s must hold 64 hex characters", path)
	}
	return key, nil
}

func createKeyFile(path string) ([]byte, error) {
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return nil, fmt.Errorf("secret: create key directory: %w", err)
	}
	key := make([]byte, KeySize)
	rand.Read(key) // never fails since Go 1.24
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return nil, fmt.Errorf("secret: create key file: %w", err)
	}
	// A half-written key file would lock us out of data sealed with the key
	// we return, so sync before handing the key out and remove on failure.
	_, err = f.WriteString(hex.EncodeToString(key) + "\n")
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		os.Remove(path)
		return nil, fmt.Errorf("secret: write key file %s: %w", path, err)
	}
	return key, nil
}
