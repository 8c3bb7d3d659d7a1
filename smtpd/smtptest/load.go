package smtptest

import (
	"crypto/tls"
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/emersion/go-sasl"
	"github.com/emersion/go-smtp"
)

// InvoiceMsg is a typical transactional mail: an invoice notice of about 4 KB.
var InvoiceMsg = func() string {
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

// Load describes a relay benchmark: the same message sent by Sessions
// keep-alive clients through the system under test and, in the same run,
// straight to the Sink it relays to.
type Load struct {
	Sessions    int
	DialThrough func() *smtp.Client // a ready (TLS/AUTH done) client of the system under test; see DialAuth
	DialDirect  func() *smtp.Client // a client of the sink itself (nil: a plain connection to Sink)
	From        string
	To          []string
	Msg         string
	// Sink is where both paths end; its count is checked against what was sent.
	Sink *Upstream
}

// DialAuth returns a dialer of ready clients of addr: STARTTLS with
// tlsConfig (nil: a plain connection, for a server that allows AUTH
// without TLS on loopback), then AUTH PLAIN as user. It fails b when
// either step fails.
func DialAuth(b testing.TB, addr string, tlsConfig *tls.Config, user, pass string) func() *smtp.Client {
	return func() *smtp.Client {
		var c *smtp.Client
		var err error
		if tlsConfig == nil {
			c, err = smtp.Dial(addr)
		} else {
			c, err = smtp.DialStartTLS(addr, tlsConfig)
		}
		if err != nil {
			b.Fatal(err)
		}
		if err := c.Auth(sasl.NewPlainClient("", user, pass)); err != nil {
			b.Fatal(err)
		}
		return c
	}
}

// Send runs one transaction on a client.
func Send(c *smtp.Client, from string, to []string, msg string) error {
	if err := c.Mail(from, nil); err != nil {
		return err
	}
	for _, r := range to {
		if err := c.Rcpt(r, nil); err != nil {
			return err
		}
	}
	w, err := c.Data()
	if err != nil {
		return err
	}
	if _, err := w.Write([]byte(msg)); err != nil {
		return err
	}
	return w.Close()
}

// Bench runs b.N messages through the system and as many directly, in
// alternating chunks of 250 so that a shared machine's load weighs on both
// alike (ns/op is the system's), and reports through_msg/s, direct_msg/s,
// their ratio, p50/p99 of both and the added p99.
func Bench(b *testing.B, l Load) {
	if l.DialDirect == nil {
		l.DialDirect = func() *smtp.Client {
			c, err := smtp.Dial(l.Sink.Addr())
			if err != nil {
				b.Fatal(err)
			}
			return c
		}
	}
	through := newLoadWorkers(b, l, l.DialThrough)
	direct := newLoadWorkers(b, l, l.DialDirect)
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

	if l.Sink != nil {
		if got := l.Sink.Count(); got != 2*count {
			b.Fatalf("sink got %d messages, want %d", got, 2*count)
		}
	}
	tRate, dRate := float64(count)/tDur.Seconds(), float64(count)/dDur.Seconds()
	b.ReportMetric(tRate, "through_msg/s")
	b.ReportMetric(dRate, "direct_msg/s")
	b.ReportMetric(tRate/dRate, "ratio")
	ms := func(d time.Duration) float64 { return float64(d) / 1e6 }
	b.ReportMetric(ms(Percentile(tLat, 50)), "through_p50_ms")
	b.ReportMetric(ms(Percentile(tLat, 99)), "through_p99_ms")
	b.ReportMetric(ms(Percentile(dLat, 50)), "direct_p50_ms")
	b.ReportMetric(ms(Percentile(dLat, 99)), "direct_p99_ms")
	b.ReportMetric(ms(Percentile(tLat, 99)-Percentile(dLat, 99)), "added_p99_ms")
}

type loadWorkers struct {
	jobs chan *sync.WaitGroup
	wg   sync.WaitGroup
	mu   sync.Mutex
	lat  []time.Duration
}

func newLoadWorkers(b *testing.B, l Load, dial func() *smtp.Client) *loadWorkers {
	w := &loadWorkers{jobs: make(chan *sync.WaitGroup, l.Sessions)}
	clients := make([]*smtp.Client, l.Sessions)
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
				if err := Send(c, l.From, l.To, l.Msg); err != nil {
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

func (w *loadWorkers) stop() []time.Duration {
	close(w.jobs)
	w.wg.Wait()
	slices.Sort(w.lat)
	return w.lat
}

// Percentile returns the p-th percentile of sorted durations.
func Percentile(sorted []time.Duration, p int) time.Duration {
	if len(sorted) == 0 {
		return 0
	}
	i := (len(sorted)*p + 99) / 100
	return sorted[min(max(i-1, 0), len(sorted)-1)]
}
