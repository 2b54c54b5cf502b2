module github.com/pooloperator/pooloperator/clients/go

go 1.19

// The drivers come from Debian's packages (golang-github-lib-pq-dev), not from the module proxy:
// build and test with GOPROXY=off GOFLAGS=-mod=mod. lib/pq is used by the tests and the conformance agent only;
// the package poolagent itself needs nothing but the standard library.
require github.com/lib/pq v1.10.7

replace github.com/lib/pq => /usr/share/gocode/src/github.com/lib/pq
