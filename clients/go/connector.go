package poolagent

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"errors"
	"sync"
	"time"
)

// gatedConnector opens the driver's connections through the gate and gives each slot back when database/sql
// closes the connection, so the gate counts physical connections exactly.
type gatedConnector struct {
	inner driver.Connector
	gate  *gate
}

func (c *gatedConnector) Connect(ctx context.Context) (driver.Conn, error) {
	if ctx.Value(wakeKey{}) != nil {
		return nil, errWake
	}
	if err := c.gate.admit(ctx); err != nil {
		return nil, err
	}
	conn, err := c.inner.Connect(ctx)
	if err != nil {
		c.gate.release()
		return nil, err
	}
	return &gatedConn{Conn: conn, gate: c.gate}, nil
}

func (c *gatedConnector) Driver() driver.Driver { return c.inner.Driver() }

// wakeKey marks the context of wakeQueued's open, which the connector fails at once.
type wakeKey struct{}

var errWake = errors.New("poolagent: wake-up open (never reaches the driver)")

// wakeQueued makes database/sql serve the requests queued under a lower limit after a raise. SetMaxOpenConns does
// not open connections for requests already waiting in its queue; it does so only when a connection closes or an
// open fails. So one open is made to fail at once (it never reaches the gate or the driver), and database/sql
// starts openers for its queue up to the new limit. Only tried while database/sql has room, so this open never
// waits in the queue itself.
func wakeQueued(db *sql.DB) {
	if stats := db.Stats(); stats.MaxOpenConnections > 0 && stats.OpenConnections >= stats.MaxOpenConnections {
		return
	}
	ctx, cancel := context.WithTimeout(context.WithValue(context.Background(), wakeKey{}, true), 250*time.Millisecond)
	defer cancel()
	if conn, err := db.Conn(ctx); err == nil {
		_ = conn.Close() // an idle connection was free: nobody was queued
	}
}

// dsnConnector turns a driver and a data source name into a Connector, for drivers that offer none.
type dsnConnector struct {
	driver driver.Driver
	dsn    string
}

func (c dsnConnector) Connect(_ context.Context) (driver.Conn, error) { return c.driver.Open(c.dsn) }
func (c dsnConnector) Driver() driver.Driver                          { return c.driver }

// DriverConnector makes a Connector of a driver and a DSN (what sql.Open does inside). With lib/pq prefer
// pq.NewConnector, with pgx stdlib.GetConnector; any driver works this way.
func DriverConnector(d driver.Driver, dsn string) driver.Connector {
	return dsnConnector{driver: d, dsn: dsn}
}

// gatedConn is the driver's connection with its slot. database/sql finds a driver's optional abilities by type
// assertion, so the wrapper offers all of them and passes each call on, answering driver.ErrSkip (database/sql's
// own "do it the other way") where the driver lacks one.
type gatedConn struct {
	driver.Conn
	gate   *gate
	closed sync.Once
}

func (c *gatedConn) Close() error {
	err := c.Conn.Close()
	c.closed.Do(c.gate.release)
	return err
}

func (c *gatedConn) BeginTx(ctx context.Context, opts driver.TxOptions) (driver.Tx, error) {
	if b, ok := c.Conn.(driver.ConnBeginTx); ok {
		return b.BeginTx(ctx, opts)
	}
	return c.Conn.Begin() //nolint:staticcheck // the driver has nothing newer
}

func (c *gatedConn) PrepareContext(ctx context.Context, query string) (driver.Stmt, error) {
	if p, ok := c.Conn.(driver.ConnPrepareContext); ok {
		return p.PrepareContext(ctx, query)
	}
	return c.Conn.Prepare(query)
}

func (c *gatedConn) QueryContext(ctx context.Context, query string, args []driver.NamedValue) (driver.Rows, error) {
	if q, ok := c.Conn.(driver.QueryerContext); ok {
		return q.QueryContext(ctx, query, args)
	}
	if q, ok := c.Conn.(driver.Queryer); ok { //nolint:staticcheck // older drivers
		values, err := plainValues(args)
		if err != nil {
			return nil, err
		}
		return q.Query(query, values)
	}
	return nil, driver.ErrSkip
}

func (c *gatedConn) ExecContext(ctx context.Context, query string, args []driver.NamedValue) (driver.Result, error) {
	if e, ok := c.Conn.(driver.ExecerContext); ok {
		return e.ExecContext(ctx, query, args)
	}
	if e, ok := c.Conn.(driver.Execer); ok { //nolint:staticcheck // older drivers
		values, err := plainValues(args)
		if err != nil {
			return nil, err
		}
		return e.Exec(query, values)
	}
	return nil, driver.ErrSkip
}

func (c *gatedConn) Ping(ctx context.Context) error {
	if p, ok := c.Conn.(driver.Pinger); ok {
		return p.Ping(ctx)
	}
	return nil
}

func (c *gatedConn) ResetSession(ctx context.Context) error {
	if r, ok := c.Conn.(driver.SessionResetter); ok {
		return r.ResetSession(ctx)
	}
	return nil
}

func (c *gatedConn) IsValid() bool {
	if v, ok := c.Conn.(driver.Validator); ok {
		return v.IsValid()
	}
	return true
}

func (c *gatedConn) CheckNamedValue(nv *driver.NamedValue) error {
	if n, ok := c.Conn.(driver.NamedValueChecker); ok {
		return n.CheckNamedValue(nv)
	}
	return driver.ErrSkip
}

func plainValues(args []driver.NamedValue) ([]driver.Value, error) {
	values := make([]driver.Value, len(args))
	for i, a := range args {
		if a.Name != "" {
			return nil, driver.ErrSkip
		}
		values[i] = a.Value
	}
	return values, nil
}

// Unwrap returns the driver's own connection (for sql.Conn.Raw users who need driver-specific calls).
func (c *gatedConn) Unwrap() driver.Conn { return c.Conn }
