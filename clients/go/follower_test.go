package poolagent

import "testing"

func grant(uid string, generation int64, limit int) Grant {
	return Grant{UID: uid, Generation: generation, PodUID: "pod", Limit: limit}
}

func TestFollowerRaisesAtOnceAndShrinksAfterMeasuring(t *testing.T) {
	f := NewFollower("pod", 10)
	if f.Limit() != 0 || f.Pending() != nil {
		t.Fatal("does not start closed")
	}
	f.Observe(grant("g", 1, 0))
	expect(t, f, Acknowledgement{PhaseWaiting, 0, 1})
	f.Observe(grant("g", 2, 5))
	expect(t, f, Acknowledgement{PhaseActive, 5, 2})
	f.Written(*f.Pending())
	f.Observe(grant("g", 3, 2))
	if f.Pending() != nil || !f.MeasurementNeeded() || f.Limit() != 2 {
		t.Fatal("a shrink was acknowledged before it was measured")
	}
	f.Measured(3)
	expect(t, f, Acknowledgement{PhaseActive, 3, 3}) // progressively: what could still be held, not the new limit
	f.Written(*f.Pending())
	f.Measured(3)
	if f.Pending() != nil {
		t.Fatal("acknowledged the same could-hold twice")
	}
	f.Observe(grant("g", 4, 4)) // a raise while the shrink is measured replaces it, still measured
	if f.Pending() != nil {
		t.Fatal("acknowledged a raise during an unmeasured shrink")
	}
	f.Measured(4)
	expect(t, f, Acknowledgement{PhaseActive, 4, 4})
}

func TestFollowerIgnoresOtherPodsAndCapsAtTheCeiling(t *testing.T) {
	f := NewFollower("pod", 3)
	if f.Observe(Grant{UID: "g", Generation: 1, PodUID: "other", Limit: 5}) || f.Limit() != 0 {
		t.Fatal("followed another pod's grant")
	}
	f.Observe(grant("g", 1, 50))
	expect(t, f, Acknowledgement{PhaseActive, 3, 1})
}

func TestFollowerAfterRestartNeverExceedsThePredecessor(t *testing.T) {
	f := NewFollower("pod", 10)
	g := grant("g", 7, 8)
	g.Acknowledged, g.Phase, g.AppliedLimit = true, PhaseActive, 4
	f.Observe(g)
	expect(t, f, Acknowledgement{PhaseActive, 4, 7})
}

func TestFollowerStopReleasesOnceMeasuredZero(t *testing.T) {
	f := NewFollower("pod", 10)
	f.Observe(grant("g", 1, 3))
	f.Stop()
	if f.Limit() != 0 || f.Pending() != nil {
		t.Fatal("stop did not close the gate or acknowledged before measuring")
	}
	f.Measured(1)
	f.Measured(0)
	expect(t, f, Acknowledgement{PhaseReleased, 0, 1})
	f.Observe(grant("g", 2, 5))
	expect(t, f, Acknowledgement{PhaseReleased, 0, 2})
}

func expect(t *testing.T, f *Follower, want Acknowledgement) {
	t.Helper()
	if got := f.Pending(); got == nil || *got != want {
		t.Fatalf("pending %+v, want %+v", got, want)
	}
}

func TestFollowerMarkedForDeletionReleasesOnceMeasuredZero(t *testing.T) {
	f := NewFollower("pod", 10)
	f.Observe(grant("g", 1, 3))
	f.Written(*f.Pending())
	marked := grant("g", 1, 3)
	marked.MarkedForDeletion = true
	if !f.Observe(marked) || f.Limit() != 0 || f.Pending() != nil {
		t.Fatal("a grant marked for deletion did not close the gate, or was acknowledged before measuring")
	}
	f.Measured(2)
	if f.Pending() != nil {
		t.Fatal("released while 2 connections could still be held")
	}
	f.Measured(0)
	expect(t, f, Acknowledgement{PhaseReleased, 0, 1})
	f.Written(*f.Pending())
	if f.Observe(marked) || f.Pending() != nil {
		t.Fatal("the same marked grant was taken twice")
	}
}
