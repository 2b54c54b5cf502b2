package poolagent

import (
	"strings"
	"testing"
)

func TestSettingsNameTheMalformedVariable(t *testing.T) {
	base := map[string]string{"POD_NAME": "w-1", "POD_NAMESPACE": "default", "POD_UID": "u", "POOLOPERATOR_BUDGET": "b"}
	cases := map[string]string{
		"POD_UID":                         "",
		"POOLOPERATOR_MAX_OPEN_CONNS":     "lots",
		"POOLOPERATOR_MAX_IDLE_CONNS":     "-1",
		"POOLOPERATOR_FALLBACK_LIMIT":     "2.5",
		"POOLOPERATOR_STARTUP_GRANT_WAIT": "10",
	}
	for name, value := range cases {
		env := map[string]string{}
		for k, v := range base {
			env[k] = v
		}
		env[name] = value
		_, err := settingsFrom(func(k string) (string, bool) { v, ok := env[k]; return v, ok })
		if err == nil || !strings.Contains(err.Error(), name) {
			t.Errorf("%s=%q: error %v does not name the variable", name, value, err)
		}
	}
	s, err := settingsFrom(func(k string) (string, bool) { v, ok := base[k]; return v, ok })
	if err != nil || s.GrantName() != "w-1.b" || s.FallbackLimit != 0 || s.MaxOpenConns != 100 {
		t.Fatalf("defaults: %+v, %v", s, err)
	}
}

func TestWithApplicationName(t *testing.T) {
	cases := map[string]string{
		"host=db port=5432 application_name=old dbname=x": "host=db port=5432 dbname=x application_name=pod-1",
		"host=db password='a b\\'c'":                      "host=db password='a b\\'c' application_name=pod-1",
		"postgres://u@db/x?sslmode=disable":               "postgres://u@db/x?application_name=pod-1&sslmode=disable",
	}
	for dsn, want := range cases {
		got, err := WithApplicationName(dsn, "pod-1")
		if err != nil || got != want {
			t.Errorf("WithApplicationName(%q) = %q, %v; want %q", dsn, got, err, want)
		}
	}
	if _, err := WithApplicationName("host=db password='open", "p"); err == nil {
		t.Error("an unterminated quote was accepted")
	}
}
