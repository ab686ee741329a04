package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"path/filepath"
	"strings"
	"time"

	"jinguo/internal/auth"
	"jinguo/internal/demo"
	"jinguo/internal/jobs"
	"jinguo/internal/secret"
	"jinguo/internal/store"
	"jinguo/internal/web"
)

// Version is set at build time with -ldflags "-X main.Version=…".
var Version = "dev"

// Main runs jinguo's subcommands. Tests drive it the way the shell does.
type Main struct {
	stdout, stderr io.Writer
	getenv         func(string) string
	// Ready, when set, is told the address the server listens on.
	Ready func(addr string)
}

// NewMain returns a Main writing to stdout and stderr and reading the
// environment through getenv.
func NewMain(stdout, stderr io.Writer, getenv func(string) string) *Main {
	return &Main{stdout: stdout, stderr: stderr, getenv: getenv}
}

const usage = `jinguo — 巾帼 妇联工作平台

Usage:
  jinguo [serve] [flags]        run the server (default)
  jinguo migrate [flags]        apply database migrations
  jinguo user create|reset-password|lock|unlock [flags]
  jinguo demo [flags]           load the demo city into an empty database
  jinguo version

Common flags (environment variable in brackets):
  --data DIR         data directory: SQLite file and key file [JINGUO_DATA] (./data)
  --database URL     postgres:// URL; empty means SQLite in the data dir [JINGUO_DATABASE_URL]
Secret key: JINGUO_SECRET_KEY (64 hex chars), else DATA/secret.key is created — back it up.
Run "jinguo COMMAND -h" for a command's flags.
`

// Run runs one subcommand.
func (m *Main) Run(ctx context.Context, args []string) error {
	cmd := "serve"
	if len(args) > 0 && !strings.HasPrefix(args[0], "-") {
		cmd, args = args[0], args[1:]
	}
	switch cmd {
	case "serve":
		return m.serve(ctx, args)
	case "migrate":
		return m.migrate(ctx, args)
	case "user":
		return m.user(ctx, args)
	case "demo":
		return m.demo(ctx, args)
	case "version":
		fmt.Fprintln(m.stdout, "jinguo", Version)
		return nil
	case "help", "-h", "--help":
		fmt.Fprint(m.stdout, usage)
		return nil
	}
	fmt.Fprint(m.stderr, usage)
	return fmt.Errorf("unknown command %q", cmd)
}

// dbFlags are the flags every database command shares.
type dbFlags struct {
	data, database string
}

func (m *Main) env(name, def string) string {
	if v := m.getenv(name); v != "" {
		return v
	}
	return def
}

func (m *Main) addDBFlags(fs *flag.FlagSet) *dbFlags {
	f := &dbFlags{}
	fs.StringVar(&f.data, "data", m.env("JINGUO_DATA", "./data"), "data directory")
	fs.StringVar(&f.database, "database", m.env("JINGUO_DATABASE_URL", ""), "postgres:// URL (empty: SQLite in the data dir)")
	return f
}

// open loads the secret key and opens (and migrates) the database.
func (m *Main) open(ctx context.Context, f *dbFlags) (*store.Store, error) {
	keyPath := filepath.Join(f.data, "secret.key")
	key, created, err := secret.LoadKey(m.getenv("JINGUO_SECRET_KEY"), keyPath)
	if err != nil {
		return nil, err
	}
	if created {
		fmt.Fprintf(m.stderr, "\n*** A new secret key was written to %s.\n*** It encrypts ID numbers and phone numbers: without it they cannot be read.\n*** Back it up now, separately from the database backups.\n\n", keyPath)
	}
	box, err := secret.New(key)
	if err != nil {
		return nil, err
	}
	return store.Open(ctx, store.Config{URL: f.database, DataDir: f.data, Box: box})
}

func (m *Main) serve(ctx context.Context, args []string) error {
	fs := flag.NewFlagSet("serve", flag.ContinueOnError)
	fs.SetOutput(m.stderr)
	db := m.addDBFlags(fs)
	addr := fs.String("addr", m.env("JINGUO_ADDR", "127.0.0.1:8080"), "listen address")
	withDemo := fs.Bool("demo", false, "load the demo city into an empty database and list demo accounts on the sign-in page")
	rootName := fs.String("root-name", "市妇联", "name of the root org on first start")
	rootDivision := fs.String("root-division", "", "12-digit division code of the root org on first start")
	secure := fs.Bool("secure-cookies", m.getenv("JINGUO_SECURE_COOKIES") == "1", "mark cookies Secure (behind HTTPS)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	log := slog.New(slog.NewTextHandler(m.stderr, &slog.HandlerOptions{Level: slog.LevelInfo}))
	st, err := m.open(ctx, db)
	if err != nil {
		return err
	}
	defer st.Close()
	if *withDemo {
		has, err := st.HasRoot(ctx)
		if err != nil {
			return err
		}
		if !has {
			fmt.Fprintln(m.stderr, "Loading the demo city (first start only)…")
			start := time.Now()
			if _, err := demo.Load(ctx, st, demo.Options{}, nil); err != nil {
				return fmt.Errorf("load demo: %w", err)
			}
			fmt.Fprintf(m.stderr, "Demo city loaded in %s.\n", time.Since(start).Round(100*time.Millisecond))
		}
	}
	if err := m.firstStart(ctx, st, *rootName, *rootDivision); err != nil {
		return err
	}
	srv, err := web.New(st, web.Config{Demo: *withDemo, SecureCookies: *secure, Version: Version}, log, nil)
	if err != nil {
		return err
	}
	runner := jobs.NewRunner(st, log)
	go runner.Run(ctx)
	return srv.ListenAndServe(ctx, *addr, func(a string) {
		fmt.Fprintf(m.stdout, "Jinguo is serving on http://%s (database: %s)\n", a, st.Engine())
		if m.Ready != nil {
			m.Ready(a)
		}
	})
}

// firstStart creates the root org and the admin on an empty database.
func (m *Main) firstStart(ctx context.Context, st *store.Store, rootName, rootDivision string) error {
	pw := m.getenv("JINGUO_ADMIN_PASSWORD")
	generated := pw == ""
	if generated {
		pw = auth.GeneratePassword()
	}
	_, createdAdmin, err := st.EnsureRoot(ctx, store.FirstStart{RootName: rootName, RootDivision: rootDivision, AdminPassword: pw, AdminMustChange: generated})
	if err != nil {
		return err
	}
	if createdAdmin {
		if generated {
			fmt.Fprintf(m.stdout, "\nCreated user admin with password: %s\n(shown once; you will be asked to change it at first sign-in)\n\n", pw)
		} else {
			fmt.Fprintln(m.stdout, "Created user admin with the password from JINGUO_ADMIN_PASSWORD.")
		}
	}
	return nil
}

func (m *Main) migrate(ctx context.Context, args []string) error {
	fs := flag.NewFlagSet("migrate", flag.ContinueOnError)
	fs.SetOutput(m.stderr)
	db := m.addDBFlags(fs)
	if err := fs.Parse(args); err != nil {
		return err
	}
	st, err := m.open(ctx, db)
	if err != nil {
		return err
	}
	defer st.Close()
	fmt.Fprintf(m.stdout, "Database is up to date (%s).\n", st.Engine())
	return nil
}

func (m *Main) demo(ctx context.Context, args []string) error {
	fs := flag.NewFlagSet("demo", flag.ContinueOnError)
	fs.SetOutput(m.stderr)
	db := m.addDBFlags(fs)
	n := fs.Int("people", 5000, "number of women in the demo registry")
	if err := fs.Parse(args); err != nil {
		return err
	}
	st, err := m.open(ctx, db)
	if err != nil {
		return err
	}
	defer st.Close()
	accounts, err := demo.Load(ctx, st, demo.Options{People: *n}, func(done, total int) {
		fmt.Fprintf(m.stderr, "\r%d/%d", done, total)
	})
	fmt.Fprintln(m.stderr)
	if err != nil {
		return err
	}
	if err := m.firstStart(ctx, st, "市妇联", ""); err != nil {
		return err
	}
	fmt.Fprintln(m.stdout, "Demo city loaded. Accounts:")
	for _, a := range accounts {
		fmt.Fprintf(m.stdout, "  %-18s %-20s %s\n", a.Username, a.Password, a.OrgName)
	}
	return nil
}

func (m *Main) user(ctx context.Context, args []string) error {
	if len(args) == 0 {
		return errors.New("user: want create, reset-password, lock or unlock")
	}
	sub, args := args[0], args[1:]
	fs := flag.NewFlagSet("user "+sub, flag.ContinueOnError)
	fs.SetOutput(m.stderr)
	db := m.addDBFlags(fs)
	username := fs.String("username", "", "username")
	password := fs.String("password", "", "password (generated when empty)")
	var orgID int64
	var role, display string
	if sub == "create" {
		fs.Int64Var(&orgID, "org-id", 0, "org id (default: the root org)")
		fs.StringVar(&role, "role", auth.RoleCadre, "role code")
		fs.StringVar(&display, "name", "", "display name")
	}
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *username == "" {
		return errors.New("--username is required")
	}
	st, err := m.open(ctx, db)
	if err != nil {
		return err
	}
	defer st.Close()
	sys := auth.System()
	sys.Username = "cli"
	pw := *password
	generated := pw == "" && (sub == "create" || sub == "reset-password")
	if generated {
		pw = auth.GeneratePassword()
	}
	printPassword := func() {
		if generated {
			fmt.Fprintf(m.stdout, "Password: %s (to be changed at first sign-in)\n", pw)
		}
	}
	switch sub {
	case "create":
		if orgID == 0 {
			root, err := st.RootOrg(ctx)
			if err != nil {
				return errors.New("there is no organisation yet: start the server once (jinguo serve) or load the demo (jinguo demo) first")
			}
			orgID = root.ID
		}
		u, err := st.CreateUser(ctx, sys, store.UserInput{Username: *username, DisplayName: display, Password: pw, OrgID: orgID, Role: role})
		if err != nil {
			return err
		}
		fmt.Fprintf(m.stdout, "Created user %s (id %d).\n", u.Username, u.ID)
		printPassword()
		return nil
	}
	u, err := st.UserByUsername(ctx, *username)
	if err != nil {
		return fmt.Errorf("user %q: %w", *username, err)
	}
	switch sub {
	case "reset-password":
		err = st.ResetPassword(ctx, sys, u.ID, pw)
	case "lock":
		err = st.SetUserDisabled(ctx, sys, u.ID, true)
	case "unlock":
		if err = st.SetUserDisabled(ctx, sys, u.ID, false); err == nil {
			err = st.UnlockUser(ctx, sys, u.ID)
		}
	default:
		return fmt.Errorf("user: unknown subcommand %q", sub)
	}
	if err != nil {
		return err
	}
	fmt.Fprintf(m.stdout, "Done: %s %s.\n", sub, u.Username)
	if sub == "reset-password" {
		printPassword()
	}
	return nil
}
