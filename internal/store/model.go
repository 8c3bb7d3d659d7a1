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
