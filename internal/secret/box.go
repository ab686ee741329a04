// Package secret protects sensitive personal information at rest (PIPL art. 28):
// AES-256-GCM encryption of field values and files, and a keyed hash so an
// encrypted value can still be found by exact match.
//
// Both keys are derived from one master key that lives outside the database.
package secret

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/hkdf"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"errors"
	"fmt"
)

// KeySize is the length in bytes of the master key.
const KeySize = 32

const (
	version   = 1
	nonceSize = 12

	// Distinct labels give independent subkeys, so a weakness in how one is
	// used (e.g. hashes leaking) tells nothing about the other.
	encryptionInfo = "jinguo field encryption v1"
	hashInfo       = "jinguo lookup hash v1"
)

// ErrDecrypt reports a ciphertext that is malformed, was tampered with, was
// sealed for another field or under another key.
var ErrDecrypt = errors.New("secret: cannot decrypt")

// Box encrypts and decrypts field values and computes keyed hashes. It is safe for concurrent use.
type Box struct {
	aead    cipher.AEAD // stateless after construction, so shareable
	hashKey []byte
}

// New returns a Box whose keys are derived from the 32-byte master key.
func New(master []byte) (*Box, error) {
	if len(master) != KeySize {
		return nil, fmt.Errorf("secret: master key is %d bytes, want %d", len(master), KeySize)
	}
	encKey, err := hkdf.Key(sha256.New, master, nil, encryptionInfo, 32)
	if err != nil {
		return nil, fmt.Errorf("secret: derive encryption key: %w", err)
	}
	hashKey, err := hkdf.Key(sha256.New, master, nil, hashInfo, 32)
	if err != nil {
		return nil, fmt.Errorf("secret: derive hash key: %w", err)
	}
	block, err := aes.NewCipher(encKey)
	if err != nil {
		return nil, fmt.Errorf("secret: %w", err)
	}
	aead, err := cipher.NewGCM(block)
	if err != nil {
		return nil, fmt.Errorf("secret: %w", err)
	}
	return &Box{aead: aead, hashKey: hashKey}, nil
}

// Seal encrypts plaintext for the named field (e.g. "people.id_number"); "" gives nil.
func (b *Box) Seal(plaintext, field string) []byte {
	return b.SealBytes([]byte(plaintext), field)
}

// Open decrypts a value sealed for the named field; nil or empty gives "".
func (b *Box) Open(ciphertext []byte, field string) (string, error) {
	p, err := b.OpenBytes(ciphertext, field)
	return string(p), err
}

// SealBytes encrypts plaintext (e.g. a file) for the named field; empty gives nil.
//
// The output is a version byte, a random nonce and the GCM ciphertext. The
// field name is the additional data, so a ciphertext copied into another
// column does not open.
func (b *Box) SealBytes(plaintext []byte, field string) []byte {
	if len(plaintext) == 0 {
		return nil
	}
	out := make([]byte, 1+nonceSize, 1+nonceSize+len(plaintext)+b.aead.Overhead())
	out[0] = version
	rand.Read(out[1 : 1+nonceSize]) // never fails since Go 1.24
	return b.aead.Seal(out, out[1:1+nonceSize], plaintext, []byte(field))
}

// OpenBytes decrypts bytes sealed for the named field; nil or empty gives nil.
func (b *Box) OpenBytes(ct []byte, field string) ([]byte, error) {
	if len(ct) == 0 {
		return nil, nil
	}
	if ct[0] != version {
		return nil, fmt.Errorf("%w: %s: unknown version %d", ErrDecrypt, field, ct[0])
	}
	if len(ct) < 1+nonceSize+b.aead.Overhead() {
		return nil, fmt.Errorf("%w: %s: too short", ErrDecrypt, field)
	}
	p, err := b.aead.Open(nil, ct[1:1+nonceSize], ct[1+nonceSize:], []byte(field))
	if err != nil {
		return nil, fmt.Errorf("%w: %s: %w", ErrDecrypt, field, err)
	}
	return p, nil
}

// Hash returns a 32-byte keyed hash of value for exact lookup in the named field; "" gives nil.
//
// Callers normalise value first (trim, upper-case the X of an ID number), since
// the hash only matches byte-identical input.
func (b *Box) Hash(value, field string) []byte {
	if value == "" {
		return nil
	}
	m := hmac.New(sha256.New, b.hashKey)
	m.Write([]byte(field))
	m.Write([]byte{0})
	m.Write([]byte(value))
	return m.Sum(nil)
}
