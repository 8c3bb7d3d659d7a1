package scoring

import "testing"

func TestSetModelSwapsTheLiveModel(t *testing.T) {
	s, err := New(Options{})
	if err != nil {
		t.Fatal(err)
	}
	raw := []byte("From: a@example.com\r\nTo: b@example.org\r\nSubject: quarterly figures\r\n\r\nThe quarterly figures are attached, see you at the meeting.\r\n")
	before := s.Score(raw).Bayes
	// A model taught that exactly this wording is spam must score it higher.
	var ex []Example
	for range 20 {
		ex = append(ex, NewExample(raw, true))
		ex = append(ex, NewExample([]byte("From: c@example.com\r\nSubject: lunch\r\n\r\nShall we have lunch on Friday?\r\n"), false))
	}
	m := Train(ex, TrainConfig{})
	s.SetModel(m)
	after := s.Score(raw).Bayes
	if !(after > before) {
		t.Fatalf("bayes part %v after SetModel, %v before: the new model was not used", after, before)
	}
	// The scorer holds its own copy: changing m afterwards changes nothing.
	m.learn(features{}, false)
	if again := s.Score(raw).Bayes; again != after {
		t.Fatalf("score changed from %v to %v when the caller's model changed", after, again)
	}
}
