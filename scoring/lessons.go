package scoring

import (
	"bufio"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"slices"
)

// Lessons: what Learn was taught, kept so that a new default model can
// learn it again.
//
// A stored model is the default it started from plus every lesson support
// taught it. When an upgrade ships a new default (retrained, or with another
// hashed space), keeping the stored model would keep the old default too,
// and dropping it would drop the lessons. So every lesson is also written to
// a journal (a LessonJournal: the store's file beside the model, or a table
// in the database), and a Scorer whose stored model descends from another
// default starts from the new default, learns the journal's lessons again in
// the order they were taught, and saves the result (New, see Upgrade).
//
// A lesson holds the message's classifier features — 32-bit hashes of its
// words, word pairs and character n-grams, sorted, without their order or
// their text — not the message, so the journal keeps no mail and reading it
// back needs no parsing. The hashes are taken before they are folded into a
// model's buckets and before their sign is drawn, so they carry over to any
// hashed space; a lesson is only unusable when the features themselves
// change (lessonFeatures), and is then skipped and counted.

// lessonFeatures versions the feature extraction of a lesson: raise it when
// the tokenizer, the features or their hashes change, so older lessons are
// skipped rather than taught as the wrong features.
const lessonFeatures = 1

// DefaultMaxLessons is how many lessons a journal keeps, the newest: a
// lesson takes about 7 KB (the mean over the development corpus), so 20,000
// take about 140 MB, and an upgrade teaches them again in about 20 s.
const DefaultMaxLessons = 20000

// maxLesson bounds one encoded lesson when reading a journal (a message's
// features fit in far less: n-grams stop at maxGramText of tokens).
const maxLesson = 8 << 20

// LessonJournal is a ModelStore that also keeps every lesson Learn was
// taught (opaque bytes, in order), so that New can teach them again to a
// newer default model. FileStore and outpost's SQL store are journals.
type LessonJournal interface {
	AddLesson(ctx context.Context, lesson []byte) error
	// Lessons calls fn with each lesson, oldest first, until fn fails.
	Lessons(ctx context.Context, fn func(lesson []byte) error) error
}

// Upgrade reports that New found a stored model learnt on another default
// model and moved its lessons onto the embedded one.
type Upgrade struct {
	From, To uint64 // origins of the stored and of the embedded default
	// Replayed lessons were taught again; Skipped ones could not be (an
	// older feature extraction, or damaged). Lessons taught before the
	// journal existed (stored models of format versions 1–3) are not in it.
	Replayed, Skipped int
	// Adopted: another instance had already moved the stored model to this
	// default, and that model is used as it is.
	Adopted bool
	// Err: the journal could not be read or the new model not stored; the
	// stored model is used as it was, and the next start tries again.
	Err error
}

func encodeLesson(fs features, spam bool) []byte {
	b := make([]byte, 0, 2+3*(len(fs.words)+len(fs.grams))+2*binary.MaxVarintLen32)
	b = append(b, lessonFeatures, 0)
	if spam {
		b[1] = 1
	}
	put := func(hs []uint32) {
		slices.Sort(hs)
		b = binary.AppendUvarint(b, uint64(len(hs)))
		prev := uint32(0)
		for _, h := range hs {
			b = binary.AppendUvarint(b, uint64(h-prev))
			prev = h
		}
	}
	ws := make([]uint32, len(fs.words))
	for i, f := range fs.words {
		ws[i] = f.h
	}
	put(ws)
	put(slices.Clone(fs.grams))
	return b
}

var errLessonFeatures = errors.New("lesson of another feature extraction")

func decodeLesson(b []byte) (fs features, spam bool, err error) {
	if len(b) < 2 {
		return fs, false, errors.New("short lesson")
	}
	if b[0] != lessonFeatures {
		return fs, false, errLessonFeatures
	}
	if b[1] > 1 {
		return fs, false, errors.New("bad lesson label")
	}
	spam = b[1] == 1
	b = b[2:]
	get := func() ([]uint32, error) {
		n, k := binary.Uvarint(b)
		if k <= 0 || n > uint64(len(b)-k) { // every hash takes a byte at least
			return nil, errors.New("bad lesson length")
		}
		b = b[k:]
		hs := make([]uint32, n)
		var prev uint64
		for i := range hs {
			d, k := binary.Uvarint(b)
			if k <= 0 || prev+d > 0xffffffff {
				return nil, errors.New("bad lesson hash")
			}
			b = b[k:]
			prev += d
			hs[i] = uint32(prev)
		}
		return hs, nil
	}
	ws, err := get()
	if err != nil {
		return fs, false, err
	}
	if fs.grams, err = get(); err != nil {
		return fs, false, err
	}
	if len(b) != 0 {
		return fs, false, errors.New("trailing bytes in lesson")
	}
	fs.words = make([]feat, len(ws))
	for i, h := range ws {
		fs.words[i] = feat{h: h}
	}
	return fs, spam, nil
}

// upgrade builds the embedded default model with the journal's lessons
// taught again, and stores it unless another instance stored one of the
// same origin first (then that one is returned).
func upgrade(ctx context.Context, st ModelStore, j LessonJournal, from uint64) (*Model, Upgrade, error) {
	m, err := DefaultModel()
	if err != nil {
		return nil, Upgrade{}, err
	}
	up := Upgrade{From: from, To: m.origin}
	err = j.Lessons(ctx, func(b []byte) error {
		fs, spam, err := decodeLesson(b)
		if err != nil {
			up.Skipped++
			return nil
		}
		m.learn(fs, spam)
		up.Replayed++
		return nil
	})
	if err != nil {
		return nil, up, fmt.Errorf("scoring: read lessons: %w", err)
	}
	if u, ok := st.(ModelUpdater); ok {
		err = u.Update(ctx, func(stored *Model) (*Model, error) {
			if stored != nil && stored.origin == up.To {
				m, up.Adopted = stored, true
			}
			return m, nil
		})
	} else {
		err = st.Save(ctx, m)
	}
	if err != nil {
		return nil, up, fmt.Errorf("scoring: save upgraded model: %w", err)
	}
	return m, up, nil
}

// Upgraded says whether New moved a stored model's lessons onto the embedded
// default model, and how many.
func (s *Scorer) Upgraded() (Upgrade, bool) {
	return s.upgraded, s.upgraded.To != 0 || s.upgraded.Err != nil
}

var _ LessonJournal = (*FileStore)(nil)

// journalPath is the FileStore's lesson journal: the model file's name with
// ".lessons" added.
func (f *FileStore) journalPath() string { return f.Path + ".lessons" }

// AddLesson appends the lesson to the journal file (a uvarint length, then
// the bytes) and syncs it. Past a quarter more than MaxLessons (default
// DefaultMaxLessons) the file is rewritten with the newest MaxLessons.
func (f *FileStore) AddLesson(ctx context.Context, lesson []byte) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	f.jmu.Lock()
	defer f.jmu.Unlock()
	keep := f.MaxLessons
	if keep <= 0 {
		keep = DefaultMaxLessons
	}
	if !f.jcounted {
		// First append by this process: count what is there, and cut a
		// record a crash left half written, or the next would be lost in it.
		n := 0
		end, err := f.readJournal(ctx, func([]byte) error { n++; return nil })
		if err != nil {
			return err
		}
		if fi, err := os.Stat(f.journalPath()); err == nil && fi.Size() > end {
			if err := os.Truncate(f.journalPath(), end); err != nil {
				return fmt.Errorf("scoring: lesson journal: %w", err)
			}
		}
		f.jcount, f.jcounted = n, true
	}
	if f.jcount >= keep+keep/4 {
		if err := f.trimJournal(ctx, keep-1); err != nil {
			return err
		}
	}
	fh, err := os.OpenFile(f.journalPath(), os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o644)
	if err != nil {
		return fmt.Errorf("scoring: lesson journal: %w", err)
	}
	rec := binary.AppendUvarint(make([]byte, 0, len(lesson)+binary.MaxVarintLen32), uint64(len(lesson)))
	rec = append(rec, lesson...)
	if _, err := fh.Write(rec); err != nil {
		fh.Close()
		return fmt.Errorf("scoring: lesson journal: %w", err)
	}
	if err := fh.Sync(); err != nil {
		fh.Close()
		return fmt.Errorf("scoring: lesson journal: %w", err)
	}
	f.jcount++
	return fh.Close()
}

// trimJournal rewrites the journal with its newest keep lessons.
func (f *FileStore) trimJournal(ctx context.Context, keep int) error {
	var all [][]byte
	if _, err := f.readJournal(ctx, func(b []byte) error { all = append(all, b); return nil }); err != nil {
		return err
	}
	if len(all) > keep {
		all = all[len(all)-keep:]
	}
	err := writeFileAtomic(f.journalPath(), func(w io.Writer) error {
		bw := bufio.NewWriter(w)
		for _, b := range all {
			bw.Write(binary.AppendUvarint(nil, uint64(len(b))))
			bw.Write(b)
		}
		return bw.Flush()
	})
	if err != nil {
		return err
	}
	f.jcount = len(all)
	return nil
}

// Lessons reads the journal file. A record cut short at the end (a crash
// while appending) ends the journal; no file is no lessons.
func (f *FileStore) Lessons(ctx context.Context, fn func([]byte) error) error {
	f.jmu.Lock()
	defer f.jmu.Unlock()
	_, err := f.readJournal(ctx, fn)
	return err
}

// readJournal calls fn with each complete record and returns where the
// last complete record ends.
func (f *FileStore) readJournal(ctx context.Context, fn func([]byte) error) (int64, error) {
	fh, err := os.Open(f.journalPath())
	if errors.Is(err, fs.ErrNotExist) {
		return 0, nil
	}
	if err != nil {
		return 0, fmt.Errorf("scoring: lesson journal: %w", err)
	}
	defer fh.Close()
	br := bufio.NewReader(fh)
	var end int64
	var vb [binary.MaxVarintLen64]byte
	for {
		if err := ctx.Err(); err != nil {
			return end, err
		}
		n, err := binary.ReadUvarint(br)
		if err == io.EOF || errors.Is(err, io.ErrUnexpectedEOF) {
			return end, nil
		}
		if err != nil || n > maxLesson {
			return end, fmt.Errorf("scoring: lesson journal %s: damaged record at byte %d", f.journalPath(), end)
		}
		b := make([]byte, n)
		if _, err := io.ReadFull(br, b); err != nil {
			if errors.Is(err, io.ErrUnexpectedEOF) || err == io.EOF {
				return end, nil
			}
			return end, fmt.Errorf("scoring: lesson journal: %w", err)
		}
		end += int64(binary.PutUvarint(vb[:], n)) + int64(n)
		if err := fn(b); err != nil {
			return end, err
		}
	}
}
