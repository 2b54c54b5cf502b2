// Package testenv starts what the module's tests run against: a throwaway PostgreSQL server, the repository's
// local Kubernetes API server (src/LocalCluster) and a proxy in front of it that a test can cut.
package testenv

import (
	"database/sql"
	"fmt"
	"net"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"strconv"
	"strings"
	"time"
)

// Postgres is a PostgreSQL 15 server in a temporary directory on a free loopback port (trust authentication).
type Postgres struct {
	Port int
	dir  string
	bin  string
}

// StartPostgres runs initdb and pg_ctl start (as the postgres user when running as root).
func StartPostgres() (*Postgres, error) {
	bin := os.Getenv("POOLOPERATOR_PG_BIN")
	if bin == "" {
		matches, _ := filepath.Glob("/usr/lib/postgresql/*/bin/initdb")
		if len(matches) == 0 {
			return nil, fmt.Errorf("no PostgreSQL server binaries under /usr/lib/postgresql/*/bin: run scripts/prerequisites.sh")
		}
		bin = filepath.Dir(matches[len(matches)-1])
	}
	dir, err := os.MkdirTemp("", "poolagent-pg-")
	if err != nil {
		return nil, err
	}
	p := &Postgres{dir: dir, bin: bin}
	if err := p.handOver(); err != nil {
		p.Stop()
		return nil, err
	}
	if _, err := p.run("initdb", "-D", p.data(), "-U", "postgres", "--auth=trust", "--encoding=UTF8", "--locale=C", "--no-sync"); err != nil {
		p.Stop()
		return nil, err
	}
	for attempt := 1; ; attempt++ {
		p.Port = FreePort()
		opts := fmt.Sprintf("-c port=%d -c listen_addresses=127.0.0.1 -c unix_socket_directories=%s -c max_connections=60 -c fsync=off -c full_page_writes=off", p.Port, p.dir)
		_, err := p.run("pg_ctl", "start", "-D", p.data(), "-l", filepath.Join(p.dir, "log"), "-w", "-t", "60", "-o", opts)
		if err == nil {
			return p, nil
		}
		if attempt == 3 {
			log, _ := os.ReadFile(filepath.Join(p.dir, "log"))
			p.Stop()
			return nil, fmt.Errorf("PostgreSQL did not start: %w\n%s", err, log)
		}
	}
}

// DSN is a lib/pq key=value connection string to the postgres database.
func (p *Postgres) DSN() string {
	return fmt.Sprintf("host=127.0.0.1 port=%d user=postgres dbname=postgres sslmode=disable", p.Port)
}

// Backends counts the server's client backends whose application_name is name.
func (p *Postgres) Backends(admin *sql.DB, name string) (int, error) {
	var n int
	err := admin.QueryRow("SELECT count(*) FROM pg_stat_activity WHERE backend_type = 'client backend' AND application_name = $1", name).Scan(&n)
	return n, err
}

// Stop stops the server at once and deletes its directory.
func (p *Postgres) Stop() {
	if p.Port != 0 {
		_, _ = p.run("pg_ctl", "stop", "-D", p.data(), "-m", "immediate", "-w")
	}
	_ = os.RemoveAll(p.dir)
}

func (p *Postgres) data() string { return filepath.Join(p.dir, "data") }

// handOver gives the directory to the postgres user when running as root (initdb refuses to run as root).
func (p *Postgres) handOver() error {
	if os.Geteuid() != 0 {
		return nil
	}
	u, err := user.Lookup("postgres")
	if err != nil {
		return fmt.Errorf("running as root needs the postgres user: %w", err)
	}
	uid, _ := strconv.Atoi(u.Uid)
	gid, _ := strconv.Atoi(u.Gid)
	return os.Chown(p.dir, uid, gid)
}

func (p *Postgres) run(tool string, args ...string) (string, error) {
	path := filepath.Join(p.bin, tool)
	var cmd *exec.Cmd
	if os.Geteuid() == 0 {
		cmd = exec.Command("runuser", append([]string{"-u", "postgres", "--", path}, args...)...)
	} else {
		cmd = exec.Command(path, args...)
	}
	cmd.Env = append(os.Environ(), "LC_ALL=C", "LANG=C")
	out, err := cmd.CombinedOutput()
	if err != nil {
		return string(out), fmt.Errorf("%s %s: %w: %s", tool, strings.Join(args, " "), err, out)
	}
	return string(out), nil
}

// FreePort returns a loopback port that was free a moment ago.
func FreePort() int {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		panic(err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}

// Eventually polls check until it returns true or timeout passes (a bound for a loaded machine, not a timing
// assertion).
func Eventually(timeout time.Duration, check func() bool) bool {
	deadline := time.Now().Add(timeout)
	for {
		if check() {
			return true
		}
		if time.Now().After(deadline) {
			return false
		}
		time.Sleep(50 * time.Millisecond)
	}
}
