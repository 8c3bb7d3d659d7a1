package quota

import (
	"database/sql"
	"errors"

	"github.com/outpost-mail/outpost/internal/store"
)

func isNoRows(err error) bool { return errors.Is(err, sql.ErrNoRows) }

// forUpdate is the row-lock suffix for a SELECT in a transaction: FOR UPDATE
// on PostgreSQL; nothing on SQLite, whose transactions hold the database's
// write lock from BEGIN.
func forUpdate(d store.Dialect) string {
	if d == store.Postgres {
		return " FOR UPDATE"
	}
	return ""
}
