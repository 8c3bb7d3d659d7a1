package quota

import (
	"fmt"

	"github.com/prometheus/client_golang/prometheus"
)

// Outcomes of a Reserve, as counted in outpost_quota_reservations_total.
const (
	outcomeAdmitted    = "admitted"    // the counter store admitted it
	outcomeExceeded    = "exceeded"    // over the limit
	outcomeLocal       = "local"       // admitted by the FailLocal policy
	outcomeUnavailable = "unavailable" // refused: store down (FailRefuse or local limit reached)
	outcomeError       = "error"       // unknown tenant, invalid request, limit lookup failed
)

type metrics struct {
	reservations *prometheus.CounterVec // by outcome
	storeUp      prometheus.Gauge
	storeLatency prometheus.Histogram // one counter-store call
	replayed     prometheus.Counter
	settleErrors *prometheus.CounterVec // by op: commit, release
	settleQueued prometheus.Counter
	leases       *prometheus.CounterVec // by event: acquired, refused, failed, settled
}

func newMetrics() *metrics {
	m := &metrics{
		reservations: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "outpost_quota_reservations_total",
			Help: "Quota reservations by outcome (admitted, exceeded, local, unavailable, error).",
		}, []string{"outcome"}),
		storeUp: prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "outpost_quota_store_up",
			Help: "1 if the last call to the quota counter store succeeded, 0 if it failed.",
		}),
		storeLatency: prometheus.NewHistogram(prometheus.HistogramOpts{
			Name:    "outpost_quota_store_duration_seconds",
			Help:    "Duration of one quota counter store call (reserve, commit, release, usage).",
			Buckets: prometheus.ExponentialBuckets(0.0001, 2, 16),
		}),
		replayed: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "outpost_quota_local_replayed_total",
			Help: "Recipients admitted locally during a counter store outage and replayed into it afterwards.",
		}),
		settleErrors: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "outpost_quota_settle_errors_total",
			Help: "Commits and releases the counter store failed (the reservation is committed at its expiry), by op (commit, release, lease).",
		}, []string{"op"}),
	}
	m.settleQueued = prometheus.NewCounter(prometheus.CounterOpts{
		Name: "outpost_quota_settlements_queued_total",
		Help: "Commits and releases queued behind the counter store calls in flight instead of waited for.",
	})
	m.leases = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "outpost_quota_leases_total",
		Help: "Quota leases by event: acquired, refused (no room), failed (store error), settled.",
	}, []string{"event"})
	for _, e := range []string{"acquired", "refused", "failed", "settled"} {
		m.leases.WithLabelValues(e)
	}
	m.settleErrors.WithLabelValues("commit")
	m.settleErrors.WithLabelValues("release")
	m.settleErrors.WithLabelValues("lease")
	for _, o := range []string{outcomeAdmitted, outcomeExceeded, outcomeLocal, outcomeUnavailable, outcomeError} {
		m.reservations.WithLabelValues(o)
	}
	m.storeUp.Set(1)
	return m
}

// RegisterMetrics registers the Manager's metrics with reg (cmd/outpost
// passes the /metrics registry). The metrics are kept either way.
func (m *Manager) RegisterMetrics(reg prometheus.Registerer) error {
	for _, c := range []prometheus.Collector{m.met.reservations, m.met.storeUp, m.met.storeLatency, m.met.replayed, m.met.settleErrors, m.met.settleQueued, m.met.leases} {
		if err := reg.Register(c); err != nil {
			return fmt.Errorf("quota: register metrics: %w", err)
		}
	}
	return nil
}
