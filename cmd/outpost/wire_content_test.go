package main

import (
	"context"
	"sync"
	"testing"

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
