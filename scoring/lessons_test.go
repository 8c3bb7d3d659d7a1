package scoring

import (
	"context"
	"errors"
	"math"
	"os"
	"path/filepath"
	"testing"
)

// A garden-club notice the default model reads as legitimate, which support
// marks as spam in these tests.
var lessonMsg = []byte("From: Anna <anna@garden-club.example>\r\nTo: members@example.org\r\nSubject: Spring planting day\r\n\r\nDear members, the spring planting day is on Saturday at ten. Bring gloves and seedlings.\r\n")

func TestLessonRoundTrip(t *testing.T) {
	m, err := DefaultModel()
	if err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{"phish.eml", "newsletter.eml", "invoice.eml"} {
		var f featurizer
		fs := f.extract(Parse(readTestdata(t, name))).clone()
		for _, spam := range []bool{true, false} {
			b := encodeLesson(fs, spam)
			got, gotSpam, err := decodeLesson(b)
			if err != nil {
				t.Fatalf("%s: %v", name, err)
			}
			if gotSpam != spam || len(got.words) != len(fs.words) || len(got.grams) != len(fs.grams) {
				t.Fatalf("%s: decoded spam %v, %d words, %d grams; want %v, %d, %d", name, gotSpam, len(got.words), len(got.grams), spam, len(fs.words), len(fs.grams))
			}
			if a, b := m.logit(fs), m.logit(got); math.Abs(a-b) > 1e-6 {
				t.Fatalf("%s: logit %v from the message, %v from its lesson", name, a, b)
			}
			// Every cut of a lesson is refused, never misread.
			for i := range len(b) {
				if _, _, err := decodeLesson(b[:i]); err == nil {
					t.Fatalf("%s: lesson cut at %d of %d bytes accepted", name, i, len(b))
				}
			}
		}
	}
	var f featurizer
	b := encodeLesson(f.extract(Parse(lessonMsg)), true)
	b[0]++
	if _, _, err := decodeLesson(b); !errors.Is(err, errLessonFeatures) {
		t.Fatalf("lesson of another feature version: %v", err)
	}
	b[0]--
	b[1] = 7
	if _, _, err := decodeLesson(b); err == nil {
		t.Fatal("lesson with label 7 accepted")
	}
}

// oldModel is a model as an older default would have left in a store: of
// another origin, with a bias no default has, so a test can tell whether
// it is still in use.
func oldModel(t *testing.T) *Model {
	t.Helper()
	m, err := DefaultModel()
	if err != nil {
		t.Fatal(err)
	}
	m.origin = legacyV2Origin
	m.bias = -30
	return m
}

// TestUpgradeTeachesLessonsAgain: a FileStore whose model was learnt on
// another default. New starts from the embedded default, teaches it the
// journal's lessons again, saves it, and says so; the next New finds
// nothing to do.
func TestUpgradeTeachesLessonsAgain(t *testing.T) {
	ctx := context.Background()
	st := &FileStore{Path: filepath.Join(t.TempDir(), "model")}
	s, err := New(Options{Store: st})
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := s.Upgraded(); ok {
		t.Fatal("an empty store reported an upgrade")
	}
	base := s.Score(lessonMsg).Bayes
	if base > 0 {
		t.Fatalf("test message already spam-ward (%.2f); pick another", base)
	}
	if err := s.Learn(lessonMsg, true); err != nil {
		t.Fatal(err)
	}
	learnt := s.Score(lessonMsg).Bayes
	if learnt < base+2 {
		t.Fatalf("lesson moved the log-odds from %.2f to %.2f only", base, learnt)
	}
	var n int
	if err := st.Lessons(ctx, func([]byte) error { n++; return nil }); err != nil || n != 1 {
		t.Fatalf("journal holds %d lessons (%v), want 1", n, err)
	}
	// The same store, restarted, is of this default: no upgrade.
	s2, err := New(Options{Store: st})
	if err != nil {
		t.Fatal(err)
	}
	if up, ok := s2.Upgraded(); ok {
		t.Fatalf("a model of this default was upgraded: %+v", up)
	}
	// Now the stored model is an older default's, with a lesson of a
	// feature extraction no longer used.
	if err := st.Save(ctx, oldModel(t)); err != nil {
		t.Fatal(err)
	}
	var f featurizer
	stale := encodeLesson(f.extract(Parse(readTestdata(t, "invoice.eml"))), true)
	stale[0] = lessonFeatures + 1
	if err := st.AddLesson(ctx, stale); err != nil {
		t.Fatal(err)
	}
	s3, err := New(Options{Store: st})
	if err != nil {
		t.Fatal(err)
	}
	up, ok := s3.Upgraded()
	if !ok || up.Err != nil || up.Adopted || up.Replayed != 1 || up.Skipped != 1 || up.From != legacyV2Origin || up.To != defaultOrigin() {
		t.Fatalf("upgrade = %+v, %v; want 1 lesson taught again and 1 skipped, from the old origin to the default's", up, ok)
	}
	if got := s3.Score(lessonMsg).Bayes; math.Abs(got-learnt) > 0.05 {
		t.Errorf("after the upgrade the lesson's message scores %.2f, want %.2f as when it was taught", got, learnt)
	}
	if got, want := s3.Score(readTestdata(t, "newsletter.eml")).Bayes, s.Score(readTestdata(t, "newsletter.eml")).Bayes; math.Abs(got-want) > 0.05 {
		t.Errorf("another message scores %.2f, want the default's %.2f: the old model is still in use", got, want)
	}
	stored, err := st.Load(ctx)
	if err != nil || stored.origin != defaultOrigin() {
		t.Fatalf("stored after the upgrade: %v, %v; want the default's origin", stored, err)
	}
	s4, err := New(Options{Store: st})
	if err != nil {
		t.Fatal(err)
	}
	if up, ok := s4.Upgraded(); ok {
		t.Fatalf("upgraded twice: %+v", up)
	}
}

// plainStore is a ModelStore without a journal.
type plainStore struct{ m *Model }

func (p *plainStore) Load(context.Context) (*Model, error) { return p.m, nil }
func (p *plainStore) Save(_ context.Context, m *Model) error {
	p.m = m.Clone()
	return nil
}

// racedStore: another instance moved the model to this default between
// this one's Load and its Update.
type racedStore struct {
	plainStore
	moved *Model
}

func (r *racedStore) AddLesson(context.Context, []byte) error { return nil }
func (r *racedStore) Lessons(context.Context, func([]byte) error) error {
	return nil
}
func (r *racedStore) Update(ctx context.Context, change func(*Model) (*Model, error)) error {
	m, err := change(r.moved.Clone())
	if err == nil {
		r.m = m
	}
	return err
}

// brokenJournal cannot be read.
type brokenJournal struct{ plainStore }

func (b *brokenJournal) AddLesson(context.Context, []byte) error { return nil }
func (b *brokenJournal) Lessons(context.Context, func([]byte) error) error {
	return errors.New("disk on fire")
}

func TestUpgradeWithoutJournalOrRaced(t *testing.T) {
	old := oldModel(t)
	// No journal: the lessons could not be taught again, so the stored
	// model stays.
	s, err := New(Options{Store: &plainStore{m: old}})
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := s.Upgraded(); ok || s.Model().bias != -30 {
		t.Fatal("a store without a journal had its model replaced")
	}
	// A journal that fails: the stored model stays, and the error is told.
	s, err = New(Options{Store: &brokenJournal{plainStore{m: old}}})
	if err != nil {
		t.Fatal(err)
	}
	if up, ok := s.Upgraded(); !ok || up.Err == nil || s.Model().bias != -30 {
		t.Fatalf("failed upgrade: %+v %v bias %v", up, ok, s.Model().bias)
	}
	// Another instance got there first: its model is adopted.
	moved, err := DefaultModel()
	if err != nil {
		t.Fatal(err)
	}
	moved.bias = 3
	rs := &racedStore{plainStore: plainStore{m: old}, moved: moved}
	s, err = New(Options{Store: rs})
	if err != nil {
		t.Fatal(err)
	}
	if up, ok := s.Upgraded(); !ok || !up.Adopted || s.Model().bias != 3 || rs.m.bias != 3 {
		t.Fatalf("raced upgrade: %+v, live bias %v, stored bias %v; want the other instance's model", up, s.Model().bias, rs.m.bias)
	}
}

// TestFileJournalBounded: the journal keeps the newest MaxLessons, and a
// record cut short by a crash ends it without an error.
func TestFileJournalBounded(t *testing.T) {
	ctx := context.Background()
	st := &FileStore{Path: filepath.Join(t.TempDir(), "model"), MaxLessons: 8}
	for i := range 30 {
		if err := st.AddLesson(ctx, []byte{byte(i), 1, 2}); err != nil {
			t.Fatal(err)
		}
	}
	var got []byte
	read := func() {
		got = got[:0]
		if err := st.Lessons(ctx, func(b []byte) error { got = append(got, b[0]); return nil }); err != nil {
			t.Fatal(err)
		}
	}
	read()
	if len(got) < 8 || len(got) > 10 || got[len(got)-1] != 29 {
		t.Fatalf("journal of max 8 after 30 lessons holds %v; want the newest 8-10", got)
	}
	for i := 1; i < len(got); i++ {
		if got[i] != got[i-1]+1 {
			t.Fatalf("journal out of order: %v", got)
		}
	}
	n := len(got)
	fh, err := os.OpenFile(st.journalPath(), os.O_WRONLY|os.O_APPEND, 0)
	if err != nil {
		t.Fatal(err)
	}
	fh.Write([]byte{9, 1, 2}) // says 9 bytes, has 2
	fh.Close()
	read()
	if len(got) != n {
		t.Fatalf("a cut record changed the journal: %d lessons, want %d", len(got), n)
	}
	// The next process's first lesson cuts the half record off first.
	st = &FileStore{Path: st.Path, MaxLessons: 8}
	if err := st.AddLesson(ctx, []byte{30, 1, 2}); err != nil {
		t.Fatal(err)
	}
	read()
	if len(got) != n+1 || got[n] != 30 {
		t.Fatalf("after a cut record and a new lesson the journal holds %v", got)
	}
}
