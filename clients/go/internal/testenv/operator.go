package testenv

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"sync"
	"time"

	"github.com/pooloperator/pooloperator/clients/go/internal/kube"
)

// Operator plays the operator's side of the protocol against the cluster: it creates, patches and deletes grants
// and reads their status.
type Operator struct {
	Server     string
	Namespace  string
	Kubeconfig string // the cluster's admin kubeconfig: its CA and token (the local cluster serves TLS only)
	once       sync.Once
	config     kube.Config
	client     *http.Client
	loadErr    error
}

// GrantObject is a ConnectionGrant as the tests read it.
type GrantObject struct {
	Metadata struct {
		Name       string `json:"name"`
		UID        string `json:"uid"`
		Generation int64  `json:"generation"`
	} `json:"metadata"`
	Spec struct {
		PodUID string `json:"podUID"`
		Limit  int    `json:"limit"`
	} `json:"spec"`
	Status struct {
		Phase              string `json:"phase"`
		AppliedLimit       *int   `json:"appliedLimit"`
		ObservedGeneration *int64 `json:"observedGeneration"`
		InUse              *int   `json:"inUse"`
	} `json:"status"`
}

// Acknowledged says whether the grant's status answers its current generation with phase and limit.
func (g GrantObject) Acknowledged(phase string, limit int) bool {
	return g.Status.ObservedGeneration != nil && *g.Status.ObservedGeneration == g.Metadata.Generation &&
		g.Status.Phase == phase && g.Status.AppliedLimit != nil && *g.Status.AppliedLimit == limit
}

func (o *Operator) url(name string) string {
	u := o.Server + "/apis/pooloperator.io/v1alpha1/namespaces/" + o.Namespace + "/connectiongrants"
	if name != "" {
		u += "/" + name
	}
	return u
}

// CreateGrant creates the grant podName.budget bound to podUID at limit.
func (o *Operator) CreateGrant(podName, budget, podUID string, limit int) (GrantObject, error) {
	body := map[string]any{
		"apiVersion": "pooloperator.io/v1alpha1",
		"kind":       "ConnectionGrant",
		"metadata":   map[string]any{"name": podName + "." + budget},
		"spec":       map[string]any{"podName": podName, "budgetName": budget, "podUID": podUID, "limit": limit, "hold": limit},
	}
	var g GrantObject
	return g, o.do(http.MethodPost, o.url(""), "application/json", body, &g)
}

// SetLimit merge-patches spec.limit (and spec.hold, as the operator would: at least what was issued before).
func (o *Operator) SetLimit(name string, limit, hold int) (GrantObject, error) {
	var g GrantObject
	return g, o.do(http.MethodPatch, o.url(name), "application/merge-patch+json", map[string]any{"spec": map[string]any{"limit": limit, "hold": hold}}, &g)
}

// Get reads a grant.
func (o *Operator) Get(name string) (GrantObject, error) {
	var g GrantObject
	return g, o.do(http.MethodGet, o.url(name), "", nil, &g)
}

// Delete deletes a grant.
func (o *Operator) Delete(name string) error {
	return o.do(http.MethodDelete, o.url(name), "", nil, nil)
}

func (o *Operator) do(method, url, contentType string, body any, out any) error {
	var reader io.Reader
	if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			return err
		}
		reader = bytes.NewReader(b)
	}
	req, err := http.NewRequest(method, url, reader)
	if err != nil {
		return err
	}
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	o.once.Do(func() {
		o.config, o.loadErr = kube.FromKubeconfig(o.Kubeconfig)
		if o.loadErr == nil {
			o.client = o.config.HTTPClient()
			o.client.Timeout = 10 * time.Second
		}
	})
	if o.loadErr != nil {
		return o.loadErr
	}
	if o.config.Token != nil {
		token, err := o.config.Token()
		if err != nil {
			return err
		}
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := o.client.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if resp.StatusCode/100 != 2 {
		return fmt.Errorf("%s %s: %d %s", method, url, resp.StatusCode, b)
	}
	if out != nil {
		return json.Unmarshal(b, out)
	}
	return nil
}
