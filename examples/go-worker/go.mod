module github.com/pooloperator/pooloperator/examples/go-worker

go 1.19

require (
	github.com/lib/pq v1.10.7
	github.com/pooloperator/pooloperator/clients/go v0.0.0
)

// Offline: the agent from this repository, the driver from Debian's golang-github-lib-pq-dev
// (build with GOPROXY=off GOFLAGS=-mod=mod). In your own module, require the published versions instead.
replace (
	github.com/lib/pq => /usr/share/gocode/src/github.com/lib/pq
	github.com/pooloperator/pooloperator/clients/go => ../../clients/go
)
