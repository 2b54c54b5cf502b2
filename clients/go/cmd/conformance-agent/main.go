// Command conformance-agent is the Go agent as the conformance suite (tests/PoolOperator.Conformance.Tests)
// drives it: it opens a database/sql pool that follows the pod's grant and holds connections on command.
//
// Environment: the agent's own (POD_NAME, POD_NAMESPACE, POD_UID, POOLOPERATOR_BUDGET, KUBECONFIG,
// POOLOPERATOR_MAX_OPEN_CONNS, ...) and the database's (CONFORMANCE_PG_HOST, _PORT, _USER, _DATABASE).
// Commands on stdin, one a line, each answered by one line on stdout (logs go to stderr); see
// docs/protocol.md, "Conformance suite":
//
//	hold N     open N connections in the background and keep each busy until released   -> ok
//	release N  give back the N connections held longest                                   -> ok
//	held       how many connections are open and held now                                 -> held N
//	stop       stop as on SIGTERM (held connections still finish when released)           -> ok, later: stopped
package main

import (
	"bufio"
	"context"
	"database/sql"
	"fmt"
	"log"
	"os"
	"os/signal"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/lib/pq"

	poolagent "github.com/pooloperator/pooloperator/clients/go"
)

func main() {
	log.SetOutput(os.Stderr)
	if err := run(); err != nil {
		fmt.Fprintln(os.Stderr, "conformance-agent:", err)
		os.Exit(1)
	}
}

func run() error {
	settings, err := poolagent.SettingsFromEnvironment()
	if err != nil {
		return err
	}
	dsn := fmt.Sprintf("host=%s port=%s user=%s dbname=%s sslmode=disable",
		os.Getenv("CONFORMANCE_PG_HOST"), os.Getenv("CONFORMANCE_PG_PORT"), os.Getenv("CONFORMANCE_PG_USER"), os.Getenv("CONFORMANCE_PG_DATABASE"))
	if dsn, err = poolagent.WithApplicationName(dsn, settings.PodName); err != nil {
		return err
	}
	connector, err := pq.NewConnector(dsn)
	if err != nil {
		return err
	}
	db, agent, err := poolagent.Open(connector, settings, poolagent.Options{})
	if err != nil {
		return err
	}
	h := &holder{db: db}
	out := &replies{w: bufio.NewWriter(os.Stdout)}
	stopped := make(chan error, 1)
	var stopOnce sync.Once
	stop := func() {
		stopOnce.Do(func() {
			go func() {
				ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
				defer cancel()
				stopped <- agent.Close(ctx)
			}()
		})
	}
	signals := make(chan os.Signal, 1)
	signal.Notify(signals, syscall.SIGTERM, os.Interrupt)
	go func() { <-signals; stop() }()

	commands := make(chan string)
	go func() {
		scanner := bufio.NewScanner(os.Stdin)
		for scanner.Scan() {
			commands <- scanner.Text()
		}
		close(commands)
	}()
	out.say("ready")
	for {
		select {
		case err := <-stopped:
			h.releaseAll()
			if err != nil {
				out.say("stopped " + err.Error())
				return err
			}
			out.say("stopped")
			return nil
		case line, ok := <-commands:
			if !ok {
				commands = nil
				stop() // stdin closed: the suite is gone
				continue
			}
			out.say(h.command(line, stop))
		}
	}
}

type replies struct {
	mu sync.Mutex
	w  *bufio.Writer
}

func (r *replies) say(line string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	fmt.Fprintln(r.w, line)
	_ = r.w.Flush()
}

// holder keeps connections busy: each is a sql.Conn that ran a query and is not returned until released.
type holder struct {
	db    *sql.DB
	mu    sync.Mutex
	held  []chan struct{} // one per hold request, oldest first; closed to release
	ready int             // holds whose connection is open
}

func (h *holder) command(line string, stop func()) string {
	fields := strings.Fields(line)
	if len(fields) == 0 {
		return "error empty command"
	}
	n := 0
	if len(fields) > 1 {
		var err error
		if n, err = strconv.Atoi(fields[1]); err != nil || n < 0 {
			return "error " + fields[0] + " needs a count"
		}
	}
	switch fields[0] {
	case "hold":
		for i := 0; i < n; i++ {
			h.hold()
		}
		return "ok"
	case "release":
		h.release(n)
		return "ok"
	case "held":
		h.mu.Lock()
		defer h.mu.Unlock()
		return "held " + strconv.Itoa(h.ready)
	case "stop":
		stop()
		return "ok"
	}
	return "error unknown command " + fields[0]
}

// hold opens one connection in the background (waiting at the gate as long as it takes) and keeps it busy.
func (h *holder) hold() {
	release := make(chan struct{})
	h.mu.Lock()
	h.held = append(h.held, release)
	h.mu.Unlock()
	go func() {
		ctx, cancel := context.WithCancel(context.Background())
		defer cancel()
		go func() { <-release; cancel() }() // a release before the open completes abandons the wait
		conn, err := h.db.Conn(ctx)
		if err == nil {
			err = conn.PingContext(ctx)
		}
		if err != nil {
			if ctx.Err() == nil {
				log.Printf("hold: %v", err)
			}
			return
		}
		h.mu.Lock()
		h.ready++
		h.mu.Unlock()
		<-release
		_ = conn.Close()
		h.mu.Lock()
		h.ready--
		h.mu.Unlock()
	}()
}

func (h *holder) release(n int) {
	h.mu.Lock()
	defer h.mu.Unlock()
	for ; n > 0 && len(h.held) > 0; n-- {
		close(h.held[0])
		h.held = h.held[1:]
	}
}

func (h *holder) releaseAll() {
	h.mu.Lock()
	n := len(h.held)
	h.mu.Unlock()
	h.release(n)
}
