package review

import (
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"time"

	"github.com/outpost-mail/outpost/internal/store"
	"github.com/outpost-mail/outpost/scoring"
)

// Message is one message at the end of DATA, after scoring.
type Message struct {
	QueueID   string
	TenantID  string
	From      string
	To        []string
	Raw       []byte
	MessageID string
	RemoteIP  string
	Received  time.Time
	Score     scoring.Result
}

// Action is what the relay does with a message.
type Action int

const (
	Relay Action = iota
	Hold
	Reject
)

func (a Action) String() string {
	switch a {
	case Relay:
		return "relay"
	case Hold:
		return "hold"
	case Reject:
		return "reject"
	}
	return fmt.Sprintf("action(%d)", int(a))
}

// Decision is review's answer for one message. Reason is safe to show the
// sender; Code is stable (see the Code* constants).
type Decision struct {
	Action Action
	Code   string
	Reason string
}

// Decision and case reason codes.
const (
	CodeClean         = "clean"
	CodeSuspended     = "tenant.suspended"
	CodeTenantReview  = "tenant.review"
	CodeCampaign      = "campaign"
	CodeProbation     = "probation"
	CodeContentHold   = "content.hold"
	CodeContentReject = "content.reject"
	CodeBounces       = "bounces"
	CodeComplaints    = "complaints"
	CodeRaiseRequest  = "quota.raise_request"
	CodeEarnedRaise   = "quota.earned_raise"
	CodeProbationHeld = "probation.score"
)

// Options configure a Service. Zero fields take the defaults in doc.go.
type Options struct {
	DB     *store.DB
	Logger *slog.Logger
	Now    func() time.Time

	Learner   Learner        // optional
	Quotas    Quotas         // optional: no raises, no shared budgets
	Deliverer Deliverer      // required for RunWorkers/DeliverDue
	Domains   DomainVerifier // optional: no probation skip
	Proposer  RaiseProposer  // optional: no earned-raise cases
	// Instance names this process in delivery leases (default random).
	Instance string

	// Young: a trial tenant younger than YoungAge (7 days).
	YoungAge time.Duration
	// EstablishedAge: a tenant older than this (30 days), or on a paid plan,
	// teaches templates.
	EstablishedAge time.Duration
	TrialPlan      string // "trial"

	// Campaigns.
	CampaignWindow          time.Duration // 24h: how far back near-duplicates count
	MaxDistance             int           // 7 bits (scoring.SameCampaign); at most 7
	CampaignMinTenants      int           // 3 young tenants with the same content
	CampaignMinTenantsBoost int           // 2 when traits/recipients/link/score corroborate
	CampaignMinTenantsClean int           // 6 when every copy scores below CleanScore and nothing corroborates
	SuspiciousScore         float64       // 2.5: a score that corroborates a campaign
	CleanScore              float64       // 1.0
	TemplateMinTenants      int           // 2 established tenants make content a template
	TemplateScoreMargin     float64       // 1: a template copy may score this much above vouched-for copies
	TemplateWideDistance    int           // 11 bits: how far a template's copies may spread (at most 11)
	LinkWindow              time.Duration // 48h: a link domain is "new" this long
	LinkMinTenants          int           // 3 young tenants

	// Probation.
	ProbationAge        time.Duration // 7 days
	ProbationMessages   int           // the first 20 messages
	ProbationDelay      time.Duration // 5 minutes
	ProbationMaxDelay   time.Duration // 1 hour: the longest an unproven look-alike waits
	ProbationCleanScore float64       // 4: above it a probation message goes to review
	ProbationBulkCopies int           // 5 near-identical copies from one young tenant wait like look-alikes

	// Proportionate content holds.
	TrustMinMessages       int           // 5 earlier messages before a tenant's history counts as clean
	ContentStrikeWindow    time.Duration // 24h: content holds and rejects within it add up
	ContentStrikesToFreeze int           // 3: a hold counts 1, a reject 2; at 3 the tenant's mail is held

	// Holding.
	HeldMaxCount int   // 500 messages per tenant
	HeldMaxBytes int64 // 50 MiB per tenant

	// Feedback.
	FeedbackMinVolume    float64       // 100 recipients
	BounceReviewRate     float64       // 0.05
	BouncePauseRate      float64       // 0.10
	ComplaintReviewRate  float64       // 0.001
	ComplaintPauseRate   float64       // 0.005
	FeedbackHalfLife     time.Duration // 7 days
	RiskHalfLife         time.Duration // 7 days
	FreeMailDomains      []string      // default list in freemail.go
	LinkWindowForTenants time.Duration // 30 days: signup traits link trial tenants created this close
	LearnLimit           int           // 50 held messages taught per decision
	SampleEvery          int64         // 100: established tenants' messages sampled 1 in N after the first 20
	DeliveryLease        time.Duration // 2 minutes
	DeliveryTimeout      time.Duration // 1 minute (must be below DeliveryLease)
	RetryBase            time.Duration // 30s, doubling
	RetryMax             time.Duration // 1h
	MaxAttempts          int           // 20, then failed
	WorkerTick           time.Duration // 1s
	HousekeepEvery       time.Duration // 10 minutes
	MetricsEvery         time.Duration // 15s: how often RunWorkers refreshes outpost_review_held_messages
	EarnedRaiseEvery     time.Duration // 6 hours: how often RunWorkers asks Proposer
	Retention            time.Duration // 30 days for samples, fingerprints, templates seen once
}

func (o *Options) defaults() error {
	if o.DB == nil {
		return errors.New("review: Options.DB is required")
	}
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.Instance == "" {
		b := make([]byte, 6)
		_, _ = rand.Read(b)
		o.Instance = "review-" + hex.EncodeToString(b)
	}
	dur := func(p *time.Duration, d time.Duration) {
		if *p == 0 {
			*p = d
		}
	}
	num := func(p *int, d int) {
		if *p == 0 {
			*p = d
		}
	}
	flt := func(p *float64, d float64) {
		if *p == 0 {
			*p = d
		}
	}
	dur(&o.YoungAge, 7*24*time.Hour)
	dur(&o.EstablishedAge, 30*24*time.Hour)
	if o.TrialPlan == "" {
		o.TrialPlan = "trial"
	}
	dur(&o.CampaignWindow, 24*time.Hour)
	num(&o.MaxDistance, 7)
	if o.MaxDistance > 7 {
		return fmt.Errorf("review: MaxDistance %d above 7: the band lookup cannot find it", o.MaxDistance)
	}
	num(&o.CampaignMinTenants, 3)
	num(&o.CampaignMinTenantsBoost, 2)
	num(&o.CampaignMinTenantsClean, 6)
	flt(&o.SuspiciousScore, 2.5)
	flt(&o.CleanScore, 1.0)
	num(&o.TemplateMinTenants, 2)
	flt(&o.TemplateScoreMargin, 1)
	num(&o.TemplateWideDistance, 11)
	if o.TemplateWideDistance > 11 {
		return fmt.Errorf("review: TemplateWideDistance %d above 11: the band lookup cannot find it", o.TemplateWideDistance)
	}
	dur(&o.LinkWindow, 48*time.Hour)
	num(&o.LinkMinTenants, 3)
	dur(&o.ProbationAge, 7*24*time.Hour)
	num(&o.ProbationMessages, 20)
	dur(&o.ProbationDelay, 5*time.Minute)
	dur(&o.ProbationMaxDelay, time.Hour)
	flt(&o.ProbationCleanScore, 4)
	num(&o.ProbationBulkCopies, 5)
	num(&o.TrustMinMessages, 5)
	dur(&o.ContentStrikeWindow, 24*time.Hour)
	num(&o.ContentStrikesToFreeze, 3)
	num(&o.HeldMaxCount, 500)
	if o.HeldMaxBytes == 0 {
		o.HeldMaxBytes = 50 << 20
	}
	flt(&o.FeedbackMinVolume, 100)
	flt(&o.BounceReviewRate, 0.05)
	flt(&o.BouncePauseRate, 0.10)
	flt(&o.ComplaintReviewRate, 0.001)
	flt(&o.ComplaintPauseRate, 0.005)
	dur(&o.FeedbackHalfLife, 7*24*time.Hour)
	dur(&o.RiskHalfLife, 7*24*time.Hour)
	if o.FreeMailDomains == nil {
		o.FreeMailDomains = defaultFreeMail
	}
	dur(&o.LinkWindowForTenants, 30*24*time.Hour)
	num(&o.LearnLimit, 50)
	if o.SampleEvery == 0 {
		o.SampleEvery = 100
	}
	dur(&o.DeliveryLease, 2*time.Minute)
	dur(&o.DeliveryTimeout, time.Minute)
	if o.DeliveryTimeout >= o.DeliveryLease {
		return fmt.Errorf("review: DeliveryTimeout %v must be below DeliveryLease %v", o.DeliveryTimeout, o.DeliveryLease)
	}
	dur(&o.RetryBase, 30*time.Second)
	dur(&o.RetryMax, time.Hour)
	num(&o.MaxAttempts, 20)
	dur(&o.WorkerTick, time.Second)
	dur(&o.HousekeepEvery, 10*time.Minute)
	dur(&o.MetricsEvery, 15*time.Second)
	dur(&o.EarnedRaiseEvery, 6*time.Hour)
	dur(&o.Retention, 30*24*time.Hour)
	return nil
}

// Service is review. It is safe for concurrent use, and several instances
// (processes) may share one database.
type Service struct {
	o        Options
	db       *store.DB
	log      *slog.Logger
	now      func() time.Time
	freeMail map[string]bool
	met      *metrics
}

// New returns a Service over a migrated database.
func New(o Options) (*Service, error) {
	if err := o.defaults(); err != nil {
		return nil, err
	}
	fm := make(map[string]bool, len(o.FreeMailDomains))
	for _, d := range o.FreeMailDomains {
		fm[strings.ToLower(d)] = true
	}
	return &Service{o: o, db: o.DB, log: o.Logger, now: o.Now, freeMail: fm, met: newMetrics()}, nil
}

// Options returns the options in effect, defaults filled in.
func (s *Service) Options() Options { return s.o }

// TemporaryError is an error the relay answers with 4xx.
type TemporaryError struct {
	Msg string
	Err error
}

func (e *TemporaryError) Error() string {
	if e.Err != nil {
		return e.Msg + ": " + e.Err.Error()
	}
	return e.Msg
}

var _ error = (*TemporaryError)(nil)

func (e *TemporaryError) Unwrap() error   { return e.Err }
func (e *TemporaryError) Temporary() bool { return true }

// Errors callers branch on.
var (
	// ErrHeldCap: the tenant has too much held mail; wrapped in a TemporaryError.
	ErrHeldCap = errors.New("review: held mail limit reached")
	// ErrNotFound: no such case, message or campaign.
	ErrNotFound = errors.New("review: not found")
	// ErrConflict: the case or message is not in a state that allows it.
	ErrConflict = errors.New("review: conflict")
	// ErrInvalid: a bad request (unknown decision, empty actor).
	ErrInvalid = errors.New("review: invalid request")
)

var defaultFreeMail = []string{
	"gmail.com", "googlemail.com", "yahoo.com", "yahoo.co.uk", "yahoo.fr", "ymail.com",
	"hotmail.com", "hotmail.co.uk", "hotmail.fr", "outlook.com", "live.com", "msn.com",
	"aol.com", "icloud.com", "me.com", "mac.com", "gmx.com", "gmx.de", "gmx.net", "web.de",
	"mail.com", "mail.ru", "yandex.ru", "yandex.com", "proton.me", "protonmail.com",
	"zoho.com", "qq.com", "163.com", "126.com", "free.fr", "orange.fr", "laposte.net",
}
