#!/usr/bin/env bash
# Load benchmark of the respondent web service (issue 3, Performance): `bash benches/web.sh`.
#
# Builds --release, then for SQLite (a fresh file) and PostgreSQL (a fresh database, created and
# dropped here) loads the demo, invites KINERJA_BENCH_LINKS people to the units of the demo's
# campaign 3 (SFO 2018), starts `kinerja serve` on 127.0.0.1 and measures with wrk, 64
# connections each:
#   GET /healthz            the ceiling: a pooled connection and SELECT 1
#   GET /r/{token}          form renders, rotating over 2,000 links
#   POST /r/{token}         submissions, every request a different link with a valid full answer
# Each run lasts KINERJA_BENCH_SECONDS (default 10); all traffic stays on loopback. Prints
# requests/s, p50/p99 latency, failed requests and the ratio to /healthz, then checks that the
# database holds exactly as many used links as the submissions wrk saw answered (303).
#
# First it runs benches/invite.sh (bulk invitations: links/s into an empty campaign and into one
# of 180,000, with and without email, on the same backends); KINERJA_BENCH_INVITE=no skips it.
#
# Environment: KINERJA_BENCH_LINKS (default 60000: more than 10 s of submissions can use),
# KINERJA_BENCH_SECONDS, KINERJA_BENCH_CONNECTIONS (64), KINERJA_BENCH_THREADS (wrk threads, 2),
# KINERJA_BENCH_POOL (the server's --pool-size; default: the server's own default),
# KINERJA_BENCH_PG_SERVER (default postgres://postgres@127.0.0.1:5432/postgres; "none" skips
# PostgreSQL), KINERJA_BENCH_BACKENDS ("sqlite postgres"). Needs wrk (apt-get install wrk).
set -euo pipefail
cd "$(dirname "$0")/.."

links=${KINERJA_BENCH_LINKS:-60000}
seconds=${KINERJA_BENCH_SECONDS:-10}
connections=${KINERJA_BENCH_CONNECTIONS:-64}
threads=${KINERJA_BENCH_THREADS:-2}
pg_server=${KINERJA_BENCH_PG_SERVER:-postgres://postgres@127.0.0.1:5432/postgres}
backends=${KINERJA_BENCH_BACKENDS:-sqlite postgres}
form_links=2000

command -v wrk >/dev/null || { echo "wrk is missing: apt-get install -y wrk" >&2; exit 1; }
if [ "$seconds" -gt 120 ] || [ "$links" -gt 500000 ]; then
  echo "refusing: at most 120 s per run and 500,000 links" >&2
  exit 1
fi

echo "== building the release binary =="
cargo build --release --quiet
kinerja="$PWD/target/release/kinerja"

work=$(mktemp -d -t kinerja-web-bench.XXXXXX)
server_pid=""
pg_db=""
cleanup() {
  if [ -n "$server_pid" ]; then kill "$server_pid" 2>/dev/null || true; wait "$server_pid" 2>/dev/null || true; fi
  if [ -n "$pg_db" ]; then psql -q "$pg_server" -c "DROP DATABASE IF EXISTS $pg_db WITH (FORCE)" >/dev/null 2>&1 || true; fi
  rm -rf "$work"
}
trap cleanup EXIT

if [ "${KINERJA_BENCH_INVITE:-yes}" != no ]; then
  KINERJA_BIN="$kinerja" KINERJA_BENCH_BACKENDS="$backends" KINERJA_BENCH_PG_SERVER="$pg_server" \
    bash benches/invite.sh | tee "$work/invite.out"
fi

# wrk scripts. Each wrk thread takes every n-th line of the token file, so no two requests in
# a run share a link; done() prints one machine-readable line.
cat >"$work/report.lua" <<'LUA'
function done(summary, latency, requests)
  local failed = summary.errors.status + summary.errors.connect + summary.errors.read
    + summary.errors.write + summary.errors.timeout
  io.write(string.format("RESULT requests=%d seconds=%.3f rps=%.1f p50_ms=%.2f p99_ms=%.2f max_ms=%.2f failed=%d\n",
    summary.requests, summary.duration / 1e6, summary.requests / (summary.duration / 1e6),
    latency:percentile(50) / 1000, latency:percentile(99) / 1000, latency.max / 1000, failed))
end
LUA
cat >"$work/tokens.lua" <<'LUA'
local counter = 0
function setup(thread)
  thread:set("id", counter)
  counter = counter + 1
end
function init(args)
  tokens = {}
  local n = tonumber(args[3])
  local i = 0
  for line in io.lines(args[1]) do
    if i % n == id then table.insert(tokens, line) end
    i = i + 1
  end
  body = args[2] ~= "" and io.open(args[2]):read("*a") or nil
  next_token = 1
end
function request()
  local token = tokens[next_token]
  if body then
    -- A used link answers 409 at once: when a thread has used all of its links, it stops
    -- rather than inflate the rate (its last request goes to /healthz instead).
    if token == nil then
      wrk.thread:stop()
      return wrk.format("GET", "/healthz")
    end
    next_token = next_token + 1
    return wrk.format("POST", "/r/" .. token,
      { ["Content-Type"] = "application/x-www-form-urlencoded" }, body)
  end
  next_token = next_token % #tokens + 1
  return wrk.format("GET", "/r/" .. tokens[next_token])
end
LUA
cat "$work/report.lua" >>"$work/tokens.lua"

# run NAME URL [SCRIPT ARGS...]: one wrk run; its RESULT line goes to $work/NAME.
run_wrk() {
  local name=$1 url=$2
  shift 2
  local script=("-s" "$work/report.lua")
  if [ $# -gt 0 ]; then script=("-s" "$work/tokens.lua" "$url" "--" "$@"); else script+=("$url"); fi
  wrk -t"$threads" -c"$connections" -d"${seconds}s" --timeout 10s --latency "${script[@]}" >"$work/$name.out"
  grep '^RESULT' "$work/$name.out" | sed 's/^RESULT //' >"$work/$name"
}

field() { tr ' ' '\n' <"$1" | sed -n "s/^$2=//p"; }

# cpu_ticks BACKEND: user + system clock ticks of the server and, on PostgreSQL, of every
# postgres process (the pooled connections live as long as the server).
cpu_ticks() {
  local pids=("$server_pid") total=0
  if [ "$1" = postgres ]; then mapfile -t -O 1 pids < <(pgrep -x postgres); pids[0]=$server_pid; fi
  for p in "${pids[@]}"; do
    [ -r "/proc/$p/stat" ] || continue
    total=$((total + $(sed 's/^.*) //' "/proc/$p/stat" | awk '{ print $12 + $13 }')))
  done
  echo "$total"
}

# The server key of the benchmark's databases lives with them (not in the working folder).
export KINERJA_SECRET_KEY_FILE="$work/kinerja.key"

summary=()
bench_backend() {
  local backend=$1 url
  echo
  echo "== $backend =="
  case $backend in
    sqlite) url="$work/bench.db"; rm -f "$url"* ;;
    postgres)
      pg_db="kinerja_bench_$$_$RANDOM"
      psql -q "$pg_server" -c "CREATE DATABASE $pg_db" >/dev/null
      # Same server and options (e.g. ?sslmode=disable), the new database.
      local base=${pg_server%%\?*} options=""
      [ "$base" != "$pg_server" ] && options="?${pg_server#*\?}"
      url="${base%/*}/$pg_db$options" ;;
  esac
  "$kinerja" --database-url "$url" demo >/dev/null
  # People spread over the units of campaign 3.
  "$kinerja" --database-url "$url" campaign progress 3 --format json \
    | sed -n 's/.*"code": "\([^"]*\)".*/\1/p' >"$work/units"
  awk -v n="$links" '{ unit[c++] = $0 }
    END { print "email,unit"; for (i = 0; i < n; i++) printf "p%d@bench.example,%s\n", i, unit[i % c] }' \
    "$work/units" >"$work/people.csv"
  local started ended
  started=$(date +%s.%N)
  "$kinerja" --database-url "$url" invite --no-email --campaign 3 \
    --public-url https://bench.example "$work/people.csv" \
    | awk -F'\t' '{ sub(/.*\/r\//, "", $3); print $3 }' >"$work/tokens"
  ended=$(date +%s.%N)
  awk -v n="$(wc -l <"$work/tokens")" -v u="$(wc -l <"$work/units")" -v s="$started" -v e="$ended" \
    'BEGIN { printf "%d links issued over %d units in %.2f s (%.0f links/s)\n", n, u, e - s, n / (e - s) }'
  head -n "$form_links" "$work/tokens" >"$work/form-tokens"
  tail -n +"$((form_links + 1))" "$work/tokens" >"$work/post-tokens"

  local pool=()
  [ -n "${KINERJA_BENCH_POOL:-}" ] && pool=(--pool-size "$KINERJA_BENCH_POOL")
  # No mail sender: the load is the web service's alone.
  "$kinerja" --database-url "$url" serve --bind 127.0.0.1:0 --mail-interval 0 \
    --rate-limit 100000000 --rate-limit-misses 1000000 "${pool[@]}" \
    >"$work/serve.out" 2>"$work/serve.log" &
  server_pid=$!
  local base=""
  for _ in $(seq 1 100); do
    base=$(sed -n 's/^listening on //p' "$work/serve.out")
    [ -n "$base" ] && break
    sleep 0.1
  done
  [ -n "$base" ] || { echo "the server did not start:" >&2; cat "$work/serve.log" >&2; exit 1; }

  # A full valid answer: every item of the form, a 4 or 5 each, the optional one left empty.
  curl -fsS "$base/r/$(head -n 1 "$work/form-tokens")" \
    | grep -o 'name="[^"]*" value="1"' | sed 's/name="\([^"]*\)".*/\1/' \
    | awk 'BEGIN { ORS = "" } { printf "%s=%d&", $0, 4 + NR % 2 } END { print "lang=id&action=submit" }' \
    >"$work/body"
  sed -i 's/continual-4=[0-9]/continual-4=/' "$work/body"
  echo "answer body: $(wc -c <"$work/body") bytes, $(grep -o '=' "$work/body" | wc -l) fields"

  # CPU ticks of the server (and database) around each run: CPU time per request tracks the
  # throughput ratio on an idle machine, and stays meaningful when other work shares the cores.
  local cpu_before cpu_after t0
  t0=$(cpu_ticks "$backend")
  run_wrk "$backend-healthz" "$base/healthz"
  echo "cpu=$(($(cpu_ticks "$backend") - t0))" >>"$work/$backend-healthz"
  t0=$(cpu_ticks "$backend")
  run_wrk "$backend-form" "$base" "$work/form-tokens" "" "$threads"
  echo "cpu=$(($(cpu_ticks "$backend") - t0))" >>"$work/$backend-form"
  cpu_before=$(cpu_ticks "$backend")
  run_wrk "$backend-submit" "$base" "$work/post-tokens" "$work/body" "$threads"
  cpu_after=$(cpu_ticks "$backend")
  echo "cpu=$((cpu_after - cpu_before))" >>"$work/$backend-submit"

  local ceiling
  ceiling=$(field "$work/$backend-healthz" rps)
  local hz ceiling_cpu
  hz=$(getconf CLK_TCK)
  ceiling_cpu=$(awk -v t="$(field "$work/$backend-healthz" cpu)" -v n="$(field "$work/$backend-healthz" requests)" \
    -v hz="$hz" 'BEGIN { printf "%.6f", 1e6 * t / hz / n }')
  printf '%-28s %10s %9s %9s %9s %8s %9s %10s %10s\n' "$backend" "req/s" "p50 ms" "p99 ms" "max ms" "failed" "/healthz" \
    "CPU us/req" "healthz/x"
  for kind in healthz form submit; do
    local f="$work/$backend-$kind" cpu_us
    cpu_us=$(awk -v t="$(field "$f" cpu)" -v n="$(field "$f" requests)" -v hz="$hz" 'BEGIN { printf "%.1f", 1e6 * t / hz / n }')
    printf '%-28s %10.0f %9s %9s %9s %8s %9s %10s %10s\n' "$kind" "$(field "$f" rps)" "$(field "$f" p50_ms)" \
      "$(field "$f" p99_ms)" "$(field "$f" max_ms)" "$(field "$f" failed)" \
      "$(awk -v a="$(field "$f" rps)" -v b="$ceiling" 'BEGIN { printf "%.3f", a / b }')" "$cpu_us" \
      "$(awk -v a="$cpu_us" -v b="$ceiling_cpu" 'BEGIN { printf "%.3f", b / a }')"
    summary+=("$backend $kind $(tr '\n' ' ' <"$f")")
  done

  kill "$server_pid"
  wait "$server_pid" || true
  server_pid=""
  # Every answered submission (303) is stored exactly once; a request still in flight when wrk
  # stopped may have been stored too, so the database may hold slightly more.
  local answered stored
  answered=$(( $(field "$work/$backend-submit" requests) - $(field "$work/$backend-submit" failed) ))
  stored=$("$kinerja" --database-url "$url" campaign progress 3 --format json \
    | sed -n 's/.*"submitted": \([0-9]*\).*/\1/p' | awk '{ s += $1 } END { print s }')
  echo "submissions answered 303: $answered; links used in the database: $stored"
  # CPU seconds of the server and the database processes (user + system, from /proc) spent
  # during the submission run, per answered submission.
  awk -v t="$((cpu_after - cpu_before))" -v hz="$(getconf CLK_TCK)" -v n="$answered" \
    'BEGIN { printf "CPU per submission: %.2f ms (server + database, %.1f CPU-s for %d)\n", 1000 * t / hz / n, t / hz, n }'
  if [ "$stored" -lt "$answered" ]; then echo "FAIL: fewer stored than answered" >&2; exit 1; fi
  if [ -n "$pg_db" ]; then
    psql -q "$pg_server" -c "DROP DATABASE IF EXISTS $pg_db WITH (FORCE)" >/dev/null
    pg_db=""
  fi
}

for backend in $backends; do
  if [ "$backend" = postgres ] && [ "$pg_server" = none ]; then continue; fi
  bench_backend "$backend"
done

echo
echo "== summary ($(nproc) cores, $connections connections, ${seconds} s per run) =="
printf '%s\n' "${summary[@]}"
if [ -f "$work/invite.out" ]; then
  echo
  sed -n '/^== invite summary/,$p' "$work/invite.out"
fi
