package main

import (
	"context"
	"log/slog"
	"net/http"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/outpost-mail/outpost/api"
	"github.com/outpost-mail/outpost/internal/store"
	"github.com/outpost-mail/outpost/quota"
	"github.com/outpost-mail/outpost/review"
	"github.com/outpost-mail/outpost/scoring"
	"github.com/outpost-mail/outpost/smtpd"
)

// wiring holds the concrete parts serve connects: this is the only place
// that knows quota, scoring, review and api together.
type wiring struct {
	db            *store.DB
	quotaMgr      *quota.Manager
	quota         smtpd.Quota
	quotaDesc     string
	inspector     smtpd.Inspector
	inspectorDesc string
	holder        smtpd.Holder
	scorer        *scoring.Scorer
	review        *review.Service
	deliverer     relayDeliverer
	api           http.Handler
	closers       []func()
	workers       []func(ctx context.Context)
}

func wire(ctx context.Context, c serveConfig, db *store.DB, log *slog.Logger, reg prometheus.Registerer) (*wiring, error) {
	w := &wiring{db: db}
	qm, desc, closer, err := newQuota(c, db, log)
	if err != nil {
		return nil, err
	}
	w.quotaMgr, w.quota, w.quotaDesc = qm, quotaGate{qm}, desc
	w.closers = append(w.closers, closer)
	if err := qm.RegisterMetrics(reg); err != nil {
		return nil, err
	}
	// Flushes the daily usage tallies the earned-raise proposals read.
	w.workers = append(w.workers, func(ctx context.Context) { qm.Run(ctx, time.Minute) })
	sc, err := newScorer(c, db)
	if err != nil {
		return nil, err
	}
	logUpgrade(sc, log)
	w.scorer = sc
	rv, err := newReview(c, db, qm, sc, &w.deliverer, log.With("component", "review"))
	if err != nil {
		return nil, err
	}
	w.review = rv
	if err := rv.RegisterMetrics(reg); err != nil {
		return nil, err
	}
	gate := newReviewGate(rv)
	w.inspector = &contentInspector{scorer: sc, review: gate, log: log}
	w.holder = gate
	w.inspectorDesc = "content scoring + review (campaigns, probation, held mail)"
	w.workers = append(w.workers, func(ctx context.Context) {
		if err := rv.RunWorkers(ctx); err != nil {
			log.Error("review workers stopped", "err", err)
		}
	})
	w.workers = append(w.workers, modelReloader(db, sc, time.Minute, log.With("component", "scoring")))

	if c.billingSecret == "" {
		log.Warn("no --billing-secret: the billing webhook (POST /api/v1/billing/events) answers 503 until one is set")
	}
	w.api = api.New(api.Options{Store: db, Quotas: qm, Reviews: rv, BillingSecret: []byte(c.billingSecret), Logger: log.With("component", "api")})
	return w, nil
}

// started is called once the SMTP server exists (review delivers released
// mail through it).
func (w *wiring) started(srv *smtpd.Server) { w.deliverer.srv.Store(srv) }

func (w *wiring) ready(ctx context.Context) error { return w.db.SQL.PingContext(ctx) }

// runWorkers starts the background loops; the channel closes when all have
// returned after ctx ends.
func (w *wiring) runWorkers(ctx context.Context) <-chan struct{} {
	done := make(chan struct{})
	n := len(w.workers)
	if n == 0 {
		close(done)
		return done
	}
	fin := make(chan struct{}, n)
	for _, f := range w.workers {
		go func() { f(ctx); fin <- struct{}{} }()
	}
	go func() {
		for range n {
			<-fin
		}
		close(done)
	}()
	return done
}

func (w *wiring) close() {
	for i := len(w.closers) - 1; i >= 0; i-- {
		w.closers[i]()
	}
}
