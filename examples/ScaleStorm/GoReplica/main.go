// Command goreplica is one Go replica of the scale storm (examples/ScaleStorm, --agent go or mixed): a
// database/sql pool that follows its pod's grant through the Go agent (clients/go), and as many workers as
// STORM_WORKERS, each taking a connection, running STORM_QUERY and giving it back, as a busy Go service would.
//
// Environment: the agent's (POD_NAME, POD_NAMESPACE, POD_UID, POOLOPERATOR_BUDGET, KUBECONFIG,
// POOLOPERATOR_MAX_OPEN_CONNS, POOLOPERATOR_MAX_IDLE_CONNS), STORM_DSN (lib/pq key=value), STORM_WORKERS,
// STORM_QUERY, STORM_GRACE (how long in-flight work may take on stop, e.g. 5s).
//
// Standard output, read by the storm, one report a line:
//
//	connected MS                 the first connection, MS after the agent started
//	q DONE REFUSED FAILED LAT... every 100 ms: queries done, 53300 errors, other errors since the last line,
//	                             then each done query's latency in microseconds
//	error TEXT                   the first error other than 53300
//	stopped                      after a stop (stdin "stop" or closed): workers done, share released
package main

import (
	"bufio"
	"context"
	"database/sql"
	"errors"
	"fmt"
	"log"
	"os"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/lib/pq"

	poolagent "github.com/pooloperator/pooloperator/clients/go"
)

func main() {
	log.SetOutput(os.Stderr)
	if err := run(); err != nil {
		fmt.Fprintln(os.Stderr, "goreplica:", err)
		os.Exit(1)
	}
}

// counts are what the workers report, drained every 100 ms.
type counts struct {
	mu        sync.Mutex
	done      int
	refused   int
	failed    int
	latencies []int64
	firstErr  string
}

func run() error {
	started := time.Now()
	settings, err := poolagent.SettingsFromEnvironment()
	if err != nil {
		return err
	}
	workers, err := strconv.Atoi(os.Getenv("STORM_WORKERS"))
	if err != nil || workers < 1 {
		return fmt.Errorf("STORM_WORKERS: %q is not a positive number", os.Getenv("STORM_WORKERS"))
	}
	grace, err := time.ParseDuration(os.Getenv("STORM_GRACE"))
	if err != nil {
		return fmt.Errorf("STORM_GRACE: %w", err)
	}
	query := os.Getenv("STORM_QUERY")
	dsn, err := poolagent.WithApplicationName(os.Getenv("STORM_DSN"), settings.PodName)
	if err != nil {
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

	out := bufio.NewWriter(os.Stdout)
	var outMu sync.Mutex
	say := func(line string) {
		outMu.Lock()
		defer outMu.Unlock()
		fmt.Fprintln(out, line)
		out.Flush()
	}

	stop, stopWork := context.WithCancel(context.Background())
	c := &counts{}
	var first sync.Once
	var wg sync.WaitGroup
	for i := 0; i < workers; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			work(stop, db, query, c, func() {
				first.Do(func() { say(fmt.Sprintf("connected %d", time.Since(started).Milliseconds())) })
			})
		}()
	}

	reported := make(chan struct{})
	go func() {
		defer close(reported)
		ticker := time.NewTicker(100 * time.Millisecond)
		defer ticker.Stop()
		errorSaid := false
		for {
			select {
			case <-ticker.C:
			case <-stop.Done():
			}
			c.mu.Lock()
			line := report(c)
			firstErr := c.firstErr
			c.mu.Unlock()
			say(line)
			if firstErr != "" && !errorSaid {
				say("error " + strings.ReplaceAll(firstErr, "\n", " "))
				errorSaid = true
			}
			if stop.Err() != nil {
				return
			}
		}
	}()

	// Any line or the end of standard input is the stop (the storm's SIGTERM).
	bufio.NewReader(os.Stdin).ReadString('\n')
	stopWork()
	finished := make(chan struct{})
	go func() { wg.Wait(); close(finished) }()
	select {
	case <-finished:
	case <-time.After(grace):
		log.Printf("workers still busy %s after the stop", grace)
	}
	<-reported
	ctx, cancel := context.WithTimeout(context.Background(), grace)
	defer cancel()
	if err := agent.Close(ctx); err != nil {
		log.Printf("agent close: %v", err)
	}
	say("stopped")
	return nil
}

func report(c *counts) string {
	var b strings.Builder
	fmt.Fprintf(&b, "q %d %d %d", c.done, c.refused, c.failed)
	for _, l := range c.latencies {
		b.WriteByte(' ')
		b.WriteString(strconv.FormatInt(l, 10))
	}
	c.done, c.refused, c.failed, c.latencies = 0, 0, 0, c.latencies[:0]
	return b.String()
}

// work runs queries until stop: only the wait for a connection is cancelled, a query in flight runs to its end.
func work(stop context.Context, db *sql.DB, query string, c *counts, connected func()) {
	for stop.Err() == nil {
		began := time.Now()
		conn, err := db.Conn(stop)
		if err == nil {
			connected()
			_, err = conn.ExecContext(context.Background(), query)
			conn.Close()
		}
		c.mu.Lock()
		var pqErr *pq.Error
		switch {
		case err == nil:
			c.done++
			c.latencies = append(c.latencies, time.Since(began).Microseconds())
		case stop.Err() != nil:
			c.mu.Unlock()
			return
		case errors.As(err, &pqErr) && pqErr.Code == "53300":
			c.refused++
		default:
			c.failed++
			if c.firstErr == "" {
				c.firstErr = err.Error()
			}
		}
		c.mu.Unlock()
		if err != nil {
			time.Sleep(20 * time.Millisecond)
		}
	}
}
