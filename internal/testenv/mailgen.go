package testenv

import (
	"bufio"
	"bytes"
	"fmt"
	"io"
	"math/rand/v2"
	"net/mail"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
)

// Mail generators shared by the simulations (review's and the scripted
// attack over SMTP): the honest look-alike (the platform's invoice template,
// near-identical across tenants) and the bot's spam (a corpus message varied
// copy by copy), and the corpus files they start from. Pass a seeded rng
// for a repeatable run.

// CorpusFiles lists the files of the labelled corpus in dir (see Corpus) for
// which keep, given a line of labels.tsv (the file's path relative to dir,
// e.g. "hard_ham/00001.eml", and its label, "ham" or "spam"), says yes, in
// labels.tsv order.
func CorpusFiles(t testing.TB, dir string, keep func(path, label string) bool) []string {
	t.Helper()
	f, err := os.Open(filepath.Join(dir, "labels.tsv"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var out []string
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		p := strings.Split(sc.Text(), "\t")
		if len(p) >= 2 && !strings.HasPrefix(p[0], "#") && keep(p[0], p[1]) {
			out = append(out, filepath.Join(dir, p[0]))
		}
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}

// Names are the first names generated mail greets, signs and addresses.
var Names = []string{"John", "Maria", "Peter", "Sandra", "Ahmed", "Li", "Olga", "Tom", "Grace", "Luis", "Emma", "Noah", "Fatima", "Kenji"}

// Invoice fills in the platform's invoice (or, with quote, quote) template
// for one business and one customer, dated in month ("2026-03"), and returns
// its subject and plain-text body.
func Invoice(rng *rand.Rand, month, company, customer string, quote bool) (subject, body string) {
	n := rng.IntN(9000) + 1000
	kind, verb := "Invoice", "Please find your invoice below. Payment is due within 30 days."
	if quote {
		kind, verb = "Quote", "Thank you for your request. Please find our quote below; it is valid for 30 days."
	}
	var items strings.Builder
	for i := range rng.IntN(4) + 1 {
		fmt.Fprintf(&items, "  %d x %s ........ EUR %d.%02d\n", rng.IntN(5)+1, []string{"Consulting hours", "Website maintenance", "Office chairs",
			"Cleaning service", "Catering"}[(n+i)%5], rng.IntN(900)+10, rng.IntN(100))
	}
	body = fmt.Sprintf(`Dear %s,

%s

%s %d from %s
Date: %s-%02d

%s
Total: EUR %d.%02d

You can view and pay online at https://pay.platform.example/%s/%d

If you have any questions about this document, simply reply to this e-mail.

Kind regards,
%s

--
Sent with Platform, online invoicing for small businesses.
`, customer, verb, kind, n, company, month, rng.IntN(28)+1, items.String(), rng.IntN(5000), rng.IntN(100), strings.ToLower(kind), n, company)
	return fmt.Sprintf("%s %d from %s", kind, n, company), body
}

var (
	urlRe   = regexp.MustCompile(`(?i)(https?://|www\.)[^\s"<>]+`)
	digitRe = regexp.MustCompile(`[0-9]+`)
	wordRe  = regexp.MustCompile(`\b[a-z]{5,}\b`)
	fillers = []string{"really", "truly", "simply", "totally", "now", "exclusive", "special", "private", "secret", "proven"}
)

// VarySpam makes one copy of a spam template the way a bot does: every link
// points to its own URL on linkDomain (one is added if there is none), new
// numbers, three words swapped for fillers, a greeting to a name.
func VarySpam(rng *rand.Rand, subject, body, linkDomain string) (string, string) {
	body = urlRe.ReplaceAllStringFunc(body, func(string) string {
		return fmt.Sprintf("http://%s/%x?u=%d", linkDomain, rng.Uint32(), rng.IntN(99999))
	})
	if !strings.Contains(body, linkDomain) {
		body += fmt.Sprintf("\nVisit http://%s/%x now\n", linkDomain, rng.Uint32())
	}
	body = digitRe.ReplaceAllStringFunc(body, func(string) string { return fmt.Sprint(rng.IntN(1000)) })
	for range 3 {
		words := wordRe.FindAllStringIndex(body, -1)
		if len(words) == 0 {
			break
		}
		w := words[rng.IntN(len(words))]
		body = body[:w[0]] + fillers[rng.IntN(len(fillers))] + body[w[1]:]
	}
	name := Names[rng.IntN(len(Names))]
	return fmt.Sprintf("%s %s #%d", name, subject, rng.IntN(1000)), fmt.Sprintf("Dear %s,\n\n%s", name, body)
}

// PlainText returns the subject and body of raw when it is a single-part
// text/plain message, not base64 or quoted-printable, with a body of 400 to
// 3000 bytes: a spam template VarySpam can vary. ok is false otherwise.
func PlainText(raw []byte) (subject, body string, ok bool) {
	m, err := mail.ReadMessage(bytes.NewReader(raw))
	if err != nil {
		return "", "", false
	}
	ct := strings.ToLower(m.Header.Get("Content-Type"))
	cte := strings.ToLower(m.Header.Get("Content-Transfer-Encoding"))
	if (ct != "" && !strings.HasPrefix(ct, "text/plain")) || strings.Contains(cte, "base64") || strings.Contains(cte, "quoted") {
		return "", "", false
	}
	b, err := io.ReadAll(m.Body)
	if err != nil || len(b) < 400 || len(b) > 3000 {
		return "", "", false
	}
	return m.Header.Get("Subject"), string(b), true
}

// Readdress gives a corpus message new addressing: head (header lines, each
// ending in CRLF) replaces the headers named in drop (lower case), the mbox
// "From " line and any line that is not a header, the rest of the header and
// the body are kept, and every line ends in CRLF.
func Readdress(raw []byte, head string, drop ...string) string {
	raw = bytes.ReplaceAll(raw, []byte("\r\n"), []byte("\n"))
	hdr, body, _ := bytes.Cut(raw, []byte("\n\n"))
	var out strings.Builder
	out.WriteString(head)
	skip := false
	for _, l := range strings.Split(string(hdr), "\n") {
		if l == "" || strings.HasPrefix(l, "From ") {
			continue
		}
		if l[0] != ' ' && l[0] != '\t' { // a new header, not a continuation
			k := strings.ToLower(l[:max(0, strings.IndexByte(l, ':'))])
			skip = k == "" || slices.Contains(drop, k)
		}
		if !skip {
			out.WriteString(l + "\r\n")
		}
	}
	out.WriteString("\r\n")
	out.WriteString(strings.ReplaceAll(string(body), "\n", "\r\n"))
	return out.String()
}
