package scoring

// SetModel replaces the live model, e.g. with one another instance saved to
// the shared ModelStore. Messages scored after it returns use m.
func (s *Scorer) SetModel(m *Model) {
	c := m.Clone()
	s.mu.Lock()
	s.model = c
	s.mu.Unlock()
}
