package scoring

import (
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/jdkato/prose/v2"

	"github.com/outpost-mail/outpost/smtpd/smtptest"
)

// BenchmarkScoreCorpus scores the development corpus, one message per op:
// ns/op is the mean time per message, allocs/op the allocations per message.
func BenchmarkScoreCorpus(b *testing.B) {
	msgs := loadCorpus(b)
	s := newTestScorer(b)
	var bytes int64
	for _, m := range msgs {
		bytes += int64(len(m.Raw))
	}
	b.SetBytes(bytes / int64(len(msgs)))
	b.ReportAllocs()
	i := 0
	start, cpu0 := time.Now(), cpuTime()
	for b.Loop() {
		s.Score(msgs[i%len(msgs)].Raw)
		i++
	}
	// Wall-clock rate, and the rate per CPU second of this process (which
	// stays honest when the machine is shared and the wall clock is not).
	b.ReportMetric(float64(i)/time.Since(start).Seconds(), "msgs/s")
	if cpu := cpuTime() - cpu0; cpu > 0 {
		b.ReportMetric(float64(i)/cpu.Seconds(), "msgs/cpu-s")
	}
}

// BenchmarkScoreInvoice scores the 4 KB plain-text invoice the relay
// benchmark sends (cmd/outpost BenchmarkPipeline): the cost scoring adds to
// each relayed message.
func BenchmarkScoreInvoice(b *testing.B) {
	raw := []byte(smtptest.InvoiceMsg)
	s := newTestScorer(b)
	b.SetBytes(int64(len(raw)))
	b.ReportAllocs()
	cpu0 := cpuTime()
	for b.Loop() {
		s.Score(raw)
	}
	if cpu := cpuTime() - cpu0; cpu > 0 {
		b.ReportMetric(float64(b.N)/cpu.Seconds(), "msgs/cpu-s")
	}
}

// large1MB builds a deterministic ~1 MB HTML newsletter with many links and a
// plain-text alternative.
func large1MB() []byte {
	var html, text strings.Builder
	for i := 0; html.Len()+text.Len() < 1<<20; i++ {
		fmt.Fprintf(&html, `<p>Paragraph %d of the newsletter with ordinary words about gardens, trains and tea. `+
			`<a href="https://site%d.example/article/%d?utm_source=mail">Read article %d</a></p>`+"\n", i, i%50, i, i)
		fmt.Fprintf(&text, "Paragraph %d of the newsletter with ordinary words about gardens, trains and tea. https://site%d.example/article/%d\n", i, i%50, i)
	}
	return rawMail([]string{"From: News <news@site0.example>", "To: r@example.org", "Subject: A very long newsletter",
		"MIME-Version: 1.0", `Content-Type: multipart/alternative; boundary="big"`},
		"--big\nContent-Type: text/plain; charset=utf-8\n\n"+text.String()+"\n--big\nContent-Type: text/html; charset=utf-8\n\n"+html.String()+"\n--big--\n")
}

// BenchmarkScoreLarge1MB scores a 1 MB message and reports the p99 latency.
func BenchmarkScoreLarge1MB(b *testing.B) {
	raw := large1MB()
	s := newTestScorer(b)
	b.SetBytes(int64(len(raw)))
	b.ReportAllocs()
	var ds []time.Duration
	for b.Loop() {
		t := time.Now()
		s.Score(raw)
		ds = append(ds, time.Since(t))
	}
	slices.Sort(ds)
	b.ReportMetric(float64(ds[len(ds)*99/100].Microseconds())/1000, "p99-ms")
}

func BenchmarkFingerprint(b *testing.B) {
	m := Parse(readTestdata(b, "crypto.eml"))
	text := m.Subject + "\n" + m.Text()
	b.SetBytes(int64(len(text)))
	b.ReportAllocs()
	for b.Loop() {
		FingerprintText(text)
	}
}

func BenchmarkParse(b *testing.B) {
	raw := readTestdata(b, "invoice.eml")
	b.ReportAllocs()
	for b.Loop() {
		Parse(raw)
	}
}

// The two tokenizer benchmarks justify not using prose on the hot path: see
// doc.go.
func benchText(b *testing.B) string {
	m := Parse(readTestdata(b, "crypto.eml"))
	return strings.Repeat(m.Text()+" ", 3) // ~2 KB, a typical body
}

func BenchmarkTokenizeOwn(b *testing.B) {
	text := benchText(b)
	var tk tokenizer
	b.SetBytes(int64(len(text)))
	b.ReportAllocs()
	for b.Loop() {
		tk.each(text, func([]byte, string) {})
	}
}

func BenchmarkTokenizeProse(b *testing.B) {
	text := benchText(b)
	b.SetBytes(int64(len(text)))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := prose.NewDocument(text, prose.WithTagging(false), prose.WithExtraction(false), prose.WithSegmentation(false)); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkSentencesProse(b *testing.B) {
	text := benchText(b)
	b.ReportAllocs()
	for b.Loop() {
		if _, err := prose.NewDocument(text, prose.WithTagging(false), prose.WithExtraction(false), prose.WithTokenization(false)); err != nil {
			b.Fatal(err)
		}
	}
}
