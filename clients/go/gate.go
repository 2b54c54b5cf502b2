package poolagent

import (
	"context"
	"errors"
	"sync"
)

// ErrStopped is returned by opens after the agent stopped (Close): a stopped pod holds nothing.
var ErrStopped = errors.New("poolagent: the agent stopped; no new database connections are opened")

// gate counts the physical connections a connector opened and not yet closed, and lets an open through only while
// that count is below the limit. It exists because database/sql cannot enforce 0: SetMaxOpenConns(0) means
// unlimited. With the gate, a limit of 0 really holds nothing: opens wait (honouring their context) until a grant
// above 0 arrives, and the agent measures what it holds from the gate, not from database/sql's own bookkeeping
// (db.Stats().OpenConnections also counts an open that is still waiting here).
type gate struct {
	mu      sync.Mutex
	limit   int
	open    int
	waiting int
	stopped bool
	changed chan struct{} // closed and replaced whenever limit, open or stopped change
}

func newGate() *gate { return &gate{changed: make(chan struct{})} }

// admit takes one slot, waiting while the gate is full; it fails when ctx ends or the gate stops.
func (g *gate) admit(ctx context.Context) error {
	g.mu.Lock()
	for {
		if g.stopped {
			g.mu.Unlock()
			return ErrStopped
		}
		if g.open < g.limit {
			g.open++
			g.mu.Unlock()
			return nil
		}
		changed := g.changed
		g.waiting++
		g.mu.Unlock()
		select {
		case <-changed:
		case <-ctx.Done():
			g.mu.Lock()
			g.waiting--
			g.mu.Unlock()
			return ctx.Err()
		}
		g.mu.Lock()
		g.waiting--
	}
}

// release gives back the slot of one connection that was closed (or whose open failed).
func (g *gate) release() {
	g.mu.Lock()
	defer g.mu.Unlock()
	g.open--
	g.signalLocked()
}

func (g *gate) setLimit(limit int) {
	g.mu.Lock()
	defer g.mu.Unlock()
	g.limit = limit
	g.signalLocked()
}

// stop fails every waiting and future open with ErrStopped; open connections keep their slots until closed.
func (g *gate) stop() {
	g.mu.Lock()
	defer g.mu.Unlock()
	g.stopped = true
	g.limit = 0
	g.signalLocked()
}

// counts returns the physical connections open (admitted and not closed) and the opens waiting.
func (g *gate) counts() (open, waiting int) {
	g.mu.Lock()
	defer g.mu.Unlock()
	return g.open, g.waiting
}

func (g *gate) signalLocked() {
	close(g.changed)
	g.changed = make(chan struct{})
}
