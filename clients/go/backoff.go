package poolagent

import (
	"context"
	"time"
)

// backoff doubles a wait from initial up to max; reset starts over.
type backoff struct {
	initial, max, next time.Duration
}

func newBackoff(initial, max time.Duration) *backoff {
	return &backoff{initial: initial, max: max, next: initial}
}

func (b *backoff) reset() { b.next = b.initial }

// wait sleeps the next interval or until ctx ends.
func (b *backoff) wait(ctx context.Context) {
	t := time.NewTimer(b.next)
	defer t.Stop()
	select {
	case <-t.C:
	case <-ctx.Done():
	}
	if b.next *= 2; b.next > b.max {
		b.next = b.max
	}
}
