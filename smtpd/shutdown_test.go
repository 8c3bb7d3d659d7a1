package smtpd_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/outpost-mail/outpost/smtpd"
	"github.com/outpost-mail/outpost/smtpd/smtptest"
)

// Shutdown: new connections get 421 4.3.2, idle sessions are closed with a
// 421, the transaction under way finishes with the upstream's 250.
func TestShutdownTwoPhases(t *testing.T) {
	release := make(chan struct{})
	entered := make(chan struct{}, 1)
	up := smtptest.New(t, smtptest.Options{Data: func(*smtptest.Envelope) error {
		entered <- struct{}{}
		<-release
		return nil
	}})
	e := newEnv(t, []*smtptest.Upstream{up}, trusted)

	idle := rawSession(t, e)
	busy := e.client()
	done := make(chan error, 1)
	go func() { done <- send(busy, "alice@example.com", []string{"bob@example.org"}, testMsg) }()
	<-entered

	shut := make(chan error, 1)
	go func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		shut <- e.srv.Shutdown(ctx)
	}()
	// the idle session is told to go away
	wantPrefix(t, idle.reply(), "421 ")
	// new connections are refused with 421 4.3.2
	wantPrefix(t, dialRaw(t, e.addr).reply(), "421 4.3.2")

	select {
	case err := <-shut:
		t.Fatalf("Shutdown returned (%v) with a transaction under way", err)
	case <-time.After(100 * time.Millisecond):
	}
	close(release)
	if err := <-done; err != nil {
		t.Fatalf("transaction under way: %v", err)
	}
	if err := busy.Quit(); err != nil && !strings.Contains(err.Error(), "421") {
		t.Logf("quit: %v", err)
	}
	busy.Close()
	if err := <-shut; err != nil {
		t.Fatalf("Shutdown: %v", err)
	}
	if up.Count() != 1 {
		t.Fatalf("upstream got %d messages", up.Count())
	}
}

// After the grace period, what is left is cancelled.
func TestShutdownGraceExpires(t *testing.T) {
	release := make(chan struct{})
	defer close(release)
	entered := make(chan struct{}, 1)
	up := smtptest.New(t, smtptest.Options{Data: func(*smtptest.Envelope) error {
		entered <- struct{}{}
		<-release
		return nil
	}})
	e := newEnv(t, []*smtptest.Upstream{up}, func(o *smtpd.Options) { o.ShutdownGrace = 200 * time.Millisecond })
	c := e.client()
	done := make(chan error, 1)
	go func() { done <- send(c, "alice@example.com", []string{"bob@example.org"}, testMsg) }()
	<-entered
	start := time.Now()
	if err := e.srv.Shutdown(context.Background()); err != nil {
		t.Fatal(err)
	}
	if d := time.Since(start); d > 3*time.Second {
		t.Fatalf("Shutdown took %v with a 200ms grace", d)
	}
	if err := <-done; err == nil {
		t.Fatal("cancelled transaction reported success")
	}
}
