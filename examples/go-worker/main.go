// Command orders-worker is an example Go service whose database/sql pool follows its pod's ConnectionGrant.
// It works through a queue table (SELECT ... FOR UPDATE SKIP LOCKED) with a few goroutines, serves /healthz and
// /readyz, and on SIGTERM stops taking jobs, lets the running ones finish and releases its share of the budget.
//
// Where you had
//
//	db, _ := sql.Open("postgres", dsn)
//	db.SetMaxOpenConns(25) // "30 each for 3 instances of a 100-connection server", tuned by hand
//
// the grant now sets the limit: it follows every replica count the HPA picks, and the sum never exceeds the budget.
package main

import (
	"context"
	"database/sql"
	"errors"
	"log"
	"net/http"
	"os"
	"os/signal"
	"strconv"
	"sync"
	"syscall"
	"time"

	"github.com/lib/pq"

	poolagent "github.com/pooloperator/pooloperator/clients/go"
)

func main() {
	if err := run(); err != nil {
		log.Fatal("orders-worker: ", err)
	}
}

func run() error {
	settings, err := poolagent.SettingsFromEnvironment() // POD_NAME, POD_NAMESPACE, POD_UID, POOLOPERATOR_BUDGET
	if err != nil {
		return err
	}
	// pg_stat_activity shows each connection's pod: the operator compares it with the grants.
	dsn, err := poolagent.WithApplicationName(os.Getenv("DATABASE_URL"), settings.PodName)
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
	db.SetConnMaxLifetime(time.Hour) // the agent owns MaxOpenConns and MaxIdleConns; the rest is yours

	workers := 8
	if v := os.Getenv("WORKERS"); v != "" {
		if workers, err = strconv.Atoi(v); err != nil || workers < 1 {
			return errors.New("WORKERS must be a whole number of at least 1")
		}
	}

	server := &http.Server{Addr: ":8080", Handler: routes(agent), ReadHeaderTimeout: 5 * time.Second}
	go func() {
		if err := server.ListenAndServe(); err != nil && !errors.Is(err, http.ErrServerClosed) {
			log.Print("orders-worker: http: ", err)
		}
	}()

	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM, os.Interrupt)
	defer stop()
	var wg sync.WaitGroup
	for i := 0; i < workers; i++ {
		wg.Add(1)
		go func() { defer wg.Done(); work(ctx, db) }()
	}
	<-ctx.Done()

	// Within terminationGracePeriodSeconds (30s): finish the running jobs, then release the pod's share at once
	// instead of when the pod object is gone.
	grace, cancel := context.WithTimeout(context.Background(), 25*time.Second)
	defer cancel()
	wg.Wait()
	_ = server.Shutdown(grace)
	return agent.Close(grace) // {Released, 0} once every connection is closed; then db is closed
}

func routes(agent *poolagent.Agent) http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("/healthz", func(w http.ResponseWriter, _ *http.Request) { w.WriteHeader(http.StatusOK) })
	// Not ready until a grant above 0 is applied: the pod gets no work it could not open a connection for.
	mux.HandleFunc("/readyz", func(w http.ResponseWriter, _ *http.Request) {
		if !agent.Ready() {
			http.Error(w, "waiting for a connection grant", http.StatusServiceUnavailable)
			return
		}
		_, _ = w.Write([]byte("ready, limit " + strconv.Itoa(agent.Limit()) + "\n"))
	})
	return mux
}

// work takes one job at a time until ctx ends. A job that cannot get a connection within its deadline is simply
// retried later: when the grant shrinks, fewer jobs run at once instead of the server refusing connections.
func work(ctx context.Context, db *sql.DB) {
	for ctx.Err() == nil {
		jobCtx, cancel := context.WithTimeout(context.Background(), 10*time.Second) // a running job is not cut by SIGTERM
		done, err := processOne(jobCtx, db)
		cancel()
		if err != nil && !errors.Is(err, context.DeadlineExceeded) {
			log.Print("orders-worker: job: ", err)
		}
		if !done {
			select {
			case <-ctx.Done():
			case <-time.After(time.Second):
			}
		}
	}
}

// processOne marks one pending order as shipped; false when there was nothing to do.
func processOne(ctx context.Context, db *sql.DB) (bool, error) {
	tx, err := db.BeginTx(ctx, nil)
	if err != nil {
		return false, err
	}
	defer func() { _ = tx.Rollback() }()
	var id int64
	err = tx.QueryRowContext(ctx, `SELECT id FROM orders WHERE state = 'pending' ORDER BY id LIMIT 1 FOR UPDATE SKIP LOCKED`).Scan(&id)
	if errors.Is(err, sql.ErrNoRows) {
		return false, nil
	}
	if err != nil {
		return false, err
	}
	if _, err := tx.ExecContext(ctx, `UPDATE orders SET state = 'shipped', shipped_at = now() WHERE id = $1`, id); err != nil {
		return false, err
	}
	return true, tx.Commit()
}
