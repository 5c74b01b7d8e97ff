package repository

import (
	"fmt"
	"net/url"
	"strings"
	"time"

	gomysql "github.com/go-sql-driver/mysql"
)

// sqlitePragmas are always set: foreign keys enforced, writers wait instead of failing, WAL so that
// readers do not block the writer, and IMMEDIATE transactions so that a transaction that reads then
// writes cannot deadlock on the lock upgrade.
var sqlitePragmas = []string{"foreign_keys(1)", "busy_timeout(10000)", "journal_mode(WAL)", "synchronous(NORMAL)"}

// NormalizeSQLiteDSN accepts a file path or a "file:" DSN and adds our pragmas and transaction mode.
func NormalizeSQLiteDSN(dsn string) (string, error) {
	if dsn == "" {
		return "", fmt.Errorf("sqlite dsn is empty")
	}
	path, query, _ := strings.Cut(dsn, "?")
	if path == ":memory:" || strings.Contains(query, "mode=memory") {
		return "", fmt.Errorf("sqlite dsn %q: in-memory databases are not supported (each connection would see its own database)", dsn)
	}
	q, err := url.ParseQuery(query)
	if err != nil {
		return "", fmt.Errorf("sqlite dsn %q: %w", dsn, err)
	}
	have := strings.Join(q["_pragma"], ",")
	for _, p := range sqlitePragmas {
		name, _, _ := strings.Cut(p, "(")
		if !strings.Contains(have, name) {
			q.Add("_pragma", p)
		}
	}
	if q.Get("_txlock") == "" {
		q.Set("_txlock", "immediate")
	}
	if !strings.HasPrefix(path, "file:") {
		path = "file:" + path
	}
	return path + "?" + q.Encode(), nil
}

// SQLitePath returns the file path of a normalised SQLite DSN.
func SQLitePath(dsn string) string {
	path, _, _ := strings.Cut(strings.TrimPrefix(dsn, "file:"), "?")
	return path
}

// NormalizeMySQLDSN parses a go-sql-driver DSN and forces the settings the repositories rely on:
// times parsed into time.Time in UTC, matched (not changed) rows reported by UPDATE, and parameters
// interpolated by the driver, so that a statement with arguments is one round trip rather than three
// (prepare, execute, close); with a utf8 charset (the default utf8mb4), which the driver escapes safely.
func NormalizeMySQLDSN(dsn string) (string, error) {
	cfg, err := gomysql.ParseDSN(dsn)
	if err != nil {
		return "", fmt.Errorf("mysql dsn: %w", err)
	}
	cfg.ParseTime = true
	cfg.Loc = time.UTC
	cfg.ClientFoundRows = true
	if cfg.Params == nil {
		cfg.Params = map[string]string{}
	}
	if _, ok := cfg.Params["charset"]; !ok {
		cfg.Params["charset"] = "utf8mb4"
	}
	switch cfg.Params["charset"] {
	case "utf8mb4", "utf8", "utf8mb3": // the driver refuses interpolation for charsets it cannot escape
		cfg.InterpolateParams = true
	}
	if cfg.Timeout == 0 {
		cfg.Timeout = 5 * time.Second
	}
	cfg.Params["time_zone"] = "'+00:00'"
	return cfg.FormatDSN(), nil
}

// MaskDSN hides the password of a MySQL DSN for logging.
func MaskDSN(dialect, dsn string) string {
	if dialect != DialectMySQL {
		return dsn
	}
	cfg, err := gomysql.ParseDSN(dsn)
	if err != nil {
		return "(unparseable dsn)"
	}
	if cfg.Passwd != "" {
		cfg.Passwd = "*****"
	}
	return cfg.FormatDSN()
}
