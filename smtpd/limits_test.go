package smtpd_test

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/outpost-mail/outpost/smtpd"
	"github.com/outpost-mail/outpost/smtpd/smtptest"
)

// rawSession opens a trusted plain-text session up to the 250 of EHLO.
func rawSession(t *testing.T, e *env) *rawConn {
	t.Helper()
	r := dialRaw(t, e.addr)
	wantPrefix(t, r.reply(), "220 ")
	wantPrefix(t, r.cmd("EHLO client.test"), "250 ")
	return r
}

func TestLimits(t *testing.T) {
	up := smtptest.New(t, smtptest.Options{})
	e := newEnv(t, []*smtptest.Upstream{up}, trusted, func(o *smtpd.Options) {
		o.MaxMessageBytes = 2000
		o.MaxRecipients = 2
		o.MaxLineLength = 200
	})
	hdr := "X-Outpost-Tenant: acme\r\nFrom: a@example.com\r\n\r\n"

	t.Run("size", func(t *testing.T) {
		c := e.plain()
		err := send(c, "a@example.com", []string{"b@example.org"}, hdr+strings.Repeat("0123456789012345678901234567890123456789\r\n", 60))
		wantReply(t, err, 552, "5.3.4")
		// SIZE= announced in MAIL is refused up front
		r := rawSession(t, e)
		wantPrefix(t, r.cmd("MAIL FROM:<a@example.com> SIZE=5000"), "552 5.3.4")
	})
	t.Run("recipients", func(t *testing.T) {
		c := e.plain()
		if err := c.Mail("a@example.com", nil); err != nil {
			t.Fatal(err)
		}
		for i := range 2 {
			if err := c.Rcpt(fmt.Sprintf("r%d@example.org", i), nil); err != nil {
				t.Fatal(err)
			}
		}
		wantReply(t, c.Rcpt("r3@example.org", nil), 452, "4.5.3")
	})
	t.Run("message_line_length", func(t *testing.T) {
		c := e.plain()
		err := send(c, "a@example.com", []string{"b@example.org"}, hdr+strings.Repeat("x", 300)+"\r\n")
		wantReply(t, err, 554, "5.6.0", "longer than 200")
	})
	t.Run("header_line_length", func(t *testing.T) {
		c := e.plain()
		err := send(c, "a@example.com", []string{"b@example.org"}, "Subject: "+strings.Repeat("y", 300)+"\r\n"+hdr+"body\r\n")
		wantReply(t, err, 554, "5.6.0")
	})
	t.Run("header_line_length_bdat", func(t *testing.T) {
		// BDAT bypasses go-smtp's line limit; our check still applies.
		r := rawSession(t, e)
		wantPrefix(t, r.cmd("MAIL FROM:<a@example.com>"), "250 ")
		wantPrefix(t, r.cmd("RCPT TO:<b@example.org>"), "250 ")
		msg := "Subject: " + strings.Repeat("y", 300) + "\r\n" + hdr + "body\r\n"
		r.send(fmt.Sprintf("BDAT %d LAST\r\n%s", len(msg), msg))
		// go-smtp's line limit may still see the line when it reads ahead
		// with the BDAT command (500 5.4.0, connection closed); otherwise
		// our check refuses it. Either way nothing is relayed.
		if l := r.reply(); !strings.HasPrefix(l, "554 5.6.0") && !strings.HasPrefix(l, "500 5.4.0") {
			t.Fatalf("BDAT with a long header line: %q", l)
		}
	})
	t.Run("command_line_length", func(t *testing.T) {
		r := rawSession(t, e)
		wantPrefix(t, r.cmd("MAIL FROM:<"+strings.Repeat("a", 300)+"@example.com>"), "500 5.4.0")
	})
	if n := up.Count(); n != 0 {
		t.Fatalf("upstream got %d messages", n)
	}
}

func TestTimeouts(t *testing.T) {
	e := newEnv(t, nil, trusted, func(o *smtpd.Options) {
		o.CommandTimeout = 300 * time.Millisecond
		o.DataTimeout = 300 * time.Millisecond
	})
	t.Run("command", func(t *testing.T) {
		r := rawSession(t, e)
		// say nothing: the server gives up
		wantPrefix(t, r.reply(), "421 4.4.2")
	})
	t.Run("data", func(t *testing.T) {
		r := rawSession(t, e)
		wantPrefix(t, r.cmd("MAIL FROM:<a@example.com>"), "250 ")
		wantPrefix(t, r.cmd("RCPT TO:<b@example.org>"), "250 ")
		wantPrefix(t, r.cmd("DATA"), "354 ")
		r.send("X-Outpost-Tenant: acme\r\n\r\npart of a body") // then stall
		wantPrefix(t, r.reply(), "451 4.4.2")
	})
	if n := e.ups[0].Count(); n != 0 {
		t.Fatalf("upstream got %d messages", n)
	}
}

func TestConnectionLimits(t *testing.T) {
	t.Run("per_ip", func(t *testing.T) {
		e := newEnv(t, nil, func(o *smtpd.Options) { o.MaxConnsPerIP = 2 })
		for range 2 {
			wantPrefix(t, dialRaw(t, e.addr).reply(), "220 ")
		}
		wantPrefix(t, dialRaw(t, e.addr).reply(), "421 4.7.0 too many connections from your address")
	})
	t.Run("total", func(t *testing.T) {
		e := newEnv(t, nil, func(o *smtpd.Options) { o.MaxConns = 3 })
		var open []*rawConn
		for range 3 {
			r := dialRaw(t, e.addr)
			wantPrefix(t, r.reply(), "220 ")
			open = append(open, r)
		}
		wantPrefix(t, dialRaw(t, e.addr).reply(), "421 4.7.0 too many connections")
		// a closed connection frees its slot
		open[0].cmd("QUIT")
		open[0].c.Close()
		deadline := time.Now().Add(5 * time.Second)
		for {
			r := dialRaw(t, e.addr)
			l := r.reply()
			if strings.HasPrefix(l, "220 ") {
				break
			}
			if time.Now().After(deadline) {
				t.Fatalf("slot not freed: %q", l)
			}
			time.Sleep(20 * time.Millisecond)
		}
	})
}
