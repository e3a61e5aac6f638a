#!/usr/bin/env bash
# Platform benchmark on loopback: starts `./lumen serve` (CPU backend, fresh data folder, free port),
#  1. measures the platform's own overhead per job: N small jobs one at a time, end-to-end time
#     (POST to a terminal GET) minus the engine time the job reports as engine_ms;
#  2. loads POST /v1/jobs with wrk for DURATION seconds at a few connection counts and prints
#     accepted jobs/s, p50/p99 latency and the non-2xx count.
# The overhead runs first, on an idle system: after the load the scheduler's queue is full.
# Everything it starts is stopped, and its data folder deleted, on exit.
# Usage: bench/platform.sh   (env: CONNECTIONS="1 8 32" DURATION=20 JOBS=20)
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
CONNECTIONS="${CONNECTIONS:-1 8 32}"
DURATION="${DURATION:-20}"
JOBS="${JOBS:-20}"
READY_TIMEOUT_S=240   # the first run also builds the jar
STOP_TIMEOUT_S=30

die() { echo "platform.sh: $*" >&2; exit 1; }

if ! command -v wrk >/dev/null; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
    apt-get install -y -qq wrk >/dev/null 2>&1 || { apt-get update -qq && apt-get install -y -qq wrk >/dev/null; } \
      || die "could not install wrk"
  else
    die "wrk is missing: sudo apt-get install -y wrk"
  fi
fi
command -v curl >/dev/null || die "curl is missing"
command -v python3 >/dev/null || die "python3 is missing"

DATA="$(mktemp -d "${TMPDIR:-/tmp}/lumen-bench.XXXXXX")"
PORT="$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')"
BASE="http://127.0.0.1:$PORT"
LOG="$DATA/serve.log"
SERVER=""

cleanup() {
  if [ -n "$SERVER" ] && kill -0 "$SERVER" 2>/dev/null; then
    kill -TERM "$SERVER" 2>/dev/null || true
    for _ in $(seq $((STOP_TIMEOUT_S * 10))); do kill -0 "$SERVER" 2>/dev/null || break; sleep 0.1; done
    kill -KILL "$SERVER" 2>/dev/null || true
    wait "$SERVER" 2>/dev/null || true
  fi
  rm -rf "$DATA"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# The load would otherwise measure the local tenant's rate limit (5/s) and active-job quota (16):
# these raise them for this run only, through Spring's environment binding.
LUMEN_GATEWAY_AUTH_LOCAL_RATEPERSECOND=1000000 LUMEN_GATEWAY_AUTH_LOCAL_BURST=1000000 \
LUMEN_GATEWAY_AUTH_LOCAL_MAXACTIVEJOBS=1000000 \
  "$ROOT/lumen" serve --port "$PORT" --data "$DATA/data" --backend cpu >"$LOG" 2>&1 &
SERVER=$!

echo "starting ./lumen serve on $BASE (data $DATA) ..."
deadline=$((SECONDS + READY_TIMEOUT_S))
until curl -fsS -o /dev/null "$BASE/actuator/health/readiness" 2>/dev/null; do
  kill -0 "$SERVER" 2>/dev/null || { tail -20 "$LOG" >&2; die "./lumen serve exited"; }
  [ $SECONDS -lt $deadline ] || { tail -20 "$LOG" >&2; die "not ready within ${READY_TIMEOUT_S}s"; }
  sleep 0.5
done
MODEL="$(curl -fsS "$BASE/v1/models" | python3 -c 'import json,sys; print(json.load(sys.stdin)["data"][0]["id"])')"
echo "ready: model $MODEL, $(nproc) cores"

echo
echo "== overhead per job: $JOBS jobs one at a time (64x64, 4 steps), polling GET every 10 ms"
BASE="$BASE" MODEL="$MODEL" JOBS="$JOBS" timeout 600 python3 - <<'PY'
import json, os, statistics, time, urllib.request

base, model, jobs = os.environ["BASE"], os.environ["MODEL"], int(os.environ["JOBS"])
body = json.dumps({"model": model, "prompt": "a red circle", "size": "64x64", "steps": 4, "seed": 1}).encode()

def call(method, path, data=None):
    req = urllib.request.Request(base + path, data=data, method=method,
                                 headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(req, timeout=30) as r:
        return json.load(r)

e2e, engine = [], []
for i in range(jobs):
    t0 = time.perf_counter()
    job = call("POST", "/v1/jobs", body)
    while job["status"] not in ("succeeded", "failed", "cancelled", "expired"):
        if time.perf_counter() - t0 > 60:
            raise SystemExit(f"job {job['id']} not finished after 60 s: {job['status']}")
        time.sleep(0.01)
        job = call("GET", "/v1/jobs/" + job["id"])
    t1 = time.perf_counter()
    if job["status"] != "succeeded":
        raise SystemExit(f"job {job['id']} ended {job['status']}: {job.get('error')}")
    if "engine_ms" not in job:
        raise SystemExit("the job JSON has no engine_ms")
    e2e.append((t1 - t0) * 1000)
    engine.append(job["engine_ms"])

overhead = [a - b for a, b in zip(e2e, engine)]
print(f"| {'jobs':>4} | {'median end-to-end ms':>20} | {'median engine_ms':>16} | {'median overhead ms':>18} | {'min/max overhead ms':>19} |")
print(f"|{'-'*6}|{'-'*22}|{'-'*18}|{'-'*20}|{'-'*21}|")
print(f"| {jobs:>4} | {statistics.median(e2e):>20.1f} | {statistics.median(engine):>16.1f} | "
      f"{statistics.median(overhead):>18.1f} | {min(overhead):>8.1f} / {max(overhead):<8.1f} |")
PY

LUA="$DATA/post-job.lua"
cat >"$LUA" <<LUAEOF
-- One small job per request; done() prints one line for the table below.
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
wrk.body = '{"model": "$MODEL", "prompt": "load test", "size": "64x64", "steps": 1}'
function done(summary, latency, requests)
  local e = summary.errors
  io.write(string.format("RESULT %d %d %d %d %d %d\n", summary.requests, summary.duration, e.status,
    e.connect + e.read + e.write + e.timeout, latency:percentile(50), latency:percentile(99)))
end
LUAEOF

echo
echo "== POST /v1/jobs under load: ${DURATION}s per row, 2 wrk threads (202 = accepted; jobs past the"
echo "   scheduler's per-tenant queue limit are accepted here and rejected by the scheduler later)"
printf '| %11s | %17s | %8s | %8s | %7s | %13s |\n' connections "accepted jobs/s" "p50 ms" "p99 ms" non-2xx "socket errors"
printf '|%s|%s|%s|%s|%s|%s|\n' -------------  -------------------  ----------  ----------  ---------  ---------------
for c in $CONNECTIONS; do
  threads=$(( c < 2 ? 1 : 2 ))
  line="$(timeout $((DURATION + 30)) wrk -t"$threads" -c"$c" -d"${DURATION}s" --latency -s "$LUA" "$BASE/v1/jobs" | grep '^RESULT')" \
    || die "wrk failed at $c connections"
  read -r _ requests duration_us status_errors socket_errors p50_us p99_us <<<"$line"
  awk -v c="$c" -v n="$requests" -v d="$duration_us" -v s="$status_errors" -v e="$socket_errors" \
      -v p50="$p50_us" -v p99="$p99_us" \
      'BEGIN { printf "| %11d | %17.0f | %8.2f | %8.2f | %7d | %13d |\n", c, (n - s - e) / (d / 1e6), p50 / 1000, p99 / 1000, s, e }'
done
