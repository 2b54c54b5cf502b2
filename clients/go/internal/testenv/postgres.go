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
	"syscall"
	"time"
)

// Postgres is a PostgreSQL 15 server in a temporary directory on a free loopback port (trust authentication).
// The server is a child process that gets SIGKILL when the test binary dies (a panic or a test timeout skips the
// deferred Stop), so no run leaves a server behind.
type Postgres struct {
	Port   int
	dir    string
	bin    string
	server *exec.Cmd
}

// StartPostgres runs initdb (as the postgres user when running as root), then the server itself.
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
		err := p.startServer()
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

// startServer runs postgres on p.Port and waits until it accepts connections.
func (p *Postgres) startServer() error {
	log, err := os.OpenFile(filepath.Join(p.dir, "log"), os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		return err
	}
	defer log.Close()
	cmd := exec.Command(filepath.Join(p.bin, "postgres"), "-D", p.data(),
		"-c", fmt.Sprintf("port=%d", p.Port), "-c", "listen_addresses=127.0.0.1", "-c", "unix_socket_directories="+p.dir,
		"-c", "max_connections=60", "-c", "fsync=off", "-c", "full_page_writes=off")
	cmd.Stdout, cmd.Stderr = log, log
	cmd.Env = append(os.Environ(), "LC_ALL=C", "LANG=C")
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
	if os.Geteuid() == 0 {
		uid, gid, err := postgresUser()
		if err != nil {
			return err
		}
		cmd.SysProcAttr.Credential = &syscall.Credential{Uid: uid, Gid: gid}
	}
	if err := cmd.Start(); err != nil {
		return err
	}
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	deadline := time.Now().Add(60 * time.Second)
	for time.Now().Before(deadline) {
		select {
		case err := <-exited:
			return fmt.Errorf("postgres exited: %v", err)
		case <-time.After(100 * time.Millisecond):
		}
		if c, err := net.Dial("tcp", fmt.Sprintf("127.0.0.1:%d", p.Port)); err == nil {
			_ = c.Close()
			p.server = cmd
			go func() { <-exited }()
			return nil
		}
	}
	_ = cmd.Process.Kill()
	<-exited
	return fmt.Errorf("postgres did not listen on port %d within 60s", p.Port)
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

// Stop stops the server (fast shutdown, then a kill if it lingers) and deletes its directory.
func (p *Postgres) Stop() {
	if p.server != nil {
		_ = p.server.Process.Signal(syscall.SIGINT)
		for i := 0; i < 100 && p.server.Process.Signal(syscall.Signal(0)) == nil; i++ {
			time.Sleep(50 * time.Millisecond)
		}
		_ = p.server.Process.Kill()
	}
	_ = os.RemoveAll(p.dir)
}

func (p *Postgres) data() string { return filepath.Join(p.dir, "data") }

// handOver gives the directory to the postgres user when running as root (initdb refuses to run as root).
func (p *Postgres) handOver() error {
	if os.Geteuid() != 0 {
		return nil
	}
	uid, gid, err := postgresUser()
	if err != nil {
		return err
	}
	return os.Chown(p.dir, int(uid), int(gid))
}

func postgresUser() (uid, gid uint32, err error) {
	u, err := user.Lookup("postgres")
	if err != nil {
		return 0, 0, fmt.Errorf("running as root needs the postgres user: %w", err)
	}
	id, _ := strconv.Atoi(u.Uid)
	group, _ := strconv.Atoi(u.Gid)
	return uint32(id), uint32(group), nil
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
