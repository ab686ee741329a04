package main

import (
	"bytes"
	"context"
	"strings"
	"testing"
)

// run runs the command line with a private data dir and environment.
func run(t *testing.T, env map[string]string, args ...string) (string, error) {
	t.Helper()
	var out, errOut bytes.Buffer
	m := NewMain(&out, &errOut, func(k string) string { return env[k] })
	err := m.Run(context.Background(), args)
	return out.String() + errOut.String(), err
}

func TestCommands(t *testing.T) {
	dir := t.TempDir()
	env := map[string]string{"JINGUO_DATA": dir, "JINGUO_ADMIN_PASSWORD": "Root-Secret-2024!"}
	if out, err := run(t, env, "version"); err != nil || !strings.HasPrefix(out, "jinguo ") {
		t.Errorf("version: %q, %v", out, err)
	}
	if _, err := run(t, env, "frobnicate"); err == nil {
		t.Error("an unknown command succeeded")
	}
	if out, err := run(t, env, "migrate"); err != nil || !strings.Contains(out, "up to date") || !strings.Contains(out, "secret key was written") {
		t.Errorf("migrate on a new data dir: %q, %v; want the key warning and up to date", out, err)
	}
	if _, err := run(t, env, "user", "create", "--username", "hotline01"); err == nil || !strings.Contains(err.Error(), "no organisation yet") {
		t.Errorf("user create before any org: %v, want a clear refusal", err)
	}
	out, err := run(t, env, "demo", "--people", "300")
	if err != nil || !strings.Contains(out, "township_cadre") || !strings.Contains(out, "admin") {
		t.Fatalf("demo: %v\n%s", err, out)
	}
	if _, err := run(t, env, "demo", "--people", "300"); err == nil {
		t.Error("a second demo load into a non-empty database succeeded")
	}
	out, err = run(t, env, "user", "create", "--username", "hotline01", "--role", "cadre")
	if err != nil || !strings.Contains(out, "Created user hotline01") || !strings.Contains(out, "Password: ") {
		t.Errorf("user create: %q, %v", out, err)
	}
	if out, err := run(t, env, "user", "create", "--username", "hotline01"); err == nil {
		t.Errorf("a duplicate user was created: %q", out)
	}
	for _, sub := range []string{"reset-password", "lock", "unlock"} {
		if out, err := run(t, env, "user", sub, "--username", "hotline01"); err != nil || !strings.Contains(out, "Done: "+sub) {
			t.Errorf("user %s: %q, %v", sub, out, err)
		}
	}
	if _, err := run(t, env, "user", "lock", "--username", "nobody"); err == nil {
		t.Error("locking an unknown user succeeded")
	}
}
