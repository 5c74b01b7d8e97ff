// Package migrations embeds the goose SQL migrations, one folder per dialect with the same versions.
package migrations

import "embed"

// FS holds mysql/*.sql and sqlite/*.sql.
//
//go:embed mysql/*.sql sqlite/*.sql
var FS embed.FS
