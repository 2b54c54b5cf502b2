package kube

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
)

// Grant is the part of a ConnectionGrant (pooloperator.io/v1alpha1) the agent reads.
type Grant struct {
	Metadata struct {
		Name            string `json:"name"`
		UID             string `json:"uid"`
		Generation      int64  `json:"generation"`
		ResourceVersion string `json:"resourceVersion"`
		// DeletionTimestamp is set once the grant is marked for deletion (the operator's finalizer keeps it).
		DeletionTimestamp *string `json:"deletionTimestamp,omitempty"`
	} `json:"metadata"`
	Spec struct {
		PodUID string `json:"podUID"`
		Limit  int    `json:"limit"`
		Hold   *int   `json:"hold,omitempty"`
	} `json:"spec"`
	Status *GrantStatus `json:"status,omitempty"`
}

// GrantStatus is what an agent writes.
type GrantStatus struct {
	Phase              string `json:"phase,omitempty"`
	AppliedLimit       *int   `json:"appliedLimit,omitempty"`
	ObservedGeneration *int64 `json:"observedGeneration,omitempty"`
	InUse              *int   `json:"inUse,omitempty"`
	Idle               *int   `json:"idle,omitempty"`
	Waiting            *int   `json:"waiting,omitempty"`
	UpdatedAt          string `json:"updatedAt,omitempty"`
}

// Event is one watch event.
type Event struct {
	Type   string // ADDED, MODIFIED, DELETED, BOOKMARK, ERROR
	Object json.RawMessage
}

// ErrGone is returned by a watch whose resourceVersion is too old (410): list again.
var ErrGone = errors.New("the watch's resourceVersion is gone")

// Grants lists, watches and patches the ConnectionGrants of one namespace.
type Grants struct {
	config    Config
	client    *http.Client
	namespace string
}

// NewGrants returns the client of namespace's ConnectionGrants.
func NewGrants(config Config, namespace string) *Grants {
	return &Grants{config: config, client: config.HTTPClient(), namespace: namespace}
}

func (g *Grants) path(name string) string {
	p := g.config.Server + "/apis/pooloperator.io/v1alpha1/namespaces/" + url.PathEscape(g.namespace) + "/connectiongrants"
	if name != "" {
		p += "/" + url.PathEscape(name)
	}
	return p
}

// CloseIdle closes the client's idle keep-alive connections (and their goroutines).
func (g *Grants) CloseIdle() { g.client.CloseIdleConnections() }

// List returns the grants called name (zero or one) and the list's resourceVersion.
func (g *Grants) List(ctx context.Context, name string) ([]Grant, string, error) {
	q := url.Values{"fieldSelector": {"metadata.name=" + name}}
	resp, err := g.do(ctx, http.MethodGet, g.path("")+"?"+q.Encode(), "", nil)
	if err != nil {
		return nil, "", err
	}
	defer resp.Body.Close()
	var list struct {
		Metadata struct {
			ResourceVersion string `json:"resourceVersion"`
		} `json:"metadata"`
		Items []Grant `json:"items"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&list); err != nil {
		return nil, "", fmt.Errorf("listing connectiongrants: %w", err)
	}
	return list.Items, list.Metadata.ResourceVersion, nil
}

// Watch streams the events of the grant called name after resourceVersion to events until the server ends the
// watch (nil), ctx ends, or an error; ErrGone when resourceVersion is too old.
func (g *Grants) Watch(ctx context.Context, name, resourceVersion string, events func(Event)) error {
	q := url.Values{
		"watch":               {"true"},
		"fieldSelector":       {"metadata.name=" + name},
		"resourceVersion":     {resourceVersion},
		"allowWatchBookmarks": {"true"},
		"timeoutSeconds":      {"300"},
	}
	resp, err := g.do(ctx, http.MethodGet, g.path("")+"?"+q.Encode(), "", nil)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	decoder := json.NewDecoder(resp.Body)
	for {
		var e struct {
			Type   string          `json:"type"`
			Object json.RawMessage `json:"object"`
		}
		if err := decoder.Decode(&e); err != nil {
			if errors.Is(err, io.EOF) {
				return nil
			}
			return fmt.Errorf("watching connectiongrants: %w", err)
		}
		if e.Type == "ERROR" {
			var status struct {
				Code int `json:"code"`
			}
			_ = json.Unmarshal(e.Object, &status)
			if status.Code == http.StatusGone {
				return ErrGone
			}
			return fmt.Errorf("watching connectiongrants: the server sent an error event: %s", e.Object)
		}
		events(Event{Type: e.Type, Object: e.Object})
	}
}

// PatchStatus merge-patches the status subresource of the grant called name whose metadata.uid is uid. The UID
// travels with the patch: the API server refuses to change it, so a status meant for a deleted grant never lands
// on a new grant of the same name (another pod's).
func (g *Grants) PatchStatus(ctx context.Context, name, uid string, status GrantStatus) error {
	body, err := json.Marshal(map[string]any{"metadata": map[string]any{"uid": uid}, "status": status})
	if err != nil {
		return err
	}
	resp, err := g.do(ctx, http.MethodPatch, g.path(name)+"/status", "application/merge-patch+json", body)
	if err != nil {
		return err
	}
	_, _ = io.Copy(io.Discard, resp.Body)
	return resp.Body.Close()
}

// StatusError is a response other than 2xx.
type StatusError struct {
	Code    int
	Message string
}

func (e *StatusError) Error() string {
	return fmt.Sprintf("the API server answered %d: %s", e.Code, e.Message)
}

func (g *Grants) do(ctx context.Context, method, target, contentType string, body []byte) (*http.Response, error) {
	var reader io.Reader
	if body != nil {
		reader = bytes.NewReader(body)
	}
	req, err := http.NewRequestWithContext(ctx, method, target, reader)
	if err != nil {
		return nil, err
	}
	req.Header.Set("Accept", "application/json")
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	token, err := g.config.Token()
	if err != nil {
		return nil, err
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := g.client.Do(req)
	if err != nil {
		return nil, err
	}
	if resp.StatusCode/100 != 2 {
		defer resp.Body.Close()
		msg, _ := io.ReadAll(io.LimitReader(resp.Body, 4096))
		var status struct {
			Message string `json:"message"`
		}
		if json.Unmarshal(msg, &status) == nil && status.Message != "" {
			msg = []byte(status.Message)
		}
		return nil, &StatusError{Code: resp.StatusCode, Message: string(msg)}
	}
	return resp, nil
}
