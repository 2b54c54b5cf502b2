// Package kube is the little of the Kubernetes API the agent needs, over net/http and encoding/json: where the
// API server is and how to authenticate (a kubeconfig's server and token, or the pod's service account), list
// and watch one ConnectionGrant, and patch its status.
package kube

import (
	"crypto/tls"
	"crypto/x509"
	"encoding/base64"
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"time"
)

const serviceAccountDir = "/var/run/secrets/kubernetes.io/serviceaccount"

// Config says where the API server is and how to authenticate to it.
type Config struct {
	Server string // https://host:port or http://host:port
	// Token returns the bearer token; read per request so that a rotated service-account token is picked up.
	Token     func() (string, error)
	TLSConfig *tls.Config
}

// HTTPClient returns a client for the API server. It has no overall timeout (watches stream); callers bound each
// request with its context.
func (c Config) HTTPClient() *http.Client {
	transport := &http.Transport{
		Proxy:               http.ProxyFromEnvironment,
		DialContext:         (&net.Dialer{Timeout: 10 * time.Second, KeepAlive: 30 * time.Second}).DialContext,
		TLSClientConfig:     c.TLSConfig,
		TLSHandshakeTimeout: 10 * time.Second,
		IdleConnTimeout:     90 * time.Second,
	}
	return &http.Client{Transport: transport}
}

// InCluster reads the pod's service account: KUBERNETES_SERVICE_HOST/PORT, its token and its CA.
func InCluster() (Config, error) {
	host, port := os.Getenv("KUBERNETES_SERVICE_HOST"), os.Getenv("KUBERNETES_SERVICE_PORT")
	if host == "" || port == "" {
		return Config{}, errors.New("poolagent: not running in a cluster (KUBERNETES_SERVICE_HOST is unset) and KUBECONFIG is not set")
	}
	ca, err := os.ReadFile(filepath.Join(serviceAccountDir, "ca.crt"))
	if err != nil {
		return Config{}, fmt.Errorf("poolagent: the service account's CA cannot be read: %w", err)
	}
	pool := x509.NewCertPool()
	if !pool.AppendCertsFromPEM(ca) {
		return Config{}, errors.New("poolagent: the service account's ca.crt holds no certificate")
	}
	return Config{
		Server:    "https://" + net.JoinHostPort(host, port),
		Token:     tokenFile(filepath.Join(serviceAccountDir, "token")),
		TLSConfig: &tls.Config{RootCAs: pool, MinVersion: tls.VersionTLS12},
	}, nil
}

// FromKubeconfig reads the current context of a kubeconfig file: the cluster's server and CA, the user's token
// (or tokenFile, or client certificate). Exec and auth-provider plugins are not supported.
func FromKubeconfig(path string) (Config, error) {
	text, err := os.ReadFile(path)
	if err != nil {
		return Config{}, fmt.Errorf("poolagent: KUBECONFIG %s cannot be read: %w", path, err)
	}
	doc, err := parseYAML(string(text))
	if err != nil {
		return Config{}, fmt.Errorf("poolagent: KUBECONFIG %s: %w", path, err)
	}
	current := str(doc["current-context"])
	context := named(doc["contexts"], current, "context")
	if context == nil {
		return Config{}, fmt.Errorf("poolagent: KUBECONFIG %s has no context %q (current-context)", path, current)
	}
	cluster := named(doc["clusters"], str(context["cluster"]), "cluster")
	if cluster == nil || str(cluster["server"]) == "" {
		return Config{}, fmt.Errorf("poolagent: KUBECONFIG %s: the cluster of context %q has no server", path, current)
	}
	user := named(doc["users"], str(context["user"]), "user")
	if user == nil {
		user = map[string]any{}
	}

	cfg := Config{Server: strings.TrimRight(str(cluster["server"]), "/"), Token: func() (string, error) { return "", nil }}
	switch {
	case str(user["token"]) != "":
		token := str(user["token"])
		cfg.Token = func() (string, error) { return token, nil }
	case str(user["tokenFile"]) != "":
		cfg.Token = tokenFile(resolve(path, str(user["tokenFile"])))
	}

	tlsConfig := &tls.Config{MinVersion: tls.VersionTLS12, InsecureSkipVerify: str(cluster["insecure-skip-tls-verify"]) == "true"} //nolint:gosec // only when the kubeconfig asks
	ca, err := material(path, cluster, "certificate-authority")
	if err != nil {
		return Config{}, err
	}
	if ca != nil {
		pool := x509.NewCertPool()
		if !pool.AppendCertsFromPEM(ca) {
			return Config{}, fmt.Errorf("poolagent: KUBECONFIG %s: certificate-authority holds no certificate", path)
		}
		tlsConfig.RootCAs = pool
	}
	cert, err := material(path, user, "client-certificate")
	if err != nil {
		return Config{}, err
	}
	key, err := material(path, user, "client-key")
	if err != nil {
		return Config{}, err
	}
	if cert != nil && key != nil {
		pair, err := tls.X509KeyPair(cert, key)
		if err != nil {
			return Config{}, fmt.Errorf("poolagent: KUBECONFIG %s: client certificate: %w", path, err)
		}
		tlsConfig.Certificates = []tls.Certificate{pair}
	}
	cfg.TLSConfig = tlsConfig
	return cfg, nil
}

func tokenFile(path string) func() (string, error) {
	return func() (string, error) {
		b, err := os.ReadFile(path)
		if err != nil {
			return "", fmt.Errorf("poolagent: the token file %s cannot be read: %w", path, err)
		}
		return strings.TrimSpace(string(b)), nil
	}
}

// material reads "<name>-data" (base64) or "<name>" (a file, relative to the kubeconfig) from m.
func material(kubeconfig string, m map[string]any, name string) ([]byte, error) {
	if data := str(m[name+"-data"]); data != "" {
		b, err := base64.StdEncoding.DecodeString(data)
		if err != nil {
			return nil, fmt.Errorf("poolagent: KUBECONFIG %s: %s-data is not base64: %w", kubeconfig, name, err)
		}
		return b, nil
	}
	if file := str(m[name]); file != "" {
		b, err := os.ReadFile(resolve(kubeconfig, file))
		if err != nil {
			return nil, fmt.Errorf("poolagent: KUBECONFIG %s: %s: %w", kubeconfig, name, err)
		}
		return b, nil
	}
	return nil, nil
}

func resolve(kubeconfig, file string) string {
	if filepath.IsAbs(file) {
		return file
	}
	return filepath.Join(filepath.Dir(kubeconfig), file)
}

// named finds the entry called name in a kubeconfig list (clusters, users, contexts) and returns its inner map.
func named(list any, name, inner string) map[string]any {
	items, _ := list.([]any)
	for _, item := range items {
		m, _ := item.(map[string]any)
		if m != nil && str(m["name"]) == name {
			v, _ := m[inner].(map[string]any)
			return v
		}
	}
	return nil
}

func str(v any) string {
	s, _ := v.(string)
	return s
}
