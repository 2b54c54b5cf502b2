module github.com/pooloperator/pooloperator/examples/scalestorm/goreplica

go 1.19

// Built offline (GOPROXY=off GOFLAGS=-mod=mod): the agent from this repository, lib/pq from Debian's package.
require (
	github.com/lib/pq v1.10.7
	github.com/pooloperator/pooloperator/clients/go v0.0.0
)

replace github.com/pooloperator/pooloperator/clients/go => ../../../clients/go

replace github.com/lib/pq => /usr/share/gocode/src/github.com/lib/pq
