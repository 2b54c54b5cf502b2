package poolagent

import (
	"fmt"
	"net/url"
	"strings"
)

// WithApplicationName returns dsn with application_name set to name, so that pg_stat_activity shows which pod
// holds each connection (docs/protocol.md, step 9; the operator compares it with the holds). It understands both
// forms lib/pq and pgx accept: a URL (postgres://user@host/db?sslmode=disable) and key=value pairs
// (host=... dbname=...). An application_name already in dsn is replaced.
func WithApplicationName(dsn, name string) (string, error) {
	if strings.HasPrefix(dsn, "postgres://") || strings.HasPrefix(dsn, "postgresql://") {
		u, err := url.Parse(dsn)
		if err != nil {
			return "", fmt.Errorf("poolagent: the connection URL cannot be parsed: %w", err)
		}
		q := u.Query()
		q.Set("application_name", name)
		u.RawQuery = q.Encode()
		return u.String(), nil
	}

	pairs, err := splitKeyValues(dsn)
	if err != nil {
		return "", err
	}
	kept := make([]string, 0, len(pairs)+1)
	for _, p := range pairs {
		if p.key != "application_name" {
			kept = append(kept, p.text)
		}
	}
	kept = append(kept, "application_name="+quoteValue(name))
	return strings.Join(kept, " "), nil
}

type keyValue struct{ key, text string }

// splitKeyValues splits a libpq key=value string, keeping each pair's text as written (quotes and escapes).
func splitKeyValues(dsn string) ([]keyValue, error) {
	var pairs []keyValue
	s := strings.TrimSpace(dsn)
	for s != "" {
		eq := strings.IndexByte(s, '=')
		if eq <= 0 {
			return nil, fmt.Errorf("poolagent: the connection string is neither a postgres:// URL nor key=value pairs (near %q)", s)
		}
		key := strings.TrimSpace(s[:eq])
		rest := strings.TrimLeft(s[eq+1:], " ")
		end := 0
		if strings.HasPrefix(rest, "'") {
			end = 1
			for end < len(rest) && rest[end] != '\'' {
				if rest[end] == '\\' {
					end++
				}
				end++
			}
			if end >= len(rest) {
				return nil, fmt.Errorf("poolagent: the connection string has an unterminated quote in %s", key)
			}
			end++
		} else {
			for end < len(rest) && rest[end] != ' ' {
				end++
			}
		}
		pairs = append(pairs, keyValue{key: key, text: key + "=" + rest[:end]})
		s = strings.TrimSpace(rest[end:])
	}
	return pairs, nil
}

func quoteValue(v string) string {
	if v != "" && !strings.ContainsAny(v, " '\\") {
		return v
	}
	return "'" + strings.NewReplacer(`\`, `\\`, `'`, `\'`).Replace(v) + "'"
}
