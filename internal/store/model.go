package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"
)

// ModelBlob returns the stored classifier model and its version, or
// ErrNotFound when none was saved yet. The bytes are scoring's own format.
func (db *DB) ModelBlob(ctx context.Context) (version int64, data []byte, err error) {
	err = db.QueryRow(ctx, `SELECT version, model FROM scoring_model WHERE id = 1`).Scan(&version, &data)
	if errors.Is(err, sql.ErrNoRows) {
		return 0, nil, ErrNotFound
	}
	if err != nil {
		return 0, nil, fmt.Errorf("store: load model: %w", err)
	}
	return version, data, nil
}

// ModelVersion returns the stored model's version (0 when none), cheaply, so
// instances can poll for a model another instance saved.
func (db *DB) ModelVersion(ctx context.Context) (int64, error) {
	var v int64
	err := db.QueryRow(ctx, `SELECT version FROM scoring_model WHERE id = 1`).Scan(&v)
	if errors.Is(err, sql.ErrNoRows) {
		return 0, nil
	}
	if err != nil {
		return 0, fmt.Errorf("store: model version: %w", err)
	}
	return v, nil
}

// PutModelBlob stores a new model and returns its version (one more than the
// last).
func (db *DB) PutModelBlob(ctx context.Context, data []byte) (int64, error) {
	var version int64
	err := db.InTx(ctx, func(tx *Tx) error {
		err := tx.QueryRow(ctx, `SELECT version FROM scoring_model WHERE id = 1`).Scan(&version)
		switch {
		case errors.Is(err, sql.ErrNoRows):
			version = 1
			_, err = tx.Exec(ctx, `INSERT INTO scoring_model (id, version, model, updated_at) VALUES (1, ?, ?, ?)`, version, data, Millis(time.Now()))
			return err
		case err != nil:
			return err
		}
		version++
		_, err = tx.Exec(ctx, `UPDATE scoring_model SET version = ?, model = ?, updated_at = ? WHERE id = 1`, version, data, Millis(time.Now()))
		return err
	})
	if err != nil {
		return 0, fmt.Errorf("store: save model: %w", err)
	}
	return version, nil
}

// UpdateModelBlob changes the stored model in one transaction: change gets
// the newest stored bytes (nil when none) and returns the bytes to store.
// The row is locked from the read to the write (FOR UPDATE on PostgreSQL;
// SQLite transactions hold the write lock from BEGIN), so instances that
// update at once each build on the other's result and none is lost. Two
// first-ever updates racing to insert the row: the loser runs again on the
// winner's bytes. It returns the new version.
func (db *DB) UpdateModelBlob(ctx context.Context, change func(old []byte) ([]byte, error)) (int64, error) {
	lock := ""
	if db.Dialect == Postgres {
		lock = " FOR UPDATE"
	}
	var version int64
	for attempt := 0; ; attempt++ {
		err := db.InTx(ctx, func(tx *Tx) error {
			var old []byte
			err := tx.QueryRow(ctx, `SELECT version, model FROM scoring_model WHERE id = 1`+lock).Scan(&version, &old)
			exists := true
			switch {
			case errors.Is(err, sql.ErrNoRows):
				exists, version, old = false, 0, nil
			case err != nil:
				return err
			}
			data, err := change(old)
			if err != nil {
				return err
			}
			version++
			if !exists {
				_, err = tx.Exec(ctx, `INSERT INTO scoring_model (id, version, model, updated_at) VALUES (1, ?, ?, ?)`, version, data, Millis(time.Now()))
				return err
			}
			_, err = tx.Exec(ctx, `UPDATE scoring_model SET version = ?, model = ?, updated_at = ? WHERE id = 1`, version, data, Millis(time.Now()))
			return err
		})
		if err != nil && IsUniqueViolation(err) && attempt == 0 {
			continue
		}
		if err != nil {
			return 0, fmt.Errorf("store: update model: %w", err)
		}
		return version, nil
	}
}

// AddModelLesson appends one of the classifier's lessons (scoring's own
// bytes) to the journal and drops the oldest beyond the newest keep (by id,
// so about keep: ids may have gaps).
func (db *DB) AddModelLesson(ctx context.Context, lesson []byte, keep int) error {
	err := db.InTx(ctx, func(tx *Tx) error {
		if _, err := tx.Exec(ctx, `INSERT INTO scoring_lessons (at, lesson) VALUES (?, ?)`, Millis(time.Now()), lesson); err != nil {
			return err
		}
		if keep <= 0 {
			return nil
		}
		_, err := tx.Exec(ctx, `DELETE FROM scoring_lessons WHERE id <= (SELECT MAX(id) FROM scoring_lessons) - ?`, keep)
		return err
	})
	if err != nil {
		return fmt.Errorf("store: add lesson: %w", err)
	}
	return nil
}

// ModelLessons calls fn with every lesson, oldest first, until fn fails.
func (db *DB) ModelLessons(ctx context.Context, fn func(lesson []byte) error) error {
	rows, err := db.Query(ctx, `SELECT lesson FROM scoring_lessons ORDER BY id`)
	if err != nil {
		return fmt.Errorf("store: read lessons: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var b []byte
		if err := rows.Scan(&b); err != nil {
			return fmt.Errorf("store: read lessons: %w", err)
		}
		if err := fn(b); err != nil {
			return err
		}
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("store: read lessons: %w", err)
	}
	return nil
}
