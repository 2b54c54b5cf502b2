package poolagent

import (
	"fmt"
	"os"
	"strconv"
	"time"
)

// Settings say which grant to follow and how. SettingsFromEnvironment reads them the way a pod gets them.
type Settings struct {
	PodName      string // POD_NAME (downward API metadata.name): the grant is "<PodName>.<Budget>"
	PodNamespace string // POD_NAMESPACE (downward API metadata.namespace): where the grant lives
	PodUID       string // POD_UID (downward API metadata.uid): grants bound to another pod are ignored
	Budget       string // POOLOPERATOR_BUDGET: the DatabaseBudget the pod's connections count against

	// MaxOpenConns is the ceiling (POOLOPERATOR_MAX_OPEN_CONNS, default 100): a larger grant is applied and
	// acknowledged as this.
	MaxOpenConns int
	// MaxIdleConns is the idle setting (POOLOPERATOR_MAX_IDLE_CONNS, default 2 like database/sql's):
	// SetMaxIdleConns(min(MaxIdleConns, limit)).
	MaxIdleConns int
	// StartupGrantWait (POOLOPERATOR_STARTUP_GRANT_WAIT, default 10s) is how long the agent waits for the first
	// grant before it applies FallbackLimit.
	StartupGrantWait time.Duration
	// FallbackLimit (POOLOPERATOR_FALLBACK_LIMIT, default 0: keep waiting) is applied when no grant arrived in
	// time. A fallback above 0 is counted by no budget: configure it only when the budget's reservedConnections
	// covers it for every pod that can start while the operator is down (docs/protocol.md, step 10).
	FallbackLimit int
	// MeasureInterval (POOLOPERATOR_MEASURE_INTERVAL, default 100ms) is how often a shrink counts what is held.
	MeasureInterval time.Duration
	// BackoffInitial and BackoffMax (POOLOPERATOR_BACKOFF_INITIAL, _MAX; 1s, 30s) pace re-watching and status
	// retries while the API cannot be reached.
	BackoffInitial, BackoffMax time.Duration
	// Kubeconfig (KUBECONFIG) is a kubeconfig file with a server and a token; empty means in-cluster (the service
	// account's token and CA).
	Kubeconfig string
}

// GrantName is the name of the pod's ConnectionGrant.
func (s Settings) GrantName() string { return s.PodName + "." + s.Budget }

// SettingsFromEnvironment reads Settings from the environment; an error names the variable that is missing or
// malformed.
func SettingsFromEnvironment() (Settings, error) {
	return settingsFrom(os.LookupEnv)
}

func settingsFrom(lookup func(string) (string, bool)) (Settings, error) {
	s := Settings{}
	r := envReader{lookup: lookup}
	s.PodName = r.required("POD_NAME")
	s.PodNamespace = r.required("POD_NAMESPACE")
	s.PodUID = r.required("POD_UID")
	s.Budget = r.required("POOLOPERATOR_BUDGET")
	s.MaxOpenConns = r.integer("POOLOPERATOR_MAX_OPEN_CONNS", 100, 1)
	s.MaxIdleConns = r.integer("POOLOPERATOR_MAX_IDLE_CONNS", 2, 0)
	s.FallbackLimit = r.integer("POOLOPERATOR_FALLBACK_LIMIT", 0, 0)
	s.StartupGrantWait = r.duration("POOLOPERATOR_STARTUP_GRANT_WAIT", 10*time.Second)
	s.MeasureInterval = r.duration("POOLOPERATOR_MEASURE_INTERVAL", 100*time.Millisecond)
	s.BackoffInitial = r.duration("POOLOPERATOR_BACKOFF_INITIAL", time.Second)
	s.BackoffMax = r.duration("POOLOPERATOR_BACKOFF_MAX", 30*time.Second)
	s.Kubeconfig, _ = lookup("KUBECONFIG")
	if r.err != nil {
		return Settings{}, r.err
	}
	return s, s.Validate()
}

// Validate checks the settings; the error names the setting.
func (s Settings) Validate() error {
	for _, f := range []struct{ name, value string }{
		{"POD_NAME", s.PodName}, {"POD_NAMESPACE", s.PodNamespace}, {"POD_UID", s.PodUID}, {"POOLOPERATOR_BUDGET", s.Budget},
	} {
		if f.value == "" {
			return fmt.Errorf("poolagent: %s is required (set it from the downward API or the chart)", f.name)
		}
	}
	switch {
	case s.MaxOpenConns < 1:
		return fmt.Errorf("poolagent: POOLOPERATOR_MAX_OPEN_CONNS must be at least 1 (was %d)", s.MaxOpenConns)
	case s.MaxIdleConns < 0:
		return fmt.Errorf("poolagent: POOLOPERATOR_MAX_IDLE_CONNS must be at least 0 (was %d)", s.MaxIdleConns)
	case s.FallbackLimit < 0:
		return fmt.Errorf("poolagent: POOLOPERATOR_FALLBACK_LIMIT must be at least 0 (was %d)", s.FallbackLimit)
	case s.StartupGrantWait <= 0 || s.MeasureInterval <= 0 || s.BackoffInitial <= 0 || s.BackoffMax < s.BackoffInitial:
		return fmt.Errorf("poolagent: POOLOPERATOR_STARTUP_GRANT_WAIT, _MEASURE_INTERVAL and _BACKOFF_INITIAL must be above 0 and _BACKOFF_MAX at least _BACKOFF_INITIAL")
	}
	return nil
}

type envReader struct {
	lookup func(string) (string, bool)
	err    error
}

func (r *envReader) required(name string) string {
	v, _ := r.lookup(name)
	if v == "" && r.err == nil {
		r.err = fmt.Errorf("poolagent: %s is required (set it from the downward API or the chart)", name)
	}
	return v
}

func (r *envReader) integer(name string, fallback, least int) int {
	v, ok := r.lookup(name)
	if !ok || v == "" {
		return fallback
	}
	n, err := strconv.Atoi(v)
	if (err != nil || n < least) && r.err == nil {
		r.err = fmt.Errorf("poolagent: %s must be a whole number of at least %d (was %q)", name, least, v)
	}
	return n
}

func (r *envReader) duration(name string, fallback time.Duration) time.Duration {
	v, ok := r.lookup(name)
	if !ok || v == "" {
		return fallback
	}
	d, err := time.ParseDuration(v)
	if (err != nil || d <= 0) && r.err == nil {
		r.err = fmt.Errorf("poolagent: %s must be a Go duration above 0 such as 10s or 250ms (was %q)", name, v)
	}
	return d
}
