package smtpd

import (
	"fmt"

	"github.com/prometheus/client_golang/prometheus"
)

type metrics struct {
	transactions *prometheus.CounterVec // by outcome
	upstreamUp   *prometheus.GaugeVec   // by upstream address
	relayLatency prometheus.Histogram   // DATA to upstream's answer
	connsRefused *prometheus.CounterVec // by reason
}

func newMetrics(reg prometheus.Registerer) (*metrics, error) {
	m := &metrics{
		transactions: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "outpost_smtp_transactions_total",
			Help: "SMTP transactions by outcome (relayed, held, rejected, failed).",
		}, []string{"outcome"}),
		upstreamUp: prometheus.NewGaugeVec(prometheus.GaugeOpts{
			Name: "outpost_upstream_up",
			Help: "1 if the upstream mail server is considered up, 0 while it is in back-off.",
		}, []string{"upstream"}),
		relayLatency: prometheus.NewHistogram(prometheus.HistogramOpts{
			Name:    "outpost_relay_duration_seconds",
			Help:    "Time from the end of the client's DATA to the upstream's answer.",
			Buckets: prometheus.ExponentialBuckets(0.0005, 2, 16),
		}),
		connsRefused: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "outpost_smtp_connections_refused_total",
			Help: "Client connections refused at connect, by reason.",
		}, []string{"reason"}),
	}
	for _, o := range []string{outcomeRelayed, outcomeHeld, outcomeRejected, outcomeFailed} {
		m.transactions.WithLabelValues(o)
	}
	if reg != nil {
		for _, c := range []prometheus.Collector{m.transactions, m.upstreamUp, m.relayLatency, m.connsRefused} {
			if err := reg.Register(c); err != nil {
				return nil, fmt.Errorf("smtpd: register metrics: %w", err)
			}
		}
	}
	return m, nil
}
