package smtpd_test

import (
	"fmt"
	"io"
	"log/slog"
	"os"
	"testing"

	"github.com/outpost-mail/outpost/internal/store"
	"github.com/outpost-mail/outpost/smtpd"
	"github.com/outpost-mail/outpost/smtpd/smtptest"
)

// BenchmarkRelay compares, in the same run, N keep-alive client sessions
// sending the same messages (a) straight to a local go-smtp sink and (b)
// through outpost (STARTTLS + AUTH once per session, SQLite tenant store)
// to that sink. ns/op is outpost's; the metrics report both rates, their
// ratio and the latency percentiles.
//
//	go test -run '^$' -bench BenchmarkRelay -benchtime 3000x ./smtpd
func BenchmarkRelay(b *testing.B) {
	for _, dk := range []string{"none", "ed25519", "rsa"} {
		for _, n := range []int{5, 20, 50} {
			b.Run(fmt.Sprintf("dkim=%s/sessions=%d", dk, n), func(b *testing.B) { benchRelay(b, dk, n) })
		}
	}
}

func benchRelay(b *testing.B, dkimAlg string, sessions int) {
	// OUTPOST_BENCH_PLAIN=1: clients AUTH without STARTTLS (loopback), to
	// see what TLS on the client leg costs.
	plain := os.Getenv("OUTPOST_BENCH_PLAIN") != ""
	sink := smtptest.New(b, smtptest.Options{Sink: true})
	e := newEnv(b, []*smtptest.Upstream{sink}, func(o *smtpd.Options) {
		o.Logger = slog.New(slog.NewJSONHandler(io.Discard, nil))
		o.MaxConnsPerIP = 1000
		o.UpstreamMaxIdle = 2 * sessions
		o.AllowInsecureAuth = plain
		if dkimAlg != "none" {
			db := o.Tenants.(*store.DB)
			putKey(b, db, "example.com", "bench", dkimAlg)
			o.DKIMKeys = db
		}
	})
	throughTLS := e.tls
	if plain {
		throughTLS = nil // AllowInsecureAuth: loopback only
	}
	smtptest.Bench(b, smtptest.Load{
		Sessions:    sessions,
		DialThrough: smtptest.DialAuth(b, e.addr, throughTLS, "acme", secret),
		From:        "billing@example.com",
		To:          []string{"customer@example.org"},
		Msg:         smtptest.InvoiceMsg,
		Sink:        sink,
	})
}
