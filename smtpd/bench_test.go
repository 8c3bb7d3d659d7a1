package smtpd_test

import (
	"fmt"
	"io"
	"log/slog"
	"os"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/emersion/go-sasl"
	"github.com/emersion/go-smtp"

	"github.com/outpost-mail/outpost/internal/store"
	"github.com/outpost-mail/outpost/smtpd"
	"github.com/outpost-mail/outpost/smtpd/smtptest"
)

// benchMsg is a typical transactional mail: an invoice notice of about 4 KB.
var benchMsg = func() string {
	var b strings.Builder
	b.WriteString("From: Acme Billing <billing@example.com>\r\n" +
		"To: Customer <customer@example.org>\r\n" +
		"Subject: Invoice INV-2026-0042\r\n" +
		"Message-ID: <inv-0042@example.com>\r\n" +
		"Date: Wed, 04 Mar 2026 05:06:07 +0000\r\n" +
		"MIME-Version: 1.0\r\n" +
		"Content-Type: text/plain; charset=utf-8\r\n\r\n")
	for i := 0; b.Len() < 4000; i++ {
		fmt.Fprintf(&b, "Line %03d: item %d, quantity %d, unit price %d.%02d EUR, total due on receipt.\r\n", i, i*7, i%5+1, i*3, i%100)
	}
	return b.String()
}()

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
	rcpt := []string{"customer@example.org"}

	through := newWorkers(b, sessions, func() *smtp.Client {
		var c *smtp.Client
		var err error
		if plain {
			c, err = smtp.Dial(e.addr) // AllowInsecureAuth: loopback only
		} else {
			c, err = smtp.DialStartTLS(e.addr, e.tls)
		}
		if err != nil {
			b.Fatal(err)
		}
		if err := c.Auth(sasl.NewPlainClient("", "acme", secret)); err != nil {
			b.Fatal(err)
		}
		return c
	}, rcpt)
	direct := newWorkers(b, sessions, func() *smtp.Client {
		c, err := smtp.Dial(sink.Addr())
		if err != nil {
			b.Fatal(err)
		}
		return c
	}, rcpt)
	// The two paths run in alternating chunks of the same size, so that the
	// load of a shared machine weighs on both alike; ns/op is outpost's.
	const chunk = 250
	var tDur, dDur time.Duration
	count, inChunk := 0, 0
	var wg sync.WaitGroup
	t0 := time.Now()
	runDirect := func(n int) {
		b.StopTimer()
		tDur += time.Since(t0)
		d0 := time.Now()
		var dwg sync.WaitGroup
		dwg.Add(n)
		for range n {
			direct.jobs <- &dwg
		}
		dwg.Wait()
		dDur += time.Since(d0)
		t0 = time.Now()
		b.StartTimer()
	}
	for b.Loop() {
		wg.Add(1)
		through.jobs <- &wg
		count++
		if inChunk++; inChunk == chunk {
			wg.Wait()
			runDirect(inChunk)
			inChunk = 0
		}
	}
	wg.Wait()
	if inChunk > 0 {
		runDirect(inChunk)
	}
	tDur += time.Since(t0)
	tLat, dLat := through.stop(), direct.stop()

	if got := sink.Count(); got != 2*count {
		b.Fatalf("sink got %d messages, want %d", got, 2*count)
	}
	tRate, dRate := float64(count)/tDur.Seconds(), float64(count)/dDur.Seconds()
	b.ReportMetric(tRate, "through_msg/s")
	b.ReportMetric(dRate, "direct_msg/s")
	b.ReportMetric(tRate/dRate, "ratio")
	ms := func(d time.Duration) float64 { return float64(d) / 1e6 }
	b.ReportMetric(ms(pct(tLat, 50)), "through_p50_ms")
	b.ReportMetric(ms(pct(tLat, 99)), "through_p99_ms")
	b.ReportMetric(ms(pct(dLat, 50)), "direct_p50_ms")
	b.ReportMetric(ms(pct(dLat, 99)), "direct_p99_ms")
	b.ReportMetric(ms(pct(tLat, 99)-pct(dLat, 99)), "added_p99_ms")
}

type workers struct {
	jobs chan *sync.WaitGroup
	wg   sync.WaitGroup
	mu   sync.Mutex
	lat  []time.Duration
}

func newWorkers(b *testing.B, n int, dial func() *smtp.Client, rcpt []string) *workers {
	w := &workers{jobs: make(chan *sync.WaitGroup, n)}
	clients := make([]*smtp.Client, n)
	for i := range clients {
		clients[i] = dial()
	}
	for _, c := range clients {
		w.wg.Add(1)
		go func() {
			defer w.wg.Done()
			defer c.Close()
			var lat []time.Duration
			for done := range w.jobs {
				t0 := time.Now()
				if err := send(c, "billing@example.com", rcpt, benchMsg); err != nil {
					b.Error(err)
				}
				lat = append(lat, time.Since(t0))
				done.Done()
			}
			_ = c.Quit()
			w.mu.Lock()
			w.lat = append(w.lat, lat...)
			w.mu.Unlock()
		}()
	}
	return w
}

func (w *workers) stop() []time.Duration {
	close(w.jobs)
	w.wg.Wait()
	slices.Sort(w.lat)
	return w.lat
}

func pct(sorted []time.Duration, p int) time.Duration {
	if len(sorted) == 0 {
		return 0
	}
	i := (len(sorted)*p + 99) / 100
	return sorted[min(max(i-1, 0), len(sorted)-1)]
}
