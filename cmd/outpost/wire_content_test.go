package main

import (
	"bytes"
	"compress/flate"
	"context"
	"encoding/binary"
	"log/slog"
	"math"
	"strings"
	"sync"
	"testing"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/outpost-mail/outpost/internal/testenv"
	"github.com/outpost-mail/outpost/scoring"
)

// TestLearningOnTwoInstancesKeepsBothLessons: two instances share one
// database, and support's decisions reach each at the same time, before
// either has reloaded the other's model. The stored model keeps both
// lessons (the last save does not win), and each instance ends on it.
func TestLearningOnTwoInstancesKeepsBothLessons(t *testing.T) {
	for _, b := range testenv.Backends() {
		t.Run(b.Name, func(t *testing.T) {
			ctx := context.Background()
			db := b.Open(t)
			var scorers [2]*scoring.Scorer
			for i := range scorers {
				s, err := newScorer(serveConfig{scoreHold: scoring.DefaultHoldThreshold, scoreReject: scoring.DefaultRejectThreshold}, db)
				if err != nil {
					t.Fatal(err)
				}
				scorers[i] = s
			}
			// Two honest-looking messages that support marks as spam:
			// each lesson moves its message's log-odds up.
			msgs := [2][]byte{
				[]byte("From: Anna <anna@garden-club.example>\r\nTo: members@example.org\r\nSubject: Spring planting day\r\n\r\nDear members, the spring planting day is on Saturday at ten. Bring gloves and seedlings.\r\n"),
				[]byte("From: Bram <bram@rowing.example>\r\nTo: crew@example.org\r\nSubject: Training schedule\r\n\r\nHi crew, training moves to Thursday evening this week because of the regatta.\r\n"),
			}
			base := [2]float64{scorers[0].Score(msgs[0]).Bayes, scorers[0].Score(msgs[1]).Bayes}
			var wg sync.WaitGroup
			errs := make(chan error, 2)
			for i := range 2 {
				wg.Go(func() { errs <- scorers[i].LearnContext(ctx, msgs[i], true) })
			}
			wg.Wait()
			close(errs)
			for err := range errs {
				if err != nil {
					t.Fatal(err)
				}
			}
			stored, err := sqlModelStore{db}.Load(ctx)
			if err != nil || stored == nil {
				t.Fatalf("stored model: %v, %v", stored, err)
			}
			fresh, err := scoring.New(scoring.Options{Model: stored})
			if err != nil {
				t.Fatal(err)
			}
			for i, m := range msgs {
				if got := fresh.Score(m).Bayes; got <= base[i]+0.5 {
					t.Errorf("message %d: stored model's log-odds %.3f, base %.3f: its lesson was lost", i, got, base[i])
				}
			}
			if v, _ := db.ModelVersion(ctx); v != 2 {
				t.Errorf("model version %d after two lessons, want 2", v)
			}
			// The instance that learned last holds both lessons live.
			last := scorers[0]
			if last.Score(msgs[1]).Bayes <= base[1]+0.5 {
				last = scorers[1]
			}
			for i, m := range msgs {
				if got := last.Score(m).Bayes; got <= base[i]+0.5 {
					t.Errorf("the last instance to learn scores message %d at %.3f (base %.3f)", i, got, base[i])
				}
			}
		})
	}
}

// legacyModelFile is a model file of format version 1 (words only,
// unsigned, as the first outpost versions wrote them), with no weights and
// the given bias: what an instance of an old version may have left in the
// database.
func legacyModelFile(t *testing.T, bias float64) []byte {
	t.Helper()
	var body bytes.Buffer
	zw, _ := flate.NewWriter(&body, flate.BestCompression)
	binary.Write(zw, binary.LittleEndian, bias)
	zw.Write(binary.AppendUvarint(nil, 10)) // spam
	zw.Write(binary.AppendUvarint(nil, 10)) // ham
	binary.Write(zw, binary.LittleEndian, float32(1))
	zw.Write(binary.AppendUvarint(nil, 0)) // no weights
	zw.Close()
	return append([]byte("OPBM\x01\x14"), body.Bytes()...)
}

// TestUpgradeKeepsSupportsLessons: the database holds a model learnt on an
// older default and the journal of what support taught. A new instance
// starts from this version's default, teaches it the lessons again, stores
// it for the other instances, and logs it; the next start has nothing to do.
func TestUpgradeKeepsSupportsLessons(t *testing.T) {
	cfg := serveConfig{scoreHold: scoring.DefaultHoldThreshold, scoreReject: scoring.DefaultRejectThreshold}
	for _, b := range testenv.Backends() {
		t.Run(b.Name, func(t *testing.T) {
			ctx := context.Background()
			db := b.Open(t)
			msg := []byte("From: Anna <anna@garden-club.example>\r\nTo: members@example.org\r\nSubject: Spring planting day\r\n\r\nDear members, the spring planting day is on Saturday at ten. Bring gloves and seedlings.\r\n")
			first, err := newScorer(cfg, db)
			if err != nil {
				t.Fatal(err)
			}
			base := first.Score(msg).Bayes
			if err := first.LearnContext(ctx, msg, true); err != nil {
				t.Fatal(err)
			}
			learnt := first.Score(msg).Bayes
			if learnt < base+2 {
				t.Fatalf("lesson moved the log-odds from %.2f to %.2f only", base, learnt)
			}
			// An old version's instance saves its own model over it.
			if _, err := db.PutModelBlob(ctx, legacyModelFile(t, -30)); err != nil {
				t.Fatal(err)
			}
			var logs bytes.Buffer
			w, err := wire(ctx, cfg, db, slog.New(slog.NewTextHandler(&logs, nil)), prometheus.NewRegistry())
			if err != nil {
				t.Fatal(err)
			}
			for _, c := range w.closers {
				defer c()
			}
			up, ok := w.scorer.Upgraded()
			if !ok || up.Err != nil || up.Replayed != 1 || up.Skipped != 0 || up.Adopted {
				t.Fatalf("upgrade = %+v, %v; want the one lesson taught again", up, ok)
			}
			if got := w.scorer.Score(msg).Bayes; math.Abs(got-learnt) > 0.05 {
				t.Errorf("after the upgrade the lesson's message has log-odds %.2f, want %.2f", got, learnt)
			}
			if !strings.Contains(logs.String(), "taught the recorded lessons again") || !strings.Contains(logs.String(), "lessons=1") {
				t.Errorf("upgrade not logged: %s", logs.String())
			}
			again, err := newScorer(cfg, db)
			if err != nil {
				t.Fatal(err)
			}
			if up, ok := again.Upgraded(); ok {
				t.Fatalf("the stored model was upgraded twice: %+v", up)
			}
			if got := again.Score(msg).Bayes; math.Abs(got-learnt) > 0.05 {
				t.Errorf("the stored upgraded model gives log-odds %.2f, want %.2f", got, learnt)
			}
		})
	}
}
