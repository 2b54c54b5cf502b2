package poolagent

// This file is a line-by-line port of src/Api/Protocol/GrantFollower.cs (protocol v2, docs/protocol.md): the
// decisions of one agent following its pod's grant, without I/O. Keep the two in step.

// Phases an agent writes to status.phase.
const (
	PhaseWaiting  = "Waiting"  // up, holds nothing, asks for a slot
	PhaseActive   = "Active"   // enforces appliedLimit
	PhaseReleased = "Released" // stopped
)

// Acknowledgement is a status an agent wants written to its grant: the answer to one generation.
type Acknowledgement struct {
	Phase              string
	AppliedLimit       int
	ObservedGeneration int64
}

// Grant is what the follower reads of a ConnectionGrant.
type Grant struct {
	UID        string // metadata.uid
	Generation int64  // metadata.generation
	PodUID     string // spec.podUID
	Limit      int    // spec.limit
	// Acknowledged is true when status.observedGeneration >= metadata.generation.
	Acknowledged bool
	Phase        string // status.phase
	AppliedLimit int    // status.appliedLimit (0 when never written)
	// MarkedForDeletion is true when metadata.deletionTimestamp is set (the operator's finalizer keeps the grant).
	MarkedForDeletion bool
}

// Follower holds the decisions of one agent: which limit the gate enforces now, when a measurement is needed and
// which acknowledgement to write. Not safe for concurrent use: the agent feeds it from one goroutine (the grant
// events, the measurement ticks, the stop request and the startup timer all arrive in one loop), so no decision
// races another.
//
// Acknowledgements are never lost: Pending always holds the newest one still to write; a writer that fails retries
// whatever is pending then, and a newer acknowledgement replaces an older one only when it answers a later
// generation.
type Follower struct {
	podUID            string
	ceiling           int
	grantUID          string
	generation        int64
	stopping          bool
	releasing         bool
	measurementNeeded bool
	drainAcknowledged int
	limit             int
	pending           *Acknowledgement
	hasApplied        bool
}

// NewFollower creates the follower of the pod podUID's grant; a limit above ceiling (the most the pool may open)
// is applied as the ceiling.
func NewFollower(podUID string, ceiling int) *Follower {
	if podUID == "" {
		panic("poolagent: NewFollower needs the pod UID")
	}
	if ceiling < 0 {
		panic("poolagent: NewFollower needs a ceiling of at least 0")
	}
	return &Follower{podUID: podUID, ceiling: ceiling}
}

// Limit is what the gate enforces now: opens beyond it wait. 0 until a grant arrives (fail closed).
func (f *Follower) Limit() int { return f.limit }

// Pending is the acknowledgement to write now, or nil when there is nothing to write.
func (f *Follower) Pending() *Acknowledgement { return f.pending }

// MeasurementNeeded is true while the gate was lowered and the agent must count what it could hold (gate
// admissions plus idle physical connections) and report it through Measured before it may acknowledge.
func (f *Follower) MeasurementNeeded() bool { return f.measurementNeeded }

// HasGrant is true while the agent follows a grant bound to its pod.
func (f *Follower) HasGrant() bool { return f.grantUID != "" }

// GrantUID is the metadata.uid of the grant followed ("" without one).
func (f *Follower) GrantUID() string { return f.grantUID }

// HasApplied is true once a grant with a limit above 0 has been applied (readiness waits for this).
func (f *Follower) HasApplied() bool { return f.hasApplied }

// Stopping is true once Stop was called: the limit stays 0 for good.
func (f *Follower) Stopping() bool { return f.stopping }

// Generation is the grant generation the current limit answers (0 without a grant).
func (f *Follower) Generation() int64 { return f.generation }

// Observe takes a grant event for this pod's grant name (ADDED or MODIFIED, or an item of a list). It returns true
// when the grant is bound to this pod and newer than what was seen, so it was taken.
func (f *Follower) Observe(grant Grant) bool {
	if grant.PodUID != f.podUID {
		return false
	}

	sameObject := grant.UID == f.grantUID
	if grant.MarkedForDeletion {
		return f.markedForDeletion(grant, sameObject)
	}
	if sameObject && grant.Generation <= f.generation {
		// A repeat (our own status write coming back) or a stale event: nothing new was issued.
		return false
	}

	f.grantUID = grant.UID
	f.generation = grant.Generation
	f.releasing = false
	issued := clamp(grant.Limit, 0, f.ceiling)
	if !sameObject && grant.Acknowledged {
		// A process of this pod before us acknowledged this generation (a container restart): never exceed what
		// it acknowledged, since the operator may have given the rest away; after a release, start from nothing.
		if grant.Phase == PhaseReleased {
			issued = 0
		} else {
			issued = min(issued, max(0, grant.AppliedLimit))
		}
	}

	if f.stopping {
		issued = 0
	}
	f.apply(issued)
	return true
}

// GrantDeleted: the grant this pod followed was deleted. Fail closed (hold nothing) until a new one is issued.
func (f *Follower) GrantDeleted() {
	f.grantUID = ""
	f.releasing = false
	f.generation = 0
	f.pending = nil

	// What was opened under the deleted grant must close before a new grant's limit can be acknowledged.
	f.measurementNeeded = true
	f.limit = 0
}

// Measured reports what the agent could hold right now (connections admitted by the gate plus idle physical
// connections), counted after the gate took Limit. It acknowledges the current generation once that fits.
//
// While a shrink drains, each measurement below the last one acknowledges the current generation with what could
// still be held ({Active, couldHold, g}, above the new limit): the operator then counts that instead of the old
// limit, so the connections that closed move to other pods at once. What could be held only falls while the gate
// admits nothing above its limit, so each such acknowledgement stays true.
func (f *Follower) Measured(couldHold int) {
	if couldHold < 0 {
		panic("poolagent: Measured needs a count of at least 0")
	}
	if !f.measurementNeeded {
		return
	}
	if couldHold > f.limit {
		if f.HasGrant() && !f.stopping && !f.releasing && couldHold < f.drainAcknowledged {
			f.drainAcknowledged = couldHold
			f.pending = &Acknowledgement{Phase: PhaseActive, AppliedLimit: couldHold, ObservedGeneration: f.generation}
		}
		return
	}

	f.measurementNeeded = false
	if f.HasGrant() {
		ack := f.acknowledgement()
		f.pending = &ack
	}
}

// Stop: the agent stops (SIGTERM, shutdown). Admit nothing more; acknowledge the release once measured 0.
func (f *Follower) Stop() {
	if f.stopping {
		return
	}

	f.stopping = true
	f.apply(0)
	f.measurementNeeded = true
	f.pending = nil
}

// StartupWaitElapsed: the wait for the first grant ran out. Apply fallbackLimit unless a grant came. A fallback
// above 0 is not counted by any budget: it must come from the budget's reserved headroom.
func (f *Follower) StartupWaitElapsed(fallbackLimit int) {
	if fallbackLimit < 0 {
		panic("poolagent: StartupWaitElapsed needs a fallback of at least 0")
	}
	if !f.HasGrant() && !f.stopping && fallbackLimit > f.limit {
		f.limit = min(fallbackLimit, f.ceiling)
	}
}

// Written: a status write succeeded. Forget it unless something newer is pending by now.
func (f *Follower) Written(ack Acknowledgement) {
	if f.pending != nil && *f.pending == ack {
		f.pending = nil
	}
}

// markedForDeletion: the grant is marked for deletion (its finalizer keeps it while the pod may hold connections).
// Hold nothing, and acknowledge the release once measured 0, so the operator can let it go. Once per grant object.
func (f *Follower) markedForDeletion(grant Grant, sameObject bool) bool {
	if sameObject && f.releasing {
		return false
	}

	if !sameObject {
		f.generation = 0
	}
	f.grantUID = grant.UID
	f.generation = max64(f.generation, grant.Generation)
	f.releasing = true
	f.apply(0)
	if !sameObject {
		// Connections of an earlier grant may still be open: measure before the release is acknowledged.
		f.measurementNeeded = true
		f.pending = nil
	}
	return true
}

func (f *Follower) apply(target int) {
	previous := f.limit
	f.limit = target
	f.hasApplied = f.hasApplied || target > 0
	if !f.measurementNeeded && target >= previous {
		// Nothing is held above the previous limit, which was within what was acknowledged: a raise holds at once.
		ack := f.acknowledgement()
		f.pending = &ack
		return
	}

	// A shrink (or a raise while an earlier shrink is still being measured): acknowledge only once it holds, or
	// progressively, what could still be held as it drains below what was held before.
	if !f.measurementNeeded {
		f.drainAcknowledged = previous
	}
	f.measurementNeeded = true
	f.pending = nil
}

func (f *Follower) acknowledgement() Acknowledgement {
	phase := PhaseActive
	switch {
	case f.stopping || f.releasing:
		phase = PhaseReleased
	case f.limit == 0:
		phase = PhaseWaiting
	}
	return Acknowledgement{Phase: phase, AppliedLimit: f.limit, ObservedGeneration: f.generation}
}

func clamp(v, lo, hi int) int { return max(lo, min(v, hi)) }

func min(a, b int) int {
	if a < b {
		return a
	}
	return b
}

func max64(a, b int64) int64 {
	if a > b {
		return a
	}
	return b
}

func max(a, b int) int {
	if a > b {
		return a
	}
	return b
}
