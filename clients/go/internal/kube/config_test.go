package kube

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// kubectl writes keys in alphabetical order, list items at the indentation of their key, and quotes some values.
const kubectlStyle = `apiVersion: v1
clusters:
- cluster:
    insecure-skip-tls-verify: true
    server: "https://10.0.0.1:6443"   # the control plane
  name: prod
- cluster:
    server: http://127.0.0.1:8001
  name: local
contexts:
- context:
    cluster: local
    namespace: apps
    user: agent
  name: agent@local
current-context: agent@local
kind: Config
preferences: {}
users:
- name: agent
  user:
    tokenFile: token
- name: other
  user:
    token: 'not-this-one'
`

func TestKubeconfigCurrentContextServerAndTokenFile(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "config")
	if err := os.WriteFile(path, []byte(kubectlStyle), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "token"), []byte("s3cret\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	cfg, err := FromKubeconfig(path)
	if err != nil {
		t.Fatal(err)
	}
	token, err := cfg.Token()
	if cfg.Server != "http://127.0.0.1:8001" || token != "s3cret" || err != nil || cfg.TLSConfig.InsecureSkipVerify {
		t.Fatalf("server %q, token %q (%v), insecure %v", cfg.Server, token, err, cfg.TLSConfig.InsecureSkipVerify)
	}
}

func TestKubeconfigErrorsNameWhatIsMissing(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "config")
	broken := strings.Replace(kubectlStyle, "current-context: agent@local", "current-context: gone", 1)
	if err := os.WriteFile(path, []byte(broken), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := FromKubeconfig(path); err == nil || !strings.Contains(err.Error(), `"gone"`) {
		t.Fatalf("error %v does not name the missing context", err)
	}
	if _, err := FromKubeconfig(filepath.Join(dir, "absent")); err == nil || !strings.Contains(err.Error(), "KUBECONFIG") {
		t.Fatalf("error %v does not name KUBECONFIG", err)
	}
}
