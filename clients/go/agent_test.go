package poolagent_test

import (
	"context"
	"database/sql"
	"fmt"
	"os"
	"runtime"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/lib/pq"

	poolagent "github.com/pooloperator/pooloperator/clients/go"
	"github.com/pooloperator/pooloperator/clients/go/internal/testenv"
)

// The tests run against a real PostgreSQL server and the repository's local cluster, both started here.
var (
	pg       *testenv.Postgres
	cluster  *testenv.Cluster
	admin    *sql.DB
	operator *testenv.Operator
	skipWhy  string
)

const budget = "orders-db"

func TestMain(m *testing.M) {
	os.Exit(run(m))
}

func run(m *testing.M) int {
	var err error
	if pg, err = testenv.StartPostgres(); err != nil {
		fmt.Fprintln(os.Stderr, "poolagent tests:", err)
		return 1
	}
	defer pg.Stop()
	cluster, err = testenv.StartCluster()
	switch {
	case err == testenv.ErrNoLocalCluster:
		skipWhy = err.Error()
	case err != nil:
		fmt.Fprintln(os.Stderr, "poolagent tests:", err)
		return 1
	default:
		defer cluster.Stop()
		operator = &testenv.Operator{Server: cluster.Server, Namespace: "default", Kubeconfig: cluster.Kubeconfig}
	}
	if admin, err = sql.Open("postgres", pg.DSN()+" application_name=poolagent-tests"); err != nil {
		fmt.Fprintln(os.Stderr, "poolagent tests:", err)
		return 1
	}
	defer admin.Close()
	return m.Run()
}

var pods atomic.Int64

// pod is one simulated pod: its agent, its pool and its grant's name.
type pod struct {
	t     *testing.T
	name  string
	uid   string
	grant string
	db    *sql.DB
	agent *poolagent.Agent
	held  []*sql.Conn
}

// startPod starts an agent for a fresh pod name; kubeconfig "" uses the cluster directly.
func startPod(t *testing.T, kubeconfig string) *pod {
	t.Helper()
	if skipWhy != "" {
		t.Skip(skipWhy)
	}
	n := pods.Add(1)
	p := &pod{t: t, name: fmt.Sprintf("worker-%d", n), uid: fmt.Sprintf("uid-%d-%d", n, time.Now().UnixNano())}
	p.grant = p.name + "." + budget
	if kubeconfig == "" {
		kubeconfig = cluster.Kubeconfig
	}
	settings := poolagent.Settings{
		PodName: p.name, PodNamespace: "default", PodUID: p.uid, Budget: budget,
		MaxOpenConns: 10, MaxIdleConns: 2, StartupGrantWait: time.Minute, MeasureInterval: 20 * time.Millisecond,
		BackoffInitial: 50 * time.Millisecond, BackoffMax: 200 * time.Millisecond, Kubeconfig: kubeconfig,
	}
	dsn, err := poolagent.WithApplicationName(pg.DSN(), p.name)
	must(t, err)
	connector, err := pq.NewConnector(dsn)
	must(t, err)
	p.db, p.agent, err = poolagent.Open(connector, settings, poolagent.Options{Logf: t.Logf})
	must(t, err)
	t.Cleanup(func() {
		p.releaseAll()
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		_ = p.agent.Close(ctx)
	})
	return p
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

// hold opens n connections and keeps them busy; it fails the test when they do not open.
func (p *pod) hold(n int) {
	p.t.Helper()
	for i := 0; i < n; i++ {
		ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
		c, err := p.db.Conn(ctx)
		if err == nil {
			err = c.PingContext(ctx)
		}
		cancel()
		must(p.t, err)
		p.held = append(p.held, c)
	}
}

// cannotOpen checks that one more connection does not open within a short wait.
func (p *pod) cannotOpen() {
	p.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 300*time.Millisecond)
	defer cancel()
	c, err := p.db.Conn(ctx)
	if err == nil {
		err = c.PingContext(ctx)
		_ = c.Close()
	}
	if err == nil {
		p.t.Fatalf("%s opened a connection above its limit %d", p.name, p.agent.Limit())
	}
}

func (p *pod) release(n int) {
	for ; n > 0 && len(p.held) > 0; n-- {
		_ = p.held[len(p.held)-1].Close()
		p.held = p.held[:len(p.held)-1]
	}
}

func (p *pod) releaseAll() { p.release(len(p.held)) }

func (p *pod) backends() int {
	p.t.Helper()
	n, err := pg.Backends(admin, p.name)
	must(p.t, err)
	return n
}

// acknowledged waits for the grant's status to answer its current generation with phase and limit.
func (p *pod) acknowledged(phase string, limit int) testenv.GrantObject {
	p.t.Helper()
	var g testenv.GrantObject
	if !testenv.Eventually(30*time.Second, func() bool {
		var err error
		g, err = operator.Get(p.grant)
		return err == nil && g.Acknowledged(phase, limit)
	}) {
		p.t.Fatalf("%s never acknowledged {%s, %d} for generation %d; status is %+v", p.grant, phase, limit, g.Metadata.Generation, g.Status)
	}
	return g
}

func (p *pod) create(limit int) {
	p.t.Helper()
	_, err := operator.CreateGrant(p.name, budget, p.uid, limit)
	must(p.t, err)
}

func (p *pod) setLimit(limit, hold int) {
	p.t.Helper()
	_, err := operator.SetLimit(p.grant, limit, hold)
	must(p.t, err)
}

func TestStartsClosedAndSaysItIsUp(t *testing.T) {
	p := startPod(t, "")
	p.cannotOpen()
	p.create(0)
	p.acknowledged(poolagent.PhaseWaiting, 0)
	p.cannotOpen()
	if p.backends() != 0 || p.agent.Ready() {
		t.Fatalf("at limit 0: %d backends, ready %v", p.backends(), p.agent.Ready())
	}
}

func TestRaiseIsAcknowledgedAtOnceAndEnforced(t *testing.T) {
	p := startPod(t, "")
	p.create(0)
	p.acknowledged(poolagent.PhaseWaiting, 0)
	p.setLimit(3, 3)
	p.acknowledged(poolagent.PhaseActive, 3)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	must(t, p.agent.WaitReady(ctx))
	p.hold(3)
	p.cannotOpen()
	if n := p.backends(); n != 3 {
		t.Fatalf("%d backends for a limit of 3 held busy", n)
	}
}

func TestShrinkUnderLoadAcknowledgesOnlyAfterTheSurplusClosed(t *testing.T) {
	p := startPod(t, "")
	p.create(4)
	p.acknowledged(poolagent.PhaseActive, 4)
	p.hold(4)
	p.setLimit(2, 4)

	// Four connections stay busy: the agent must not claim the shrink while it could still hold them.
	for i := 0; i < 5; i++ {
		g, err := operator.Get(p.grant)
		must(t, err)
		if g.Acknowledged(poolagent.PhaseActive, 2) {
			t.Fatalf("acknowledged the shrink to 2 with %d backends open", p.backends())
		}
		time.Sleep(100 * time.Millisecond)
	}
	if n := p.backends(); n != 4 {
		t.Fatalf("busy connections were taken back: %d backends", n)
	}

	p.releaseAll() // the work finishes: the surplus closes as it comes back
	p.acknowledged(poolagent.PhaseActive, 2)
	if n := p.backends(); n > 2 {
		t.Fatalf("acknowledged 2 with %d backends", n)
	}
	p.hold(2)
	p.cannotOpen()
}

func TestApiOutageKeepsTheLimit(t *testing.T) {
	if skipWhy != "" {
		t.Skip(skipWhy)
	}
	proxy, err := testenv.StartProxy(cluster.HostPort())
	must(t, err)
	defer proxy.Stop()
	kubeconfig, err := cluster.KubeconfigFor("https://" + proxy.Address)
	must(t, err)
	p := startPod(t, kubeconfig)
	p.create(3)
	p.acknowledged(poolagent.PhaseActive, 3)

	proxy.Cut()
	p.hold(3) // the last limit stays while the API is gone
	p.cannotOpen()
	p.setLimit(1, 3) // issued while the agent cannot see it
	p.releaseAll()

	proxy.Restore()
	p.acknowledged(poolagent.PhaseActive, 1)
	p.hold(1)
	p.cannotOpen()
}

func TestGrantOfAnotherPodIsIgnored(t *testing.T) {
	p := startPod(t, "")
	_, err := operator.CreateGrant(p.name, budget, "uid-of-a-previous-pod", 5)
	must(t, err)
	p.cannotOpen()
	g, err := operator.Get(p.grant)
	must(t, err)
	if g.Status.Phase != "" || g.Status.ObservedGeneration != nil {
		t.Fatalf("the agent wrote the status of another pod's grant: %+v", g.Status)
	}
	if p.backends() != 0 {
		t.Fatalf("%d backends under another pod's grant", p.backends())
	}
}

func TestDeletedGrantClosesEverything(t *testing.T) {
	p := startPod(t, "")
	p.create(3)
	p.acknowledged(poolagent.PhaseActive, 3)
	p.hold(2)
	p.release(2) // two idle connections stay in the pool (MaxIdleConns 2)
	must(t, operator.Delete(p.grant))
	if !testenv.Eventually(30*time.Second, func() bool { return p.backends() == 0 }) {
		t.Fatalf("%d backends after the grant was deleted", p.backends())
	}
	p.cannotOpen()
}

func TestShutdownAcknowledgesZero(t *testing.T) {
	p := startPod(t, "")
	p.create(3)
	p.acknowledged(poolagent.PhaseActive, 3)
	p.hold(3)
	done := make(chan error, 1)
	go func() {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		done <- p.agent.Close(ctx)
	}()
	time.Sleep(200 * time.Millisecond)
	p.releaseAll() // in-flight work finishes within the grace period
	must(t, <-done)
	g := p.acknowledged(poolagent.PhaseReleased, 0)
	if n := p.backends(); n != 0 {
		t.Fatalf("released with %d backends (generation %d)", n, g.Metadata.Generation)
	}
}

func TestCloseWithoutGrantEndsAtOnce(t *testing.T) {
	p := startPod(t, "")
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	must(t, p.agent.Close(ctx))
}

func TestCloseLeavesNoGoroutines(t *testing.T) {
	if skipWhy != "" {
		t.Skip(skipWhy)
	}
	before := agentGoroutines()
	p := startPod(t, "")
	p.create(2)
	p.acknowledged(poolagent.PhaseActive, 2)
	p.hold(2)
	p.releaseAll()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	must(t, p.agent.Close(ctx))
	if !testenv.Eventually(10*time.Second, func() bool { return len(agentGoroutines()) <= len(before) }) {
		t.Fatalf("goroutines of the agent left after Close:\n%s", strings.Join(agentGoroutines(), "\n\n"))
	}
	if err := p.db.Ping(); err == nil || !strings.Contains(err.Error(), "closed") {
		t.Fatalf("the pool is still open after Close (ping: %v)", err)
	}
}

// agentGoroutines returns the stacks of the goroutines that run the agent's code (those of the tests' own clients
// are left out: they are not the agent's to end).
func agentGoroutines() []string {
	buf := make([]byte, 1<<20)
	var found []string
	for _, stack := range strings.Split(string(buf[:runtime.Stack(buf, true)]), "\n\n") {
		if strings.Contains(stack, "pooloperator/clients/go.") || strings.Contains(stack, "pooloperator/clients/go/internal/kube.") {
			found = append(found, stack)
		}
	}
	return found
}

func TestOpensQueuedUnderALowerLimitGoThroughAfterARaise(t *testing.T) {
	p := startPod(t, "")
	p.create(1)
	p.acknowledged(poolagent.PhaseActive, 1)
	p.hold(1)
	opened := make(chan *sql.Conn, 2)
	for i := 0; i < 2; i++ {
		go func() {
			c, err := p.db.Conn(context.Background()) // queued by database/sql: the pool is full
			if err != nil {
				t.Error(err)
			}
			opened <- c
		}()
	}
	p.setLimit(3, 3)
	p.acknowledged(poolagent.PhaseActive, 3)
	for i := 0; i < 2; i++ {
		select {
		case c := <-opened:
			p.held = append(p.held, c)
		case <-time.After(30 * time.Second):
			t.Fatal("an open queued before the raise never went through, though the held connection stayed busy")
		}
	}
	if n := p.backends(); n != 3 {
		t.Fatalf("%d backends after the raise to 3", n)
	}
}
