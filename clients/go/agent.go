// Package poolagent makes a database/sql pool follow its pod's ConnectionGrant (PoolOperator protocol v2,
// docs/protocol.md): the operator divides a PostgreSQL server's connection budget among live pods, and the agent
// applies this pod's share at runtime, the way you would call db.SetMaxOpenConns by hand, and acknowledges it
// only once the pool holds no more.
//
//	settings, err := poolagent.SettingsFromEnvironment()        // POD_NAME, POD_NAMESPACE, POD_UID, POOLOPERATOR_BUDGET
//	dsn, err = poolagent.WithApplicationName(dsn, settings.PodName)
//	connector, err := pq.NewConnector(dsn)
//	db, agent, err := poolagent.Open(connector, settings, poolagent.Options{})
//	defer agent.Close(shutdownCtx)                               // acknowledges 0 (Released), then closes db
package poolagent

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"encoding/json"
	"errors"
	"log"
	"sync"
	"sync/atomic"
	"time"

	"github.com/pooloperator/pooloperator/clients/go/internal/kube"
)

// Options are what the environment does not say.
type Options struct {
	// Logf receives the agent's log lines; log.Printf when nil.
	Logf func(format string, args ...any)
}

// Agent follows one pod's grant for one *sql.DB. Its methods are safe for concurrent use.
type Agent struct {
	settings Settings
	db       *sql.DB
	gate     *gate
	grants   *kube.Grants
	logf     func(string, ...any)

	events  chan watchEvent
	written chan Acknowledgement
	stopReq chan struct{}
	stopped sync.Once
	// released is closed when the agent holds nothing and its release is written (or it had no grant to answer).
	released chan struct{}
	cancel   context.CancelFunc
	wg       sync.WaitGroup
	writer   *statusWriter

	ready   chan struct{} // closed once a grant above 0 was applied
	limit   atomic.Int64
	closeMu sync.Mutex
	closed  bool
}

// Open returns a *sql.DB over connector whose size follows the pod's grant, and the agent that follows it. The
// pool starts closed: opens wait (honouring their context) until a grant above 0 arrives, or the fallback
// after Settings.StartupGrantWait. Call Close to release the pod's share and close the pool.
//
// database/sql cannot enforce a limit of 0 (SetMaxOpenConns(0) means unlimited), so the connector is wrapped in a
// gate that counts physical connections and lets an open through only below the limit; SetMaxOpenConns and
// SetMaxIdleConns are kept at the same limit so that database/sql queues requests and closes the surplus itself.
func Open(connector driver.Connector, settings Settings, options Options) (*sql.DB, *Agent, error) {
	if err := settings.Validate(); err != nil {
		return nil, nil, err
	}
	config, err := kubeConfig(settings)
	if err != nil {
		return nil, nil, err
	}
	logf := options.Logf
	if logf == nil {
		logf = log.Printf
	}

	g := newGate()
	db := sql.OpenDB(&gatedConnector{inner: connector, gate: g})
	db.SetMaxOpenConns(1) // the gate holds the one open database/sql may try at limit 0
	db.SetMaxIdleConns(0)

	ctx, cancel := context.WithCancel(context.Background())
	a := &Agent{
		settings: settings,
		db:       db,
		gate:     g,
		grants:   kube.NewGrants(config, settings.PodNamespace),
		logf:     logf,
		events:   make(chan watchEvent),
		written:  make(chan Acknowledgement),
		stopReq:  make(chan struct{}),
		released: make(chan struct{}),
		cancel:   cancel,
		ready:    make(chan struct{}),
	}
	a.writer = newStatusWriter(a)
	a.wg.Add(3)
	go func() { defer a.wg.Done(); a.watch(ctx) }()
	go func() { defer a.wg.Done(); a.writer.run(ctx) }()
	go func() { defer a.wg.Done(); a.loop(ctx) }()
	return db, a, nil
}

func kubeConfig(s Settings) (kube.Config, error) {
	if s.Kubeconfig != "" {
		return kube.FromKubeconfig(s.Kubeconfig)
	}
	return kube.InCluster()
}

// Ready is true once a grant (or fallback) above 0 was applied and the agent is not stopping: use it as the
// readiness check, so that the pod gets traffic only when it can open connections.
func (a *Agent) Ready() bool {
	select {
	case <-a.ready:
	default:
		return false
	}
	select {
	case <-a.stopReq:
		return false
	default:
		return true
	}
}

// WaitReady waits until Ready or ctx ends.
func (a *Agent) WaitReady(ctx context.Context) error {
	select {
	case <-a.ready:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// Limit is the limit enforced now.
func (a *Agent) Limit() int { return int(a.limit.Load()) }

// Close stops the agent (SIGTERM): no new connection is opened (waiting and later opens fail with ErrStopped),
// in-flight work finishes and gives its connections back, every connection closes, and once none is open the
// agent writes {Released, 0} for the newest generation; then it closes the pool. It returns ctx's error when the
// connections did not close or the release could not be written before ctx ended: the operator then keeps
// counting the pod's share until the pod is gone. Every goroutine of the agent has ended when Close returns.
func (a *Agent) Close(ctx context.Context) error {
	a.closeMu.Lock()
	defer a.closeMu.Unlock()
	if a.closed {
		return nil
	}
	a.closed = true
	a.stopped.Do(func() { close(a.stopReq) })

	var err error
	select {
	case <-a.released:
	case <-ctx.Done():
		err = ctx.Err()
	}
	a.cancel()
	a.wg.Wait()
	a.grants.CloseIdle()
	if closeErr := a.db.Close(); err == nil {
		err = closeErr
	}
	return err
}

type watchEvent struct {
	kind   string // "list", kube event types ADDED/MODIFIED/DELETED
	grants []kube.Grant
}

// loop is the one goroutine that feeds the Follower, so no decision races another.
func (a *Agent) loop(ctx context.Context) {
	f := NewFollower(a.settings.PodUID, a.settings.MaxOpenConns)
	startup := time.NewTimer(a.settings.StartupGrantWait)
	defer startup.Stop()
	measure := time.NewTicker(a.settings.MeasureInterval)
	defer measure.Stop()
	stopReq := a.stopReq
	applied := -1
	readyClosed, releasedClosed := false, false

	for {
		if limit := f.Limit(); limit != applied {
			a.enforce(limit, f.Stopping())
			applied = limit
		}
		if f.MeasurementNeeded() {
			open, _ := a.gate.counts()
			f.Measured(open)
		}
		a.writer.set(f.Pending(), f.GrantUID())
		if f.HasApplied() && !readyClosed {
			close(a.ready)
			readyClosed = true
		}
		if f.Stopping() && !f.MeasurementNeeded() && f.Pending() == nil && !releasedClosed {
			close(a.released)
			releasedClosed = true
		}

		var measureC <-chan time.Time
		if f.MeasurementNeeded() {
			measureC = measure.C
		}
		select {
		case <-ctx.Done():
			return
		case e := <-a.events:
			a.handle(f, e)
		case <-measureC:
		case <-startup.C:
			if !f.HasGrant() {
				a.logf("poolagent: no grant %s/%s arrived within %s; applying the fallback limit %d",
					a.settings.PodNamespace, a.settings.GrantName(), a.settings.StartupGrantWait, a.settings.FallbackLimit)
			}
			f.StartupWaitElapsed(a.settings.FallbackLimit)
		case <-stopReq:
			stopReq = nil
			a.gate.stop()
			f.Stop()
		case ack := <-a.written:
			f.Written(ack)
		}
	}
}

// enforce sets the gate and database/sql to limit: the gate first, so that new opens wait before anything else.
func (a *Agent) enforce(limit int, stopping bool) {
	if !stopping {
		a.gate.setLimit(limit)
	}
	maxOpen := limit
	if maxOpen == 0 {
		maxOpen = 1 // never 0, which is unlimited: the gate keeps this one open waiting
	}
	a.db.SetMaxOpenConns(maxOpen)
	// SetMaxIdleConns closes idle connections above the new value at once; busy ones above MaxOpenConns are
	// closed by database/sql when they come back.
	a.db.SetMaxIdleConns(min(a.settings.MaxIdleConns, limit))
	previous := int(a.limit.Swap(int64(limit)))
	if limit > previous {
		wakeQueued(a.db)
	}
}

func (a *Agent) handle(f *Follower, e watchEvent) {
	switch e.kind {
	case "list":
		ours := false
		for _, g := range e.grants {
			if g.Spec.PodUID == a.settings.PodUID {
				ours = true
				a.observe(f, g)
			}
		}
		if !ours && f.HasGrant() {
			a.logf("poolagent: grant %s/%s is gone; holding nothing until a new one is issued", a.settings.PodNamespace, a.settings.GrantName())
			f.GrantDeleted()
		}
	case "ADDED", "MODIFIED":
		for _, g := range e.grants {
			a.observe(f, g)
		}
	case "DELETED":
		for _, g := range e.grants {
			if g.Metadata.UID != "" && g.Metadata.UID == f.GrantUID() {
				a.logf("poolagent: grant %s/%s was deleted; holding nothing until a new one is issued", a.settings.PodNamespace, a.settings.GrantName())
				f.GrantDeleted()
			}
		}
	}
}

func (a *Agent) observe(f *Follower, g kube.Grant) {
	grant := Grant{UID: g.Metadata.UID, Generation: g.Metadata.Generation, PodUID: g.Spec.PodUID, Limit: g.Spec.Limit, MarkedForDeletion: g.Metadata.DeletionTimestamp != nil}
	if s := g.Status; s != nil {
		grant.Acknowledged = s.ObservedGeneration != nil && *s.ObservedGeneration >= g.Metadata.Generation
		grant.Phase = s.Phase
		if s.AppliedLimit != nil {
			grant.AppliedLimit = *s.AppliedLimit
		}
	}
	taken := f.Observe(grant)
	if taken && grant.MarkedForDeletion {
		a.logf("poolagent: grant %s/%s is marked for deletion: closing every connection, then acknowledging the release", a.settings.PodNamespace, g.Metadata.Name)
	} else if taken {
		a.logf("poolagent: grant %s/%s generation %d: limit %d (enforcing %d)", a.settings.PodNamespace, g.Metadata.Name, g.Metadata.Generation, g.Spec.Limit, f.Limit())
	} else if g.Spec.PodUID != a.settings.PodUID {
		a.logf("poolagent: ignoring grant %s/%s bound to another pod (uid %s)", a.settings.PodNamespace, g.Metadata.Name, g.Spec.PodUID)
	}
}

// watch lists and watches the pod's one grant, with back-off while the API cannot be reached. A fresh list after
// every watch end is cheap for one object and heals a lost resourceVersion; a missing grant in a list is a delete.
func (a *Agent) watch(ctx context.Context) {
	name := a.settings.GrantName()
	backoff := newBackoff(a.settings.BackoffInitial, a.settings.BackoffMax)
	for ctx.Err() == nil {
		items, resourceVersion, err := a.grants.List(ctx, name)
		if err != nil {
			if ctx.Err() == nil {
				a.logf("poolagent: listing grant %s/%s failed (keeping the limit): %v", a.settings.PodNamespace, name, err)
			}
			backoff.wait(ctx)
			continue
		}
		if !a.send(ctx, watchEvent{kind: "list", grants: items}) {
			return
		}
		err = a.grants.Watch(ctx, name, resourceVersion, func(e kube.Event) {
			var g kube.Grant
			if e.Type == "BOOKMARK" || json.Unmarshal(e.Object, &g) != nil {
				return
			}
			a.send(ctx, watchEvent{kind: e.Type, grants: []kube.Grant{g}})
		})
		switch {
		case ctx.Err() != nil:
			return
		case err == nil || errors.Is(err, kube.ErrGone):
			backoff.reset()
		default:
			a.logf("poolagent: watching grant %s/%s failed (keeping the limit): %v", a.settings.PodNamespace, name, err)
			backoff.wait(ctx)
		}
	}
}

func (a *Agent) send(ctx context.Context, e watchEvent) bool {
	select {
	case a.events <- e:
		return true
	case <-ctx.Done():
		return false
	}
}
