// Package apperr defines the one set of error kinds used across Jinguo.
//
// Domain and store code return *Error values (or wrap them with %w); the web
// layer maps the kind to an HTTP status and shows Message, which is written
// in plain Chinese for the user. Err keeps the technical detail for logs.
package apperr

import (
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"
)

// Kind classifies an error for callers and for the HTTP status it maps to.
type Kind string

// The error kinds.
const (
	Invalid         Kind = "invalid"         // input failed validation (422)
	BadRequest      Kind = "bad_request"     // malformed request (400)
	NotFound        Kind = "not_found"       // absent or outside the caller's scope (404)
	Conflict        Kind = "conflict"        // duplicate or state conflict (409)
	Forbidden       Kind = "forbidden"       // authenticated but not allowed (403)
	Unauthenticated Kind = "unauthenticated" // no valid session (401)
	TooLarge        Kind = "too_large"       // body over the limit (413)
	RateLimited     Kind = "rate_limited"    // too many requests (429)
	Internal        Kind = "internal"        // anything unexpected (500)
)

// Error is an error with a kind, a user-facing Chinese message, optional
// per-field messages and an optional wrapped cause.
type Error struct {
	Kind    Kind
	Code    string            // machine-readable code; defaults to Kind
	Message string            // safe to show to the user, in Chinese
	Fields  map[string]string // field name → Chinese message
	Err     error             // technical cause, for logs only
}

func (e *Error) Error() string {
	var b strings.Builder
	b.WriteString(string(e.Kind))
	if e.Code != "" && e.Code != string(e.Kind) {
		b.WriteString("/" + e.Code)
	}
	if e.Message != "" {
		b.WriteString(": " + e.Message)
	}
	for _, k := range slices.Sorted(maps.Keys(e.Fields)) {
		fmt.Fprintf(&b, " [%s: %s]", k, e.Fields[k])
	}
	if e.Err != nil {
		b.WriteString(": " + e.Err.Error())
	}
	return b.String()
}

func (e *Error) Unwrap() error { return e.Err }

// New returns an error of the given kind with a user-facing message.
func New(kind Kind, message string) *Error {
	return &Error{Kind: kind, Message: message}
}

// Wrap returns an error of the given kind that keeps err as its cause.
func Wrap(kind Kind, message string, err error) *Error {
	return &Error{Kind: kind, Message: message, Err: err}
}

// WithCode returns a copy of e with a machine-readable code.
func (e *Error) WithCode(code string) *Error {
	c := *e
	c.Code = code
	return &c
}

// KindOf reports the kind of err: the kind of the first *Error in its
// chain, or Internal.
func KindOf(err error) Kind {
	if err == nil {
		return ""
	}
	var e *Error
	if errors.As(err, &e) {
		return e.Kind
	}
	return Internal
}

// Is reports whether err is an *Error of the given kind.
func Is(err error, kind Kind) bool { return err != nil && KindOf(err) == kind }

// As returns the first *Error in err's chain, or nil.
func As(err error) *Error {
	var e *Error
	if errors.As(err, &e) {
		return e
	}
	return nil
}

// CodeOf returns the machine-readable code of err.
func CodeOf(err error) string {
	if e := As(err); e != nil {
		if e.Code != "" {
			return e.Code
		}
		return string(e.Kind)
	}
	return string(Internal)
}

// Fields collects per-field validation messages and turns them into one
// Invalid error.
type Fields map[string]string

// Add records msg for field unless the field already has a message, so the
// first (most basic) problem is the one shown.
func (f Fields) Add(field, msg string) {
	if _, ok := f[field]; !ok {
		f[field] = msg
	}
}

// Err returns nil when no field has a message, else an Invalid error.
func (f Fields) Err() error {
	if len(f) == 0 {
		return nil
	}
	return &Error{Kind: Invalid, Message: "填写的内容有误，请按提示修改", Fields: map[string]string(f)}
}
