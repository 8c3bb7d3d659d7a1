package main

import (
	"bytes"
	"context"
	"crypto/tls"
	"encoding/json"
	"fmt"
	"io"
	"math/bits"
	"math/rand/v2"
	"net/http"
	"os"
	"regexp"
	"slices"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/emersion/go-sasl"
	"github.com/emersion/go-smtp"

	"github.com/outpost-mail/outpost/internal/store"
	"github.com/outpost-mail/outpost/internal/testenv"
	"github.com/outpost-mail/outpost/scoring"
	"github.com/outpost-mail/outpost/smtpd/smtptest"
)

// The scripted attack of issue 5, in real time against the real binary.
//
// Probation is shortened by flags: --probation-delay 3s and
// --probation-max-delay 20s, against production defaults of 5 minutes and
// 1 hour (everything else — campaign thresholds, templates, the first 20
// messages of trial tenants younger than 7 days — is the production
// default). A new bot every 0.5 s against a 3 s probation is, scaled up, a
// new bot every 50 s against 5 minutes: a fast script. Bots slower than the
// maximum delay are covered by review/simulation_test.go's slow-bots case.
const (
	atkBots           = 50
	atkPerBot         = 20
	atkHonestPaid     = 10 // established: paid plan, no probation, teach templates
	atkHonestTrial    = 20 // new trial tenants on probation
	atkBotEvery       = 500 * time.Millisecond
	atkHonestWindow   = 28 * time.Second // honest mail is spread over the attack
	atkProbationDelay = 3 * time.Second
	atkProbationMax   = 20 * time.Second
	atkTemplates      = 3 // corpus spam messages the bots vary
)

// atkMsg is one message the test sends, and what became of it.
type atkMsg struct {
	id     string // Message-ID without <>
	tenant string
	spam   bool
	kind   string // spam, invoice, quote, ham, newsletter
	from   string
	to     []string
	raw    string
	at     time.Duration // honest: when to send, from the attack's start
	score  float64       // honest: the default model's score, for the report

	res      smtpResult
	accepted time.Time // the client's 250
}

type atkTenant struct {
	id, pass string
	plan     string
	bot      int // the bot's start order, -1 for an honest tenant
	template int
	company  string
	domain   string
	msgs     []*atkMsg
	started  time.Time // bot: when its script began
}

// atkArrival is what the recording upstream saw of one message.
type atkArrival struct {
	at     time.Time
	rcpts  int
	tenant string // from outpost's Received header
	copies int
}

type atkUpstream struct {
	mu      sync.Mutex
	byID    map[string]*atkArrival
	unknown int
}

var (
	atkMsgIDRe    = regexp.MustCompile(`(?im)^Message-ID:[ \t]*<?([^<>\s]+)>?`)
	atkReceivedRe = regexp.MustCompile(`\(tenant ([^)\s]+)\)`)
)

func (u *atkUpstream) record(e *smtptest.Envelope) error {
	head := e.Data
	if i := bytes.Index(head, []byte("\r\n\r\n")); i >= 0 {
		head = head[:i]
	}
	m := atkMsgIDRe.FindSubmatch(head)
	r := atkReceivedRe.FindSubmatch(head)
	u.mu.Lock()
	defer u.mu.Unlock()
	if m == nil {
		u.unknown++
		return nil
	}
	id := string(m[1])
	if a := u.byID[id]; a != nil {
		a.copies++
		a.rcpts += len(e.To)
		return nil
	}
	a := &atkArrival{at: time.Now(), rcpts: len(e.To), copies: 1}
	if r != nil {
		a.tenant = string(r[1])
	}
	u.byID[id] = a
	return nil
}

func (u *atkUpstream) get(id string) (atkArrival, bool) {
	u.mu.Lock()
	defer u.mu.Unlock()
	a := u.byID[id]
	if a == nil {
		return atkArrival{}, false
	}
	return *a, true
}

// TestScriptedAttackOverSMTP: 50 trial tenants created through the API in a
// burst, each sending 20 near-duplicate spam mails made from corpus spam,
// while 30 honest tenants (10 established, 20 new trials) send corpus ham,
// newsletters and the platform's invoice and quote template to their
// customers — all over SMTP with AUTH into two `outpost serve` instances on
// one PostgreSQL and one Redis. It reports what reached the upstream, what
// honest mail was held past probation, when the campaigns were recognised
// and the delay probation added, and asserts the goals.
func TestScriptedAttackOverSMTP(t *testing.T) {
	if testing.Short() {
		t.Skip("real-time attack simulation; skipped with -short")
	}
	corpus := testenv.Corpus(t)
	if corpus == "" {
		return
	}
	redisAddr := testenv.RedisAddr(t)
	dsn := testenv.PostgresDSN(t)
	if redisAddr == "" || dsn == "" {
		return
	}
	outpostBinary(t)
	rng := rand.New(rand.NewPCG(5, 2026))
	ctx := context.Background()

	// Mail built before any server runs, so sending is not slowed by it.
	sc, err := scoring.New(scoring.Options{}) // the default model, as the binary starts with on a fresh database
	if err != nil {
		t.Fatal(err)
	}
	spamT := atkPickSpam(t, sc, corpus, rand.New(rand.NewPCG(1, 1)))
	hamFiles := atkSmallFiles(t, atkCorpusFiles(t, corpus, "ham"), 40<<10)
	hardHam := atkSmallFiles(t, atkCorpusFiles(t, corpus, "hard_ham"), 40<<10)
	if len(hamFiles) < 200 || len(hardHam) < 40 {
		t.Fatalf("corpus too small: %d ham, %d hard_ham", len(hamFiles), len(hardHam))
	}
	honest := atkHonestTenants(t, rng, hamFiles, hardHam)
	bots := atkBotTenants(rng, spamT)
	for _, ht := range honest {
		for _, m := range ht.msgs {
			m.score = sc.Score([]byte(m.raw)).Score
		}
	}

	rec := &atkUpstream{byID: map[string]*atkArrival{}}
	up := smtptest.New(t, smtptest.Options{Data: rec.record})
	cli(t, "migrate", "--db", dsn)
	admin := strings.TrimSpace(cli(t, "token", "create", "--scope", "admin", "--name", "attack-test", "--db", dsn))
	prefix := testenv.RedisPrefix(t)
	var servers []*server
	for range 2 {
		servers = append(servers, startServe(t, "--data-dir", t.TempDir(), "--db", dsn, "--redis", redisAddr, "--redis-prefix", prefix,
			"--upstreams", up.Addr(), "--max-conns-per-ip", "500",
			"--probation-delay", atkProbationDelay.String(), "--probation-max-delay", atkProbationMax.String()))
	}
	db, err := store.Open(ctx, dsn)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	api := &atkAPI{t: t, token: admin, servers: servers}

	// The platform's population: honest tenants exist before the attack.
	for i, ht := range honest {
		ht.pass = api.createTenant(i, ht.id, ht.plan, map[string]string{
			"ip": fmt.Sprintf("%d.%d.%d.%d", 80+i, rng.IntN(256), rng.IntN(256), 1+rng.IntN(254)), "email": "owner@" + ht.domain,
			"country": []string{"NL", "DE", "FR", "GB", "US"}[i%5]})
	}
	// Established tenants have a history: each has already sent a few
	// invoices and quotes (the platform template) before the attack.
	var wg sync.WaitGroup
	for i, ht := range honest {
		if ht.plan != "paid" {
			continue
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			for j, m := range ht.msgs {
				if m.at >= 0 {
					continue
				}
				atkSendOne(servers[(i+j)%len(servers)].smtp, ht, m)
			}
		}()
	}
	wg.Wait()

	// The attack, with the honest traffic interleaved.
	start := time.Now()
	for i, ht := range honest {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for j, m := range ht.msgs {
				if m.at < 0 {
					continue
				}
				time.Sleep(time.Until(start.Add(m.at)))
				atkSendOne(servers[(i+j)%len(servers)].smtp, ht, m)
			}
		}()
	}
	for i, b := range bots {
		time.Sleep(time.Until(start.Add(time.Duration(i) * atkBotEvery)))
		b.started = time.Now()
		// The script: sign up through the API, then send at once.
		b.pass = api.createTenant(i, b.id, "trial", atkBotSignup(rng, i, b.domain))
		wg.Add(1)
		go func() {
			defer wg.Done()
			atkSendAll(servers[i%len(servers)].smtp, b.id, b.pass, b.msgs)
		}()
	}
	wg.Wait()
	sendDone := time.Now()
	var lastAccepted time.Time
	for _, tn := range append(slices.Clone(honest), bots...) {
		for _, m := range tn.msgs {
			if m.accepted.After(lastAccepted) {
				lastAccepted = m.accepted
			}
		}
	}
	// Let probation settle: every probation hold is decided by the maximum
	// delay after its receipt; then wait for released mail in flight.
	settle := lastAccepted.Add(atkProbationMax + 4*time.Second)
	time.Sleep(time.Until(settle))
	deadline := time.Now().Add(30 * time.Second)
	for {
		var queued int
		if err := db.QueryRow(ctx, `SELECT COUNT(*) FROM review_held WHERE state = 'queued'`).Scan(&queued); err != nil {
			t.Fatal(err)
		}
		if queued == 0 || time.Now().After(deadline) {
			break
		}
		time.Sleep(250 * time.Millisecond)
	}
	t.Logf("timeline: attack sent in %v; last 250 at +%v; settled at +%v", sendDone.Sub(start).Round(time.Millisecond),
		lastAccepted.Sub(start).Round(time.Millisecond), time.Since(start).Round(time.Millisecond))

	atkReport(t, ctx, db, api, rec, honest, bots, spamT)
}

// atkReport measures, logs the report table and asserts the goals.
func atkReport(t *testing.T, ctx context.Context, db *store.DB, api *atkAPI, rec *atkUpstream, honest, bots []*atkTenant, spamT []atkSpamTemplate) {
	held := atkHeldRows(t, ctx, db)

	// Spam.
	spamRcpts, spamAccepted, spamRejected, spamRefusedTemp, spamOther, spamReached := 0, 0, 0, 0, 0, 0
	spamCodes := map[string]int{}
	spamRefusals := map[string]int{}
	var leaked []string
	for _, b := range bots {
		for _, m := range b.msgs {
			spamRcpts += len(m.to)
			switch {
			case m.res.code == 250:
				spamAccepted += len(m.to)
			case m.res.code >= 500:
				spamRejected += len(m.to)
			case m.res.code >= 400:
				spamRefusedTemp += len(m.to)
			default:
				spamOther += len(m.to)
			}
			spamCodes[atkOutcome(m, held)]++
			if m.res.code != 250 {
				spamRefusals[m.res.String()]++
			}
			if a, ok := rec.get(m.id); ok {
				spamReached += a.rcpts
				if a.tenant != b.id {
					t.Errorf("upstream copy of %s names tenant %q, want %s", m.id, a.tenant, b.id)
				}
				if len(leaked) < 15 {
					h := held[m.id]
					leaked = append(leaked, fmt.Sprintf("%s (bot %d, template %d) code=%s score=%.1f after %v", m.id, b.bot+1, b.template,
						h.code, h.score, a.at.Sub(m.accepted).Round(100*time.Millisecond)))
				}
			}
		}
	}

	// Honest mail.
	honestSent, honestAccepted, honestRejected, honestTemp, honestDelivered, honestPast := 0, 0, 0, 0, 0, 0
	var delaysAll, delaysTrial []time.Duration
	extended := 0
	pastBy := map[string]int{}
	var pastDetail, refusedDetail []string
	honestCodes := map[string]int{}
	pastTenants := map[string]bool{}
	for _, ht := range honest {
		for _, m := range ht.msgs {
			honestSent++
			honestCodes[ht.plan+" "+atkOutcome(m, held)]++
			switch {
			case m.res.code == 250:
				honestAccepted++
			case m.res.code >= 500:
				honestRejected++
			default:
				honestTemp++
			}
			if m.res.code != 250 {
				refusedDetail = append(refusedDetail, fmt.Sprintf("%s %s (%s): %v", ht.id, m.id, m.kind, m.res))
				continue
			}
			if a, ok := rec.get(m.id); ok {
				honestDelivered++
				d := a.at.Sub(m.accepted)
				delaysAll = append(delaysAll, d)
				if ht.plan == "trial" {
					delaysTrial = append(delaysTrial, d)
					if d > atkProbationDelay+2500*time.Millisecond {
						extended++
					}
				}
				continue
			}
			honestPast++
			pastTenants[ht.id] = true
			h, ok := held[m.id]
			key := "not held (lost?)"
			if ok {
				key = h.code + "/" + h.state
			}
			pastBy[key]++
			if len(pastDetail) < 25 {
				pastDetail = append(pastDetail, fmt.Sprintf("%s %s (%s, %s) %s score=%.2f verdict=%s reason=%q signals=%s",
					ht.id, m.id, ht.plan, m.kind, key, h.score, h.verdict, h.reason, atkTrim(h.signals, 300)))
			}
		}
	}
	type kindScores struct {
		n, over4, over5 int
		sum, max        float64
	}
	byKind := map[string]*kindScores{}
	for _, ht := range honest {
		for _, m := range ht.msgs {
			k := byKind[m.kind]
			if k == nil {
				k = &kindScores{max: -100}
				byKind[m.kind] = k
			}
			k.n++
			k.sum += m.score
			k.max = max(k.max, m.score)
			if m.score >= 4 {
				k.over4++
			}
			if m.score >= 5 {
				k.over5++
			}
		}
	}
	var scoreLines []string
	for _, kind := range []string{"invoice", "quote", "ham", "newsletter"} {
		if k := byKind[kind]; k != nil {
			scoreLines = append(scoreLines, fmt.Sprintf("%s: %d, mean %.2f, max %.2f, >=4 (probation clean limit) %d, >=5 (hold) %d",
				kind, k.n, k.sum/float64(k.n), k.max, k.over4, k.over5))
		}
	}
	slices.Sort(delaysAll)
	slices.Sort(delaysTrial)

	// Tenant status, through the API.
	statuses := map[string]map[string]int{"honest": {}, "bot": {}}
	var suspendedHonest, reviewHonest []string
	for _, ht := range honest {
		st := api.tenantStatus(ht.id)
		statuses["honest"][st]++
		switch st {
		case store.StatusSuspended:
			suspendedHonest = append(suspendedHonest, ht.id)
		case store.StatusReview:
			reviewHonest = append(reviewHonest, ht.id)
		}
	}
	for _, b := range bots {
		statuses["bot"][api.tenantStatus(b.id)]++
	}

	// Campaign recognition: the bots in start order, and the code of each
	// bot's first message.
	firstCampaign := 0
	perTemplate := map[int]int{}
	seenPerTemplate := map[int]int{}
	var firstCodes []string
	heldAsCampaign := 0
	for _, b := range bots {
		seenPerTemplate[b.template]++
		code := atkOutcome(b.msgs[0], held)
		firstCodes = append(firstCodes, fmt.Sprintf("%d:%s", b.bot+1, code))
		if code == "held:campaign" {
			heldAsCampaign++
			if firstCampaign == 0 {
				firstCampaign = b.bot + 1
			}
			if perTemplate[b.template] == 0 {
				perTemplate[b.template] = seenPerTemplate[b.template]
			}
		}
	}
	camps := atkCampaigns(t, ctx, db, bots, honest)

	// Cases of honest tenants (why their mail waits), and what first put
	// each honest tenant under review.
	honestCases, firstCause := atkHonestCases(t, ctx, db, honest)
	templateDiag := atkTemplateDiag(t, ctx, db, honest)

	// The review API, when mounted in the binary.
	if code, body := api.get("/api/v1/reviews?state=open&limit=200"); code == 200 {
		var l struct{ Items []map[string]any }
		_ = json.Unmarshal(body, &l)
		t.Logf("GET /api/v1/reviews?state=open: %d open cases", len(l.Items))
	} else {
		t.Logf("GET /api/v1/reviews answered %d (review routes not mounted in serve yet): review state read from the review tables", code)
	}

	pct := func(a, b int) float64 {
		if b == 0 {
			return 0
		}
		return 100 * float64(a) / float64(b)
	}
	med := func(d []time.Duration) time.Duration {
		if len(d) == 0 {
			return 0
		}
		return d[len(d)/2].Round(10 * time.Millisecond)
	}
	maxd := func(d []time.Duration) time.Duration {
		if len(d) == 0 {
			return 0
		}
		return d[len(d)-1].Round(10 * time.Millisecond)
	}
	var tmplDesc []string
	for i, s := range spamT {
		tmplDesc = append(tmplDesc, fmt.Sprintf("%d %q (default model on varied copies: mean score %.1f, %s)", i, atkTrim(s.subject, 50), s.meanScore, s.verdicts))
	}
	var rec2 []string
	for i := range atkTemplates {
		rec2 = append(rec2, fmt.Sprintf("template %d: %d", i, perTemplate[i]))
	}
	t.Logf("spam templates: %s", strings.Join(tmplDesc, "; "))
	t.Logf(`
SCRIPTED ATTACK REPORT (probation %v, max %v; 2 instances, PostgreSQL + Redis)
  spam: bot tenants                                    %d (one every %v, created via POST /api/v1/tenants)
  spam recipients sent                                 %d
    accepted (250: relayed or held)                    %d
    refused 5xx (content reject / suspended)           %d
    refused 4xx (quota, held-mail cap, ...)            %d
    other (network)                                    %d
  SPAM RECIPIENTS THAT REACHED THE UPSTREAM            %d (%.2f%% of sent, %.2f%% of accepted)   goal < 2%%
  spam message outcomes                                %v
  spam refusals                                        %v
  CAMPAIGN RECOGNISED AFTER                            %d bot tenants (bot #%d's first message was the first held as campaign; %d of %d bots' first message held as campaign)
    per template: n-th bot of that template whose first message was held as campaign   %s
  campaigns                                            %s
  honest tenants                                       %d (%d paid/established, %d new trial)
  honest messages sent                                 %d
    accepted                                           %d
    refused 5xx / 4xx                                  %d / %d
    delivered to the upstream                          %d
  HONEST MESSAGES HELD PAST PROBATION                  %d (%.2f%%)   goal < 1%%
    by code/state                                      %v
  honest message outcomes                              %v
  honest tenants by status                             %v (suspended: %v; in review: %v)   goal: none suspended
  bot tenants by status                                %v
  delay added to honest mail (client 250 → upstream)   trial (probation): median %v, max %v over %d; all honest: median %v, max %v
    trial mail held beyond the base delay (extended)   %d
  honest tenants put under review, by first cause      %v
  honest mail scored by the default model              %s
`,
		atkProbationDelay, atkProbationMax,
		len(bots), atkBotEvery, spamRcpts, spamAccepted, spamRejected, spamRefusedTemp, spamOther,
		spamReached, pct(spamReached, spamRcpts), pct(spamReached, spamAccepted), spamCodes, spamRefusals,
		max(0, firstCampaign-1), firstCampaign, heldAsCampaign, len(bots), strings.Join(rec2, ", "), camps,
		len(honest), atkHonestPaid, atkHonestTrial, honestSent, honestAccepted, honestRejected, honestTemp, honestDelivered,
		honestPast, pct(honestPast, honestSent), pastBy, honestCodes,
		statuses["honest"], suspendedHonest, reviewHonest, statuses["bot"],
		med(delaysTrial), maxd(delaysTrial), len(delaysTrial), med(delaysAll), maxd(delaysAll), extended,
		firstCause, strings.Join(scoreLines, "; "))
	t.Logf("bots' first messages: %s", strings.Join(firstCodes, " "))
	for _, l := range leaked {
		t.Logf("spam that reached the upstream: %s", l)
	}
	for _, l := range pastDetail {
		t.Logf("honest held past probation: %s", l)
	}
	for _, l := range refusedDetail {
		t.Logf("honest refused: %s", l)
	}
	for _, l := range honestCases {
		t.Logf("honest tenant's case: %s", l)
	}
	for _, l := range templateDiag {
		t.Logf("honest campaign member vs templates: %s", l)
	}
	if rec.unknown > 0 {
		t.Logf("upstream got %d messages without a Message-ID the test knows", rec.unknown)
	}

	// The goals.
	if float64(spamReached) >= 0.02*float64(spamRcpts) {
		t.Errorf("GOAL MISSED: %d of %d spam recipients (%.2f%%) reached the upstream, goal < 2%%", spamReached, spamRcpts, pct(spamReached, spamRcpts))
	}
	if len(suspendedHonest) > 0 {
		t.Errorf("GOAL MISSED: honest tenants suspended: %v", suspendedHonest)
	}
	if float64(honestPast) >= 0.01*float64(honestSent) {
		t.Errorf("GOAL MISSED: %d of %d honest messages (%.2f%%) held past probation, goal < 1%%; by code %v", honestPast, honestSent, pct(honestPast, honestSent), pastBy)
	}
	// The test's own validity: every tenant and message was really sent.
	if honestTemp > 0 || spamOther > 0 {
		t.Errorf("test traffic failed: %d honest messages refused 4xx or broken, %d spam recipients broken", honestTemp, spamOther)
	}
	if honestRejected > 0 {
		t.Errorf("%d honest messages refused outright by content", honestRejected)
	}
}

// atkOutcome names how one message ended: refused, held (with its review
// code) or relayed at once.
func atkOutcome(m *atkMsg, held map[string]atkHeld) string {
	switch {
	case m.res.err != nil:
		return "error"
	case m.res.code >= 500:
		return fmt.Sprintf("refused:%d.%d.%d", m.res.enhanced[0], m.res.enhanced[1], m.res.enhanced[2])
	case m.res.code >= 400:
		return fmt.Sprintf("refused:%d", m.res.code)
	}
	if h, ok := held[m.id]; ok {
		return "held:" + h.code
	}
	return "relayed"
}

type atkHeld struct {
	tenant, code, state, reason, verdict, signals string
	score                                         float64
	received                                      int64
}

func atkHeldRows(t *testing.T, ctx context.Context, db *store.DB) map[string]atkHeld {
	rows, err := db.Query(ctx, `SELECT message_id, tenant_id, code, state, reason, verdict, signals, score, received_at FROM review_held`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	out := map[string]atkHeld{}
	for rows.Next() {
		var id string
		var h atkHeld
		if err := rows.Scan(&id, &h.tenant, &h.code, &h.state, &h.reason, &h.verdict, &h.signals, &h.score, &h.received); err != nil {
			t.Fatal(err)
		}
		out[strings.Trim(strings.TrimSpace(id), "<>")] = h
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}

// atkCampaigns describes every campaign: kind, members, and how many bots
// had started sending before it was formed.
func atkCampaigns(t *testing.T, ctx context.Context, db *store.DB, bots, honest []*atkTenant) string {
	rows, err := db.Query(ctx, `SELECT id, kind, created_at, link_domain, reason FROM review_campaigns ORDER BY id`)
	if err != nil {
		t.Fatal(err)
	}
	type camp struct {
		id                     int64
		kind, domain, reason   string
		created                int64
		bots, honest, template map[string]int
	}
	var cs []*camp
	for rows.Next() {
		c := &camp{bots: map[string]int{}, honest: map[string]int{}, template: map[string]int{}}
		if err := rows.Scan(&c.id, &c.kind, &c.created, &c.domain, &c.reason); err != nil {
			t.Fatal(err)
		}
		cs = append(cs, c)
	}
	rows.Close()
	members := map[int64][]string{}
	rows, err = db.Query(ctx, `SELECT tenant_id, campaign_id FROM review_tenants WHERE campaign_id IS NOT NULL`)
	if err != nil {
		t.Fatal(err)
	}
	for rows.Next() {
		var id string
		var c int64
		if err := rows.Scan(&id, &c); err != nil {
			t.Fatal(err)
		}
		members[c] = append(members[c], id)
	}
	rows.Close()
	isBot := map[string]*atkTenant{}
	for _, b := range bots {
		isBot[b.id] = b
	}
	isHonest := map[string]bool{}
	for _, h := range honest {
		isHonest[h.id] = true
	}
	var out []string
	for _, c := range cs {
		nb, nh := 0, 0
		tmpl := map[int]int{}
		for _, m := range members[c.id] {
			if b := isBot[m]; b != nil {
				nb++
				tmpl[b.template]++
			} else if isHonest[m] {
				nh++
			}
		}
		before := 0
		created := time.UnixMilli(c.created)
		for _, b := range bots {
			if !b.started.IsZero() && b.started.Before(created) {
				before++
			}
		}
		out = append(out, fmt.Sprintf("#%d %s: %d bot members (by template %v), %d honest members, formed when %d bots had started; %q",
			c.id, c.kind, nb, tmpl, nh, before, atkTrim(c.reason, 120)))
	}
	if len(out) == 0 {
		return "none"
	}
	return "\n    " + strings.Join(out, "\n    ")
}

// atkHonestCases lists the review cases of honest tenants with their
// reasons, and counts the honest tenants under review by the reason that
// came first (tenant.review follows from another).
func atkHonestCases(t *testing.T, ctx context.Context, db *store.DB, honest []*atkTenant) ([]string, map[string]int) {
	isHonest := map[string]bool{}
	for _, h := range honest {
		isHonest[h.id] = true
	}
	rows, err := db.Query(ctx, `SELECT c.id, c.tenant_id, c.state, c.holding, COALESCE(c.campaign_id, 0), r.code, r.detail, r.weight, r.n, r.first_at
		FROM review_cases c JOIN review_case_reasons r ON r.case_id = c.id ORDER BY c.id, r.first_at`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var out []string
	type first struct {
		at   int64
		code string
	}
	firsts := map[string]first{}
	for rows.Next() {
		var id, camp, n, at int64
		var holding int
		var tenant, state, code, detail string
		var w float64
		if err := rows.Scan(&id, &tenant, &state, &holding, &camp, &code, &detail, &w, &n, &at); err != nil {
			t.Fatal(err)
		}
		if !isHonest[tenant] {
			continue
		}
		out = append(out, fmt.Sprintf("case %d %s %s holding=%d campaign=%d: %s ×%d weight %.1f %q", id, tenant, state, holding, camp, code, n, w, atkTrim(detail, 200)))
		if f, ok := firsts[tenant]; holding == 1 && code != "tenant.review" && (!ok || at < f.at) {
			firsts[tenant] = first{at, code}
		}
	}
	causes := map[string]int{}
	for _, f := range firsts {
		causes[f.code]++
	}
	return out, causes
}

// atkTemplateDiag explains honest tenants that joined a campaign: for each
// of their fingerprints, the templates within TemplateWideDistance (11
// bits), the tenants vouching for them and the highest vouched-for score.
func atkTemplateDiag(t *testing.T, ctx context.Context, db *store.DB, honest []*atkTenant) []string {
	isHonest := map[string]bool{}
	for _, h := range honest {
		isHonest[h.id] = true
	}
	type tmpl struct {
		fp       uint64
		tenants  int64
		maxScore float64
	}
	var tmpls []tmpl
	rows, err := db.Query(ctx, `SELECT fp, tenants, max_score FROM review_templates`)
	if err != nil {
		t.Fatal(err)
	}
	for rows.Next() {
		var fp int64
		var x tmpl
		if err := rows.Scan(&fp, &x.tenants, &x.maxScore); err != nil {
			t.Fatal(err)
		}
		x.fp = uint64(fp)
		tmpls = append(tmpls, x)
	}
	rows.Close()
	rows, err = db.Query(ctx, `SELECT f.tenant_id, f.fp, f.n, f.max_score, COALESCE(f.campaign_id, 0) FROM review_fps f
		JOIN review_tenants r ON r.tenant_id = f.tenant_id WHERE r.campaign_id IS NOT NULL ORDER BY f.tenant_id, f.id`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	out := []string{fmt.Sprintf("%d template rows in all", len(tmpls))}
	for rows.Next() {
		var tenant string
		var fp, n, camp int64
		var score float64
		if err := rows.Scan(&tenant, &fp, &n, &score, &camp); err != nil {
			t.Fatal(err)
		}
		if !isHonest[tenant] {
			continue
		}
		minD, ev7, ev11, max7, max11 := 64, int64(0), int64(0), 0.0, 0.0
		for _, x := range tmpls {
			d := bits.OnesCount64(uint64(fp) ^ x.fp)
			minD = min(minD, d)
			if d <= 7 {
				ev7 += x.tenants
				max7 = max(max7, x.maxScore)
			}
			if d <= 11 {
				ev11 += x.tenants
				max11 = max(max11, x.maxScore)
			}
		}
		if minD > 11 {
			continue // not template-like content
		}
		out = append(out, fmt.Sprintf("%s fp %016x ×%d max score %.2f campaign %d: nearest template %d bits; within 7 bits %d vouching tenants (highest vouched score %.2f), within 11 bits %d (%.2f)",
			tenant, uint64(fp), n, score, camp, minD, ev7, max7, ev11, max11))
	}
	return out
}

func atkTrim(s string, n int) string {
	if len(s) > n {
		return s[:n] + "…"
	}
	return s
}

// atkAPI calls the admin API of the servers, alternating between them.
type atkAPI struct {
	t       *testing.T
	token   string
	servers []*server
}

func (a *atkAPI) do(i int, method, path, body string) (int, []byte) {
	req, err := http.NewRequest(method, "http://"+a.servers[i%len(a.servers)].http+path, strings.NewReader(body))
	if err != nil {
		a.t.Fatal(err)
	}
	req.Header.Set("Authorization", "Bearer "+a.token)
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		a.t.Fatalf("%s %s: %v", method, path, err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, b
}

func (a *atkAPI) get(path string) (int, []byte) { return a.do(0, "GET", path, "") }

// createTenant is POST /api/v1/tenants; it returns the SMTP password.
func (a *atkAPI) createTenant(i int, id, plan string, signup map[string]string) string {
	body, _ := json.Marshal(map[string]any{"id": id, "plan": plan, "signup": signup})
	code, out := a.do(i, "POST", "/api/v1/tenants", string(body))
	var r struct {
		SMTPUsername string `json:"smtp_username"`
		SMTPPassword string `json:"smtp_password"`
	}
	if err := json.Unmarshal(out, &r); code != 201 || err != nil || r.SMTPPassword == "" || r.SMTPUsername != id {
		a.t.Fatalf("POST /api/v1/tenants %s: %d %s", id, code, out)
	}
	return r.SMTPPassword
}

func (a *atkAPI) tenantStatus(id string) string {
	code, out := a.get("/api/v1/tenants/" + id)
	var r struct{ Status string }
	if err := json.Unmarshal(out, &r); code != 200 || err != nil {
		a.t.Errorf("GET /api/v1/tenants/%s: %d %s", id, code, out)
		return "?"
	}
	return r.Status
}

// atkSendOne sends one message on its own connection (STARTTLS, AUTH), as
// a platform's mail server does for a tenant.
func atkSendOne(addr string, tn *atkTenant, m *atkMsg) {
	m.res = send(addr, sendOpts{startTLS: true, user: tn.id, pass: tn.pass, from: m.from, to: m.to, body: m.raw})
	if m.res.code == 250 {
		m.accepted = time.Now()
	}
}

// atkSendAll sends msgs in order over one authenticated connection
// (STARTTLS, AUTH PLAIN), as a script does, dialling again after a broken
// connection.
func atkSendAll(addr, user, pass string, msgs []*atkMsg) {
	var c *smtp.Client
	dial := func() error {
		var err error
		c, err = smtp.DialStartTLS(addr, &tls.Config{InsecureSkipVerify: true})
		if err != nil {
			c = nil
			return err
		}
		if err := c.Auth(sasl.NewPlainClient("", user, pass)); err != nil {
			c.Close()
			c = nil
			return err
		}
		return nil
	}
	for _, m := range msgs {
		if c == nil {
			if err := dial(); err != nil {
				m.res = replyOf(err)
				continue
			}
		}
		m.res = atkTransaction(c, m)
		switch {
		case m.res.code == 250:
			m.accepted = time.Now()
		case m.res.err != nil || m.res.code == 421:
			c.Close()
			c = nil
		default:
			if err := c.Reset(); err != nil {
				c.Close()
				c = nil
			}
		}
	}
	if c != nil {
		_ = c.Quit()
		c.Close()
	}
}

func atkTransaction(c *smtp.Client, m *atkMsg) smtpResult {
	return replyOf(smtptest.Send(c, m.from, m.to, m.raw))
}

// atkBotSignup is what a signup script leaves behind: some bots come from
// two shared /24 networks, the rest from scattered addresses; half give a
// free-mail contact address, the others one at their own throwaway domain.
func atkBotSignup(rng *rand.Rand, i int, domain string) map[string]string {
	var ip string
	switch i % 4 {
	case 0:
		ip = fmt.Sprintf("203.0.113.%d", 10+i)
	case 1:
		ip = fmt.Sprintf("198.51.100.%d", 10+i)
	default:
		ip = fmt.Sprintf("%d.%d.%d.%d", 23+rng.IntN(150), rng.IntN(256), rng.IntN(256), 1+rng.IntN(254))
	}
	email := "admin@" + domain
	if i%2 == 0 {
		email = fmt.Sprintf("%s%d@%s", strings.ToLower(testenv.Names[rng.IntN(len(testenv.Names))]), rng.IntN(100000),
			[]string{"gmail.com", "yahoo.com", "outlook.com", "hotmail.com", "mail.ru"}[rng.IntN(5)])
	}
	return map[string]string{"ip": ip, "email": email, "country": []string{"US", "RU", "NG", "VN", "BR"}[rng.IntN(5)]}
}

// atkBotTenants makes the bots and their 20 spam mails each: bot i varies
// template i%3 with its own names, numbers, a few words and a tracking link
// on one of its campaign's link domains (every fifth bot its own domain).
func atkBotTenants(rng *rand.Rand, spamT []atkSpamTemplate) []*atkTenant {
	var out []*atkTenant
	n := 0
	for i := range atkBots {
		tmpl := i % len(spamT)
		id := fmt.Sprintf("acct-%06x", rng.Uint32()&0xffffff)
		domain := fmt.Sprintf("%s%d.example", []string{"bestdeal", "topoffer", "megasale"}[tmpl], rng.IntN(100000))
		link := fmt.Sprintf("promo-%d-%d.example", tmpl, rng.IntN(4))
		if i%5 == 4 {
			link = fmt.Sprintf("trk%d.example", rng.IntN(1000000))
		}
		b := &atkTenant{id: id, plan: "trial", bot: i, template: tmpl, domain: domain}
		from := []string{"sales", "info", "offers", "news"}[rng.IntN(4)] + "@" + domain
		for range atkPerBot {
			n++
			subj, body := testenv.VarySpam(rng, spamT[tmpl].subject, spamT[tmpl].body, link)
			to := fmt.Sprintf("%s.%d@%s", strings.ToLower(testenv.Names[rng.IntN(len(testenv.Names))]), rng.IntN(1000000),
				[]string{"gmail.com", "yahoo.com", "example.net", "hotmail.com", "web.de"}[rng.IntN(5)])
			mid := fmt.Sprintf("atk-spam-%05d.%x@%s", n, rng.Uint32(), domain)
			b.msgs = append(b.msgs, &atkMsg{id: mid, tenant: id, spam: true, kind: "spam", from: from, to: []string{to},
				raw: atkBuild(from, to, subj, body, mid)})
		}
		out = append(out, b)
	}
	return out
}

// atkHonestTenants makes the honest tenants and their mail: the first
// atkHonestPaid are established (paid) and have sent invoices before the
// attack (at < 0); the others are new trial tenants. Each sends the
// platform's invoice and quote template with its own customers, amounts and
// line items, corpus ham re-addressed to its customers, and a corpus
// newsletter (hard_ham) to several customers, one copy each.
func atkHonestTenants(t *testing.T, rng *rand.Rand, hamFiles, hardHam []string) []*atkTenant {
	var out []*atkTenant
	hamIdx, nlIdx, n := rng.IntN(len(hamFiles)), rng.IntN(len(hardHam)), 0
	for i := range atkHonestPaid + atkHonestTrial {
		plan := "trial"
		if i < atkHonestPaid {
			plan = "paid"
		}
		id := fmt.Sprintf("shop%02d-%s", i, plan)
		ht := &atkTenant{id: id, plan: plan, bot: -1, company: fmt.Sprintf("%s %s %s", testenv.Names[i%len(testenv.Names)],
			[]string{"Bakery", "Plumbing", "Consulting", "Garden Design", "Print Shop", "Bike Repair"}[i%6], []string{"Ltd", "GmbH", "BV", "& Sons"}[i%4]),
			domain: fmt.Sprintf("company%02d.example", i)}
		from := []string{"billing", "office", "hello"}[i%3] + "@" + ht.domain
		customer := func() (string, string) {
			nm := testenv.Names[rng.IntN(len(testenv.Names))]
			return nm, fmt.Sprintf("%s@client%d.example", strings.ToLower(nm), rng.IntN(5000))
		}
		newMsg := func(kind string, to []string, raw func(id string) string, at time.Duration) {
			n++
			mid := fmt.Sprintf("atk-honest-%04d.%x@%s", n, rng.Uint32(), ht.domain)
			ht.msgs = append(ht.msgs, &atkMsg{id: mid, tenant: id, kind: kind, from: from, to: to, raw: raw(mid), at: at})
		}
		during := func() time.Duration { return time.Duration(rng.Int64N(int64(atkHonestWindow))) }
		nInvoices, nHam, nNews := 5, 4, 3+rng.IntN(4) // a trial tenant: 12 to 15 messages (quota 20)
		if plan == "paid" {
			nInvoices, nHam, nNews = 10, 6, 5
			for j := range 3 { // history before the attack
				name, to := customer()
				quote := j == 1
				subj, body := testenv.Invoice(rng, "2026-11", ht.company, name, quote)
				newMsg(map[bool]string{false: "invoice", true: "quote"}[quote], []string{to}, func(mid string) string { return atkBuild(from, to, subj, body, mid) }, -1)
			}
		}
		for j := range nInvoices {
			name, to := customer()
			quote := j%3 == 2
			subj, body := testenv.Invoice(rng, "2026-11", ht.company, name, quote)
			newMsg(map[bool]string{false: "invoice", true: "quote"}[quote], []string{to}, func(mid string) string { return atkBuild(from, to, subj, body, mid) }, during())
		}
		for range nHam {
			raw, err := os.ReadFile(hamFiles[hamIdx%len(hamFiles)])
			if err != nil {
				t.Fatal(err)
			}
			hamIdx += 7
			_, to := customer()
			newMsg("ham", []string{to}, func(mid string) string { return atkReaddress(raw, from, to, mid) }, during())
		}
		nl, err := os.ReadFile(hardHam[nlIdx%len(hardHam)])
		if err != nil {
			t.Fatal(err)
		}
		nlIdx += 3
		at := during()
		for j := range nNews { // the newsletter goes out in one go, a copy per customer
			_, to := customer()
			newMsg("newsletter", []string{to}, func(mid string) string { return atkReaddress(nl, from, to, mid) }, at+time.Duration(j)*50*time.Millisecond)
		}
		sort.SliceStable(ht.msgs, func(a, b int) bool { return ht.msgs[a].at < ht.msgs[b].at })
		out = append(out, ht)
	}
	return out
}

func atkBuild(from, to, subject, body, msgID string) string {
	return fmt.Sprintf("From: %s\r\nTo: %s\r\nSubject: %s\r\nDate: %s\r\nMessage-ID: <%s>\r\nMIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n%s",
		from, to, subject, time.Now().UTC().Format(time.RFC1123Z), msgID, strings.ReplaceAll(strings.ReplaceAll(body, "\r\n", "\n"), "\n", "\r\n"))
}

// atkReaddress replaces a corpus message's addressing and trace headers and
// keeps its MIME structure and body.
func atkReaddress(raw []byte, from, to, msgID string) string {
	return testenv.Readdress(raw, fmt.Sprintf("From: %s\r\nTo: %s\r\nMessage-ID: <%s>\r\n", from, to, msgID),
		"from", "to", "cc", "bcc", "received", "return-path", "delivered-to", "message-id",
		"delivery-date", "x-outpost-tenant", "envelope-to", "x-original-to")
}

// atkCorpusFiles lists the corpus files in one folder (ham, hard_ham, spam).
func atkCorpusFiles(t *testing.T, dir, folder string) []string {
	return testenv.CorpusFiles(t, dir, func(path, _ string) bool { return strings.HasPrefix(path, folder+"/") })
}

func atkSmallFiles(t *testing.T, files []string, limit int64) []string {
	var out []string
	for _, f := range files {
		if st, err := os.Stat(f); err == nil && st.Size() <= limit {
			out = append(out, f)
		}
	}
	return out
}

func atkMostlyASCII(b []byte) bool {
	n := 0
	for _, c := range b {
		if c >= 0x80 || (c < 0x20 && c != '\n' && c != '\r' && c != '\t') {
			n++
		}
	}
	return n*100 <= len(b)
}

type atkSpamTemplate struct {
	subject, body string
	english       bool
	meanScore     float64
	verdicts      string
}

// atkPickSpam picks the corpus spam the bots vary: single-part plain-text
// spam, scored (varied as the bots vary it) by the default content model,
// keeping the lowest-scoring — the content a script's author would settle
// on after testing it against the filter, so that review, not content
// scoring alone, has to stop the campaign.
func atkPickSpam(t *testing.T, sc *scoring.Scorer, corpus string, rng *rand.Rand) []atkSpamTemplate {
	t.Helper()
	var cands []atkSpamTemplate
	for _, f := range atkCorpusFiles(t, corpus, "spam") {
		raw, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		subject, body, ok := testenv.PlainText(raw)
		if !ok || subject == "" {
			continue
		}
		st := atkSpamTemplate{subject: subject, body: body, english: !strings.Contains(subject, "=?") && atkMostlyASCII([]byte(body))}
		verdicts := map[scoring.Verdict]int{}
		for range 4 {
			subj, b := testenv.VarySpam(rng, st.subject, st.body, "promo-x.example")
			r := sc.Score([]byte(atkBuild("sales@x.example", "v@example.net", subj, b, "probe@x.example")))
			st.meanScore += r.Score / 4
			verdicts[r.Verdict]++
		}
		st.verdicts = fmt.Sprint(verdicts)
		cands = append(cands, st)
	}
	if len(cands) < atkTemplates {
		t.Fatalf("only %d plain-text spam messages in the corpus", len(cands))
	}
	sort.SliceStable(cands, func(a, b int) bool { return cands[a].meanScore < cands[b].meanScore })
	// Two English templates, and the lowest-scoring of all (whatever its
	// language): the one most likely to pass content scoring.
	var out []atkSpamTemplate
	for _, c := range cands {
		if c.english && len(out) < atkTemplates-1 {
			out = append(out, c)
		}
	}
	for _, c := range cands {
		if !c.english {
			out = append(out, c)
			break
		}
	}
	for _, c := range cands {
		if len(out) < atkTemplates && !slices.ContainsFunc(out, func(x atkSpamTemplate) bool { return x.subject == c.subject && x.body == c.body }) {
			out = append(out, c)
		}
	}
	return out[:atkTemplates]
}
