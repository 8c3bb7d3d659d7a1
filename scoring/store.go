package scoring

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"sync"
)

// ModelStore persists the live model, so that what support teaches it
// (Scorer.Learn) survives restarts and reaches the other nodes. Load returns
// (nil, nil) when the store holds no model yet. A SQL implementation lives with
// the database code; FileStore is the one-node implementation.
type ModelStore interface {
	Load(ctx context.Context) (*Model, error)
	Save(ctx context.Context, m *Model) error
}

// ModelUpdater is a ModelStore that can change the newest stored model in
// one atomic step (read, change, write under a lock), so that instances
// learning at once each build on the other's lessons instead of the last
// Save winning. Scorer.Learn uses it when the Store has it. change gets
// the stored model (nil when none) and may modify and return it.
type ModelUpdater interface {
	Update(ctx context.Context, change func(stored *Model) (*Model, error)) error
}

// FileStore keeps the model in one file, replaced atomically on every Save.
// Its lessons (LessonJournal) go to a second file beside it, Path +
// ".lessons", which keeps the newest MaxLessons (0: DefaultMaxLessons).
type FileStore struct {
	Path       string
	MaxLessons int
	mu         sync.Mutex // Update: read-change-write within this process
	jmu        sync.Mutex // the lesson journal and its count:
	jcount     int
	jcounted   bool
}

var (
	_ ModelStore   = (*FileStore)(nil)
	_ ModelUpdater = (*FileStore)(nil)
)

// Update loads the model, changes it and saves it, serialised within this
// process (a file store serves one node).
func (f *FileStore) Update(ctx context.Context, change func(*Model) (*Model, error)) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	m, err := f.Load(ctx)
	if err != nil {
		return err
	}
	if m, err = change(m); err != nil {
		return err
	}
	return f.Save(ctx, m)
}

// Load reads the model file; a missing file is no model (nil, nil).
func (f *FileStore) Load(ctx context.Context) (*Model, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	fh, err := os.Open(f.Path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("scoring: file store: %w", err)
	}
	defer fh.Close()
	return ReadModel(fh)
}

// Save writes the model to a temporary file and renames it into place.
func (f *FileStore) Save(ctx context.Context, m *Model) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	return writeFileAtomic(f.Path, func(w io.Writer) error {
		_, err := m.WriteTo(w)
		return err
	})
}

func writeFileAtomic(path string, write func(io.Writer) error) error {
	dir := filepath.Dir(path)
	tmp, err := os.CreateTemp(dir, "."+filepath.Base(path)+".tmp*")
	if err != nil {
		return fmt.Errorf("scoring: %w", err)
	}
	name := tmp.Name()
	defer os.Remove(name) // no-op once renamed
	if err := write(tmp); err != nil {
		tmp.Close()
		return fmt.Errorf("scoring: write %s: %w", path, err)
	}
	if err := tmp.Chmod(0o644); err != nil {
		tmp.Close()
		return fmt.Errorf("scoring: write %s: %w", path, err)
	}
	if err := tmp.Sync(); err != nil {
		tmp.Close()
		return fmt.Errorf("scoring: write %s: %w", path, err)
	}
	if err := tmp.Close(); err != nil {
		return fmt.Errorf("scoring: write %s: %w", path, err)
	}
	if err := os.Rename(name, path); err != nil {
		return fmt.Errorf("scoring: write %s: %w", path, err)
	}
	return nil
}
