package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/outpost-mail/outpost/internal/store"
	"github.com/outpost-mail/outpost/scoring"
	"github.com/outpost-mail/outpost/smtpd"
)

// sqlModelStore keeps scoring's live model in the database, so what support
// teaches it reaches every instance and survives restarts.
type sqlModelStore struct{ db *store.DB }

var (
	_ scoring.ModelStore    = sqlModelStore{}
	_ scoring.ModelUpdater  = sqlModelStore{}
	_ scoring.LessonJournal = sqlModelStore{}
)

func (s sqlModelStore) AddLesson(ctx context.Context, lesson []byte) error {
	return s.db.AddModelLesson(ctx, lesson, scoring.DefaultMaxLessons)
}

func (s sqlModelStore) Lessons(ctx context.Context, fn func([]byte) error) error {
	return s.db.ModelLessons(ctx, fn)
}

func (s sqlModelStore) Load(ctx context.Context) (*scoring.Model, error) {
	_, data, err := s.db.ModelBlob(ctx)
	if errors.Is(err, store.ErrNotFound) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	return scoring.ReadModel(bytes.NewReader(data))
}

func (s sqlModelStore) Save(ctx context.Context, m *scoring.Model) error {
	var buf bytes.Buffer
	if _, err := m.WriteTo(&buf); err != nil {
		return err
	}
	_, err := s.db.PutModelBlob(ctx, buf.Bytes())
	return err
}

// Update changes the newest stored model under the row's lock (see
// store.UpdateModelBlob), so that instances learning from decisions at
// once never overwrite each other's lessons.
func (s sqlModelStore) Update(ctx context.Context, change func(*scoring.Model) (*scoring.Model, error)) error {
	_, err := s.db.UpdateModelBlob(ctx, func(old []byte) ([]byte, error) {
		var m *scoring.Model
		if old != nil {
			var err error
			if m, err = scoring.ReadModel(bytes.NewReader(old)); err != nil {
				return nil, err
			}
		}
		m, err := change(m)
		if err != nil {
			return nil, err
		}
		var buf bytes.Buffer
		if _, err := m.WriteTo(&buf); err != nil {
			return nil, err
		}
		return buf.Bytes(), nil
	})
	return err
}

// contentInspector scores each message and turns the verdict into the
// relay's decision. When review is wired it has the last word (tenant state,
// campaigns, probation); without it, a hold verdict cannot be stored and the
// relay answers 451 (fail closed).
type contentInspector struct {
	scorer *scoring.Scorer
	review reviewAssessor // nil: content verdict alone
	log    *slog.Logger
}

// reviewAssessor is what the inspector needs of review (see wire_review.go).
type reviewAssessor interface {
	assess(ctx context.Context, m *smtpd.Message, r scoring.Result) (smtpd.Decision, error)
}

func (ci *contentInspector) Inspect(ctx context.Context, m *smtpd.Message) (smtpd.Decision, error) {
	res := ci.scorer.Score(m.Raw)
	if ci.review != nil {
		return ci.review.assess(ctx, m, res)
	}
	return verdictDecision(res), nil
}

// verdictDecision maps a content verdict to a relay decision. The reply text
// names the main reason but never the score or thresholds.
func verdictDecision(res scoring.Result) smtpd.Decision {
	switch res.Verdict {
	case scoring.Reject:
		return smtpd.Decision{Action: smtpd.ActionReject, Code: "content.reject", Score: res.Score,
			Reason: "message refused by content policy: " + res.MainReason()}
	case scoring.Hold:
		return smtpd.Decision{Action: smtpd.ActionHold, Code: "content.hold", Score: res.Score,
			Reason: "message held for review: " + res.MainReason()}
	}
	return smtpd.Decision{Action: smtpd.ActionRelay, Code: "content.pass", Score: res.Score}
}

var _ smtpd.Inspector = (*contentInspector)(nil)

// newScorer builds the scorer with the database-backed model store.
func newScorer(c serveConfig, db *store.DB) (*scoring.Scorer, error) {
	return scoring.New(scoring.Options{HoldThreshold: c.scoreHold, RejectThreshold: c.scoreReject, Store: sqlModelStore{db}})
}

// logUpgrade says what the scorer did with a stored model learnt on an
// older default model (scoring.Upgrade).
func logUpgrade(sc *scoring.Scorer, log *slog.Logger) {
	up, ok := sc.Upgraded()
	switch {
	case !ok:
	case up.Err != nil:
		log.Error("the stored content model was learnt on an older default model and could not be moved to this version's; it stays in use until the next start", "err", up.Err)
	case up.Adopted:
		log.Info("another instance moved the stored content model to this version's default model")
	default:
		log.Info("the stored content model was learnt on an older default model: this version's default model was taught the recorded lessons again and replaces it",
			"from", fmt.Sprintf("%016x", up.From), "to", fmt.Sprintf("%016x", up.To), "lessons", up.Replayed, "skipped", up.Skipped)
	}
}

// modelReloader reloads the model when another instance saved a newer one.
func modelReloader(db *store.DB, s *scoring.Scorer, every time.Duration, log *slog.Logger) func(ctx context.Context) {
	return func(ctx context.Context) {
		seen, _ := db.ModelVersion(ctx)
		t := time.NewTicker(every)
		defer t.Stop()
		for {
			select {
			case <-ctx.Done():
				return
			case <-t.C:
			}
			v, err := db.ModelVersion(ctx)
			if err != nil || v == seen {
				continue
			}
			m, err := (sqlModelStore{db}).Load(ctx)
			if err != nil || m == nil {
				log.Warn("reload model", "err", err)
				continue
			}
			s.SetModel(m)
			seen = v
			log.Info("reloaded the content model saved by another instance", "version", v)
		}
	}
}
