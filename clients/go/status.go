package poolagent

import (
	"context"
	"sync"
	"time"

	"github.com/pooloperator/pooloperator/clients/go/internal/kube"
)

// statusWriter writes the newest pending acknowledgement to the grant's status, retrying with back-off until it
// lands; a newer acknowledgement replaces one that is being retried, and none is dropped.
type statusWriter struct {
	agent   *Agent
	mu      sync.Mutex
	pending *Acknowledgement
	uid     string // the grant object the pending acknowledgement answers
	wake    chan struct{}
	// lastWaitCount is db.Stats().WaitCount at the previous write: "waiting" reports the waits since then.
	lastWaitCount int64
}

func newStatusWriter(a *Agent) *statusWriter {
	return &statusWriter{agent: a, wake: make(chan struct{}, 1)}
}

// set replaces what is to be written (nil: nothing) to the grant object uid.
func (w *statusWriter) set(ack *Acknowledgement, uid string) {
	w.mu.Lock()
	changed := (w.pending == nil) != (ack == nil) || (ack != nil && *w.pending != *ack) || uid != w.uid
	w.uid = uid
	if ack != nil {
		copied := *ack
		w.pending = &copied
	} else {
		w.pending = nil
	}
	w.mu.Unlock()
	if changed {
		select {
		case w.wake <- struct{}{}:
		default:
		}
	}
}

func (w *statusWriter) current() (*Acknowledgement, string) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.pending == nil {
		return nil, ""
	}
	copied := *w.pending
	return &copied, w.uid
}

func (w *statusWriter) run(ctx context.Context) {
	a := w.agent
	backoff := newBackoff(a.settings.BackoffInitial, a.settings.BackoffMax)
	for {
		select {
		case <-ctx.Done():
			return
		case <-w.wake:
		}
		for ack, uid := w.current(); ack != nil && ctx.Err() == nil; ack, uid = w.current() {
			if err := w.write(ctx, *ack, uid); err != nil {
				if ctx.Err() == nil {
					a.logf("poolagent: writing the status of %s/%s failed (retrying): %v", a.settings.PodNamespace, a.settings.GrantName(), err)
				}
				backoff.wait(ctx)
				continue
			}
			backoff.reset()
			select {
			case a.written <- *ack:
			case <-ctx.Done():
				return
			}
			if latest, _ := w.current(); latest != nil && *latest == *ack {
				break // the loop has not taken the Written yet; it will clear or replace this one
			}
		}
	}
}

func (w *statusWriter) write(ctx context.Context, ack Acknowledgement, uid string) error {
	a := w.agent
	stats := a.db.Stats()
	_, gateWaiting := a.gate.counts()
	waiting := int(stats.WaitCount-w.lastWaitCount) + gateWaiting
	inUse, idle := stats.InUse, stats.Idle
	applied, observed := ack.AppliedLimit, ack.ObservedGeneration
	status := kube.GrantStatus{
		Phase:              ack.Phase,
		AppliedLimit:       &applied,
		ObservedGeneration: &observed,
		InUse:              &inUse,
		Idle:               &idle,
		Waiting:            &waiting,
		UpdatedAt:          time.Now().UTC().Format(time.RFC3339),
	}
	writeCtx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	if err := a.grants.PatchStatus(writeCtx, a.settings.GrantName(), uid, status); err != nil {
		return err
	}
	w.lastWaitCount = stats.WaitCount
	return nil
}
