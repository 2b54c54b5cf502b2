package kube

import (
	"encoding/json"
	"fmt"
	"strings"
)

// parseYAML reads the subset of YAML that kubeconfig files use: nested maps by indentation, lists of maps or
// scalars ("- name: x"), plain, single- or double-quoted scalars, comments and "{}"/"[]". A file that starts with
// "{" is read as JSON (which is YAML too). Anchors, multi-line scalars and flow collections with content are not
// supported; kubectl never writes them.
func parseYAML(text string) (map[string]any, error) {
	if strings.HasPrefix(strings.TrimSpace(text), "{") {
		var m map[string]any
		if err := json.Unmarshal([]byte(text), &m); err != nil {
			return nil, fmt.Errorf("not valid JSON: %w", err)
		}
		return m, nil
	}
	var lines []yamlLine
	for i, raw := range strings.Split(text, "\n") {
		content := stripComment(strings.TrimRight(raw, " \t\r"))
		trimmed := strings.TrimLeft(content, " ")
		if trimmed == "" || trimmed == "---" {
			continue
		}
		lines = append(lines, yamlLine{indent: len(content) - len(trimmed), text: trimmed, number: i + 1})
	}
	p := &yamlParser{lines: lines}
	if len(lines) == 0 {
		return map[string]any{}, nil
	}
	v, err := p.block(lines[0].indent)
	if err != nil {
		return nil, err
	}
	m, ok := v.(map[string]any)
	if !ok {
		return nil, fmt.Errorf("line %d: the document is not a map", lines[0].number)
	}
	return m, nil
}

type yamlLine struct {
	indent int
	text   string
	number int
}

type yamlParser struct {
	lines []yamlLine
	pos   int
}

// block reads the map or list whose lines start at indent.
func (p *yamlParser) block(indent int) (any, error) {
	if strings.HasPrefix(p.lines[p.pos].text, "- ") || p.lines[p.pos].text == "-" {
		return p.list(indent)
	}
	return p.mapping(indent, map[string]any{})
}

func (p *yamlParser) list(indent int) ([]any, error) {
	var items []any
	for p.pos < len(p.lines) && p.lines[p.pos].indent == indent && strings.HasPrefix(p.lines[p.pos].text+" ", "- ") {
		line := p.lines[p.pos]
		rest := strings.TrimSpace(strings.TrimPrefix(line.text, "-"))
		if rest == "" {
			p.pos++
			if p.pos < len(p.lines) && p.lines[p.pos].indent > indent {
				v, err := p.block(p.lines[p.pos].indent)
				if err != nil {
					return nil, err
				}
				items = append(items, v)
			} else {
				items = append(items, nil)
			}
			continue
		}
		if key, value, isPair := splitPair(rest); isPair {
			// "- key: value" opens a map whose further keys sit at the column of "key".
			column := indent + (len(line.text) - len(rest))
			p.lines[p.pos] = yamlLine{indent: column, text: key + ": " + value, number: line.number}
			m, err := p.mapping(column, map[string]any{})
			if err != nil {
				return nil, err
			}
			items = append(items, m)
			continue
		}
		items = append(items, scalar(rest))
		p.pos++
	}
	return items, nil
}

func (p *yamlParser) mapping(indent int, m map[string]any) (map[string]any, error) {
	for p.pos < len(p.lines) {
		line := p.lines[p.pos]
		if line.indent < indent {
			break
		}
		if line.indent > indent {
			return nil, fmt.Errorf("line %d: unexpected indentation", line.number)
		}
		key, value, isPair := splitPair(line.text)
		if !isPair {
			return nil, fmt.Errorf("line %d: expected \"key: value\"", line.number)
		}
		p.pos++
		if value != "" {
			m[key] = scalar(value)
			continue
		}
		// The value is the block below: deeper lines, or a list at the same indentation (kubectl writes those).
		if p.pos < len(p.lines) && (p.lines[p.pos].indent > indent ||
			(p.lines[p.pos].indent == indent && strings.HasPrefix(p.lines[p.pos].text+" ", "- "))) {
			v, err := p.block(p.lines[p.pos].indent)
			if err != nil {
				return nil, err
			}
			m[key] = v
		} else {
			m[key] = nil
		}
	}
	return m, nil
}

func splitPair(text string) (key, value string, ok bool) {
	if strings.HasPrefix(text, "\"") || strings.HasPrefix(text, "'") {
		return "", "", false
	}
	// "key: value", or "key:" at the end of the line (the value is the block below).
	i := strings.Index(text+" ", ": ")
	if i < 0 {
		return "", "", false
	}
	return strings.TrimSpace(text[:i]), strings.TrimSpace(text[i+1:]), true
}

func scalar(v string) any {
	switch {
	case v == "{}":
		return map[string]any{}
	case v == "[]":
		return []any{}
	case len(v) >= 2 && v[0] == '"' && v[len(v)-1] == '"':
		var s string
		if json.Unmarshal([]byte(v), &s) == nil {
			return s
		}
		return v[1 : len(v)-1]
	case len(v) >= 2 && v[0] == '\'' && v[len(v)-1] == '\'':
		return strings.ReplaceAll(v[1:len(v)-1], "''", "'")
	}
	return v
}

func stripComment(line string) string {
	inSingle, inDouble := false, false
	for i, r := range line {
		switch {
		case r == '\'' && !inDouble:
			inSingle = !inSingle
		case r == '"' && !inSingle:
			inDouble = !inDouble
		case r == '#' && !inSingle && !inDouble && (i == 0 || line[i-1] == ' '):
			return line[:i]
		}
	}
	return line
}
