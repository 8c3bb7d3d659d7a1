// Package migrations embeds outpost's forward-only SQL migrations, one set per
// dialect (postgres/, sqlite/). Files are named NNNN_topic.sql; each runs once,
// in its own transaction, in numeric order, and is recorded in schema_migrations.
//
// Numbering is by owner so parallel work never collides: 0001 core (tenants,
// tokens, DKIM keys, audit), 0002 quota, 0003 scoring, 0004 review; since
// then 0005 api, 0006 review, 0007 scoring (the lesson journal). A later
// change to a table gets the next free number, never an edit of a shipped file.
package migrations

import "embed"

// FS holds postgres/*.sql and sqlite/*.sql.
//
//go:embed postgres/*.sql sqlite/*.sql
var FS embed.FS
