#!/usr/bin/env bash
# The project's main job on a machine without a cluster.
#   bash scripts/demo.sh [STORM ARGS]   the scale storm demo (see docs/benchmarks.md); extra arguments go to the
#                                       storm program, e.g. --help, --duration 120, --mode all.
#   bash scripts/demo.sh --install      the install a user follows (README, "Without a cluster"), unattended:
#                                       PostgreSQL, the local cluster running pods as processes, helm install,
#                                       kubectl apply -f examples/app/, load, kubectl scale and an HPA step. Exits
#                                       non-zero when a grant was not acknowledged or the server held more
#                                       sessions than the budget has.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
bash scripts/prerequisites.sh
export PATH="$root/.tools/bin:$PATH"

install_demo() {
  local ns=default budget=orders-db role=orders password=orders-demo available=90 pg_port
  # Globals, not locals: the EXIT trap that stops everything runs after this function has returned.
  work="$(mktemp -d /tmp/pooloperator-install-demo.XXXXXX)"
  pgdir="$(mktemp -d /tmp/pooloperator-install-pg.XXXXXX)"
  pids=()
  cluster_pid=""
  pg_bin="$(dirname "$(compgen -G '/usr/lib/postgresql/*/bin/initdb' | sort -V | tail -1)")"

  # PostgreSQL refuses to run as root: as root, its tools run as the postgres user.
  pg() { if [[ $(id -u) -eq 0 ]]; then runuser -u postgres -- "$@"; else "$@"; fi; }
  step() { printf '\n\033[1m== %s\033[0m\n' "$*"; }
  show() { printf '$ %s\n' "$*"; "$@"; }
  fail() { printf '\nFAILED: %s\n' "$*" >&2; exit 1; }
  cleanup() {
    local pid pods=()
    for pid in "${pids[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
    if [[ -n "$cluster_pid" ]]; then
      # SIGINT (Ctrl+C): the local cluster stops its pods (SIGTERM, then SIGKILL after their grace period).
      mapfile -t pods < <(pgrep -P "$cluster_pid" || true)
      kill -INT "$cluster_pid" 2>/dev/null || true
      for _ in $(seq 1 150); do kill -0 "$cluster_pid" 2>/dev/null || break; sleep 0.1; done
      kill -KILL "$cluster_pid" 2>/dev/null || true
      for pid in "${pods[@]}"; do kill -KILL "$pid" 2>/dev/null || true; done
    fi
    [[ -f "$pgdir/data/postmaster.pid" ]] && pg "$pg_bin/pg_ctl" -D "$pgdir/data" -m immediate stop >/dev/null 2>&1 || true
    rm -rf "$work" "$pgdir"
  }
  trap cleanup EXIT

  step "Build the local cluster, the operator and examples/OrdersApi"
  for project in src/LocalCluster src/Operator examples/OrdersApi; do
    dotnet build "$project" -c Release -v q -nologo >/dev/null || fail "dotnet build $project"
  done
  local bin=bin/Release/net10.0
  local operator_image app_image
  operator_image="ghcr.io/pooloperator/pool-operator:$(sed -n 's/^appVersion: *"\{0,1\}\([^"]*\)"\{0,1\}$/\1/p' charts/pool-operator/Chart.yaml)"
  app_image="$(sed -n 's/^ *image: *//p' examples/app/orders-api.yaml | head -1)"

  step "PostgreSQL (a throw-away server on a free port) with the role the application connects as"
  pg_port="$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')"
  [[ $(id -u) -eq 0 ]] && chown postgres: "$pgdir"
  pg "$pg_bin/initdb" -D "$pgdir/data" -U postgres -A trust >/dev/null
  pg "$pg_bin/pg_ctl" -D "$pgdir/data" -l "$pgdir/server.log" -o "-p $pg_port -c listen_addresses=127.0.0.1 -c unix_socket_directories=$pgdir -c max_connections=150" -w start >/dev/null
  psql() { "$pg_bin/psql" -h 127.0.0.1 -p "$pg_port" -U postgres -d postgres -tAq "$@"; }
  psql -c "CREATE ROLE $role LOGIN PASSWORD '$password'"
  echo "postgres on 127.0.0.1:$pg_port (max_connections 150; the budget says 100, 10 reserved)"

  step "The local cluster: the operator's image and the example's image run as local processes"
  export KUBECONFIG="$work/kubeconfig"
  # Job control on while it starts: a background job of a script would otherwise ignore SIGINT (its Ctrl+C).
  set -m
  dotnet "src/LocalCluster/$bin/PoolOperator.LocalCluster.dll" --kubeconfig "$KUBECONFIG" \
    --run "$operator_image=dotnet \"$root/src/Operator/$bin/PoolOperator.Operator.dll\"" \
    --run "$app_image=dotnet \"$root/examples/OrdersApi/$bin/PoolOperator.Examples.OrdersApi.dll\"" \
    >"$work/local-cluster.log" 2>&1 &
  cluster_pid=$!
  set +m
  for _ in $(seq 1 300); do [[ -s "$KUBECONFIG" ]] && break; sleep 0.1; done
  [[ -s "$KUBECONFIG" ]] || fail "the local cluster did not start: $(cat "$work/local-cluster.log")"
  show kubectl get namespaces

  step "1. Install the operator with its chart (on the local cluster it listens on its pod IP)"
  show helm install pool-operator ./charts/pool-operator --namespace pool-operator --create-namespace \
    --set-json 'extraEnv=[{"name":"Operator__HttpAddress","valueFrom":{"fieldRef":{"fieldPath":"status.podIP"}}}]'
  show kubectl -n pool-operator rollout status deployment/pool-operator --timeout=180s

  step "2. The budget and the application, as they are in examples/"
  show kubectl apply -f examples/budget-basic.yaml
  show kubectl apply -n "$ns" -f examples/app/

  step "3. Point the Secret at the server, restart the pods so they read it"
  local connection="Host=127.0.0.1;Port=$pg_port;Database=postgres;Username=$role;Password=$password;Maximum Pool Size=100"
  show kubectl -n "$ns" patch secret orders-db --type merge -p "{\"stringData\":{\"connectionString\":\"$connection\"}}"
  show kubectl -n "$ns" rollout restart deployment/orders-api
  show kubectl -n "$ns" rollout status deployment/orders-api --timeout=180s

  # The server is the judge: the most sessions of the application's role seen at once, sampled throughout.
  ( max=0; while :; do n="$(psql -c "SELECT count(*) FROM pg_stat_activity WHERE usename = '$role'" 2>>"$work/sampler.log" || echo 0)"
      (( n > max )) && max=$n && echo "$max" >"$work/max-sessions"; sleep 0.05; done ) &
  pids+=($!)
  # Load: clients calling GET /orders/count on the ready pods' IPs, as a Service would spread them.
  ( while :; do
      for ip in $(kubectl -n "$ns" get pods -l app.kubernetes.io/name=orders-api \
                  -o jsonpath='{range .items[*]}{.status.podIP} {.status.conditions[?(@.type=="Ready")].status}{"\n"}{end}' 2>/dev/null \
                  | awk '$2 == "True" { print $1 }'); do
        for _ in 1 2 3 4; do curl -s -o /dev/null --max-time 20 "http://$ip:8080/orders/count" & done
      done
      wait; done ) >/dev/null 2>&1 &
  pids+=($!)

  settled() { # replicas: every pod's grant Active at its limit for its current generation, the budget Ready
    local replicas=$1 rows
    for _ in $(seq 1 360); do
      rows="$(kubectl -n "$ns" get connectiongrants -l "pooloperator.io/budget=$budget" \
        -o jsonpath='{range .items[*]}{.spec.limit} {.status.appliedLimit} {.status.phase} {.metadata.generation} {.status.observedGeneration}{"\n"}{end}')"
      if [[ "$(kubectl -n "$ns" get dbb "$budget" -o jsonpath='{.status.conditions[?(@.type=="Ready")].status}')" == True ]] \
        && [[ "$(grep -c . <<<"$rows")" -eq "$replicas" ]] \
        && ! awk '!($1 == $2 && $1 > 0 && $3 == "Active" && $5 >= $4) { bad = 1 } END { exit !bad }' <<<"$rows"; then
        show kubectl -n "$ns" get dbb
        show kubectl -n "$ns" get connectiongrants
        show kubectl -n "$ns" get pods -o wide
        return 0
      fi
      sleep 0.5
    done
    kubectl -n "$ns" get dbb,connectiongrants,pods -o wide || true
    fail "the grants of $replicas pods were not all acknowledged"
  }

  step "4. Three pods share the budget: 30 each"
  settled 3
  step "5. kubectl scale to 5: the operator lowers the running pods before the new ones get theirs"
  show kubectl -n "$ns" scale deployment/orders-api --replicas=5
  settled 5
  step "6. An HPA step to 7, written as the HPA controller writes it: its status, then the Deployment's scale"
  show kubectl -n "$ns" patch hpa orders-api --subresource=status --type merge -p '{"status":{"currentReplicas":5,"desiredReplicas":7}}'
  show kubectl -n "$ns" scale deployment/orders-api --replicas=7
  settled 7
  step "7. And back to 3"
  show kubectl -n "$ns" patch hpa orders-api --subresource=status --type merge -p '{"status":{"currentReplicas":7,"desiredReplicas":3}}'
  show kubectl -n "$ns" scale deployment/orders-api --replicas=3
  settled 3

  step "What the operator reports"
  show kubectl -n "$ns" describe dbb "$budget"
  show kubectl -n "$ns" get events --field-selector "involvedObject.name=$budget"

  local max; max="$(cat "$work/max-sessions" 2>/dev/null || echo 0)"
  step "The server's view: at most $max sessions of role '$role' at once; the budget has $available"
  (( max <= available )) || fail "PostgreSQL held $max sessions of $role, more than the budget's $available"
  (( max > 0 )) || fail "the application never connected to PostgreSQL"
  echo "OK: every grant acknowledged after every step, and never more than the budget on the server."
}

if [[ "${1:-}" == "--install" ]]; then
  install_demo
  exit 0
fi
exec dotnet run -c Release --project examples/ScaleStorm -- "$@"
