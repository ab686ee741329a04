// Command jinguo is the work platform of a Women's Federation and of every
// federation below it: one binary that serves the web UI and API, migrates
// the database, manages accounts and loads demo data.
package main

import (
	"context"
	"fmt"
	"os"
	"os/signal"
	"syscall"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	m := NewMain(os.Stdout, os.Stderr, os.Getenv)
	if err := m.Run(ctx, os.Args[1:]); err != nil {
		fmt.Fprintln(os.Stderr, "jinguo:", err)
		os.Exit(1)
	}
}
