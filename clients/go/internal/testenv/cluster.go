package testenv

import (
	"bufio"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"time"
)

// ErrNoLocalCluster says the dotnet build output of src/LocalCluster is missing (the only reason to skip).
var ErrNoLocalCluster = errors.New("the local cluster is not built: run `dotnet build src/LocalCluster` (CI builds the solution before go test)")

// Cluster is the repository's local Kubernetes API server, run as a child process.
type Cluster struct {
	Server     string // https://127.0.0.1:port
	Kubeconfig string
	cmd        *exec.Cmd
	dir        string
}

// RepositoryRoot walks up from the working directory to the folder holding PoolOperator.sln.
func RepositoryRoot() (string, error) {
	dir, err := os.Getwd()
	if err != nil {
		return "", err
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "PoolOperator.sln")); err == nil {
			return dir, nil
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", errors.New("PoolOperator.sln not found above the working directory")
		}
		dir = parent
	}
}

// localClusterDll finds the newest build of PoolOperator.LocalCluster.dll (Debug or Release).
func localClusterDll(root string) (string, error) {
	matches, _ := filepath.Glob(filepath.Join(root, "src/LocalCluster/bin/*/*/PoolOperator.LocalCluster.dll"))
	var newest string
	var newestTime time.Time
	for _, m := range matches {
		if info, err := os.Stat(m); err == nil && info.ModTime().After(newestTime) {
			newest, newestTime = m, info.ModTime()
		}
	}
	if newest == "" {
		return "", ErrNoLocalCluster
	}
	return newest, nil
}

// StartCluster starts the local cluster without its workload simulator, with the repository's CRDs.
func StartCluster() (*Cluster, error) {
	root, err := RepositoryRoot()
	if err != nil {
		return nil, err
	}
	dll, err := localClusterDll(root)
	if err != nil {
		return nil, err
	}
	dir, err := os.MkdirTemp("", "poolagent-cluster-")
	if err != nil {
		return nil, err
	}
	c := &Cluster{Kubeconfig: filepath.Join(dir, "kubeconfig"), dir: dir}
	c.cmd = exec.Command("dotnet", dll, "--port", "0", "--kubeconfig", c.Kubeconfig, "--crds", filepath.Join(root, "deploy/crds"), "--no-simulator")
	c.cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL} // never outlive the test binary
	stdout, err := c.cmd.StdoutPipe()
	if err != nil {
		return nil, err
	}
	c.cmd.Stderr = os.Stderr
	if err := c.cmd.Start(); err != nil {
		_ = os.RemoveAll(dir)
		return nil, err
	}
	lines := bufio.NewScanner(stdout)
	found := make(chan string, 1)
	go func() {
		for lines.Scan() {
			const prefix = "PoolOperator local cluster listening on "
			if line := lines.Text(); strings.HasPrefix(line, prefix) {
				found <- strings.TrimRight(strings.TrimSpace(line[len(prefix):]), "/")
			}
		}
		close(found)
	}()
	select {
	case server, ok := <-found:
		if !ok {
			c.Stop()
			return nil, fmt.Errorf("the local cluster exited before it listened")
		}
		c.Server = server
		return c, nil
	case <-time.After(90 * time.Second):
		c.Stop()
		return nil, fmt.Errorf("the local cluster did not listen within 90s")
	}
}

// KubeconfigFor writes a copy of the cluster's kubeconfig (its CA and admin token) whose server is server, e.g.
// a TCP proxy in front of the cluster: TLS passes through it, so the server keeps the cluster's scheme.
func (c *Cluster) KubeconfigFor(server string) (string, error) {
	original, err := os.ReadFile(c.Kubeconfig)
	if err != nil {
		return "", err
	}
	text := strings.Replace(string(original), c.Server, server, 1)
	path := filepath.Join(c.dir, fmt.Sprintf("kubeconfig-%d", time.Now().UnixNano()))
	return path, os.WriteFile(path, []byte(text), 0o600)
}

// HostPort is the cluster's address without its scheme.
func (c *Cluster) HostPort() string {
	return strings.TrimPrefix(strings.TrimPrefix(c.Server, "https://"), "http://")
}

// Stop kills the cluster process and deletes its directory.
func (c *Cluster) Stop() {
	if c.cmd != nil && c.cmd.Process != nil {
		_ = c.cmd.Process.Kill()
		_ = c.cmd.Wait()
	}
	_ = os.RemoveAll(c.dir)
}
