#!/usr/bin/env bash
# Bulk invitations (issue 8): `bash benches/invite.sh`, also run by benches/web.sh.
#
# For SQLite (a fresh file) and PostgreSQL (a fresh database, created and dropped here) loads
# the demo, then times `kinerja invite` of KINERJA_BENCH_INVITES people (default 60,000) per
# step and prints links/s:
#   campaign E, --no-email: into an empty campaign, into 60,000, into 120,000
#   campaign E, with email: into 180,000 (one outbox row per link, same transaction)
#   campaign M, with email: into an empty campaign
# Every step's people are new (no re-invitations); each step checks that it printed one link
# per line. Besides the wall time it prints the CPU seconds spent, by the command and (for
# PostgreSQL) by the server's processes, from /proc: on a shared machine the wall time depends
# on the neighbours, the CPU per link much less. KINERJA_BENCH_BACKENDS ("sqlite postgres") and KINERJA_BENCH_PG_SERVER (default
# postgres://postgres@127.0.0.1:5432/postgres; "none" skips PostgreSQL) change the run, and
# KINERJA_BIN uses an already built binary instead of building --release here.
set -euo pipefail
cd "$(dirname "$0")/.."

people=${KINERJA_BENCH_INVITES:-60000}
pg_server=${KINERJA_BENCH_PG_SERVER:-postgres://postgres@127.0.0.1:5432/postgres}
backends=${KINERJA_BENCH_BACKENDS:-sqlite postgres}

if [ "$people" -gt 500000 ]; then
  echo "refusing: at most 500,000 people per step" >&2
  exit 1
fi

if [ -n "${KINERJA_BIN:-}" ]; then
  kinerja=$KINERJA_BIN
else
  echo "== building the release binary =="
  cargo build --release --quiet
  kinerja="$PWD/target/release/kinerja"
fi

work=$(mktemp -d -t kinerja-invite-bench.XXXXXX)
pg_db=""
cleanup() {
  if [ -n "$pg_db" ]; then psql -q "$pg_server" -c "DROP DATABASE IF EXISTS $pg_db WITH (FORCE)" >/dev/null 2>&1 || true; fi
  rm -rf "$work"
}
trap cleanup EXIT
# The server key of the benchmark's databases lives with them (not in the working folder).
export KINERJA_SECRET_KEY_FILE="$work/kinerja.key"

summary=()

# CPU clock ticks of the PostgreSQL server's processes: the postmaster with the children it
# has reaped (ended backends) and its live children. Only this server's: other clusters on the
# machine come and go, and their processes' time would leave the sum with them.
postmaster=""
postgres_cpu() {
  [ -n "$postmaster" ] || { echo 0; return; }
  # An ended backend shows no CPU time until the postmaster has reaped it (then its time is
  # the postmaster's): wait for that, so that the command's own backend is counted.
  local _
  for _ in $(seq 1 40); do
    { cat /proc/[0-9]*/stat 2>/dev/null || true; } \
      | awk -v pm="$postmaster" '$4 == pm && $3 == "Z" { z = 1 } END { exit z }' && break
    sleep 0.05
  done
  # A process may end between the listing and the read: cat then fails, the sum does not.
  { cat /proc/[0-9]*/stat 2>/dev/null || true; } \
    | awk -v pm="$postmaster" '$1 == pm { s += $14 + $15 + $16 + $17 } $4 == pm { s += $14 + $15 }
      END { print s + 0 }'
}

# people FILE CAMPAIGN FIRST: a CSV of $people new addresses from number FIRST on, spread over
# the campaign's units.
write_people() {
  local file=$1 campaign=$2 first=$3
  "$kinerja" --database-url "$url" campaign progress "$campaign" --format json \
    | sed -n 's/.*"code": "\([^"]*\)".*/\1/p' >"$work/units"
  awk -v n="$people" -v first="$first" '{ unit[c++] = $0 }
    END { print "email,unit"; for (i = first; i < first + n; i++) printf "p%d@bench.example,%s\n", i, unit[i % c] }' \
    "$work/units" >"$file"
}

# step LABEL CAMPAIGN FIRST [--no-email]: one timed invite.
step() {
  local label=$1 campaign=$2 first=$3
  shift 3
  write_people "$work/people.csv" "$campaign" "$first"
  local links pg_before pg_after
  pg_before=$(postgres_cpu)
  local TIMEFORMAT='%3R %3U %3S'
  { time "$kinerja" --database-url "$url" invite --campaign "$campaign" "$@" \
    --public-url https://survei.example.go.id "$work/people.csv" >"$work/links" 2>"$work/invite.log" ; } 2>"$work/time"
  pg_after=$(postgres_cpu)
  links=$(wc -l <"$work/links")
  if [ "$links" -ne "$people" ]; then
    echo "FAIL: $links links for $people people" >&2
    cat "$work/invite.log" >&2
    exit 1
  fi
  local line
  local pg_seconds=0
  [ "$backend" = postgres ] && pg_seconds=$(awk -v a="$pg_before" -v b="$pg_after" -v hz="$(getconf CLK_TCK)" 'BEGIN { print (b - a) / hz }')
  line=$(awk -v b="$backend" -v l="$label" -v n="$links" -v pg="$pg_seconds" -v t="$(tail -n 1 "$work/time")" \
    'BEGIN { split(t, f, " "); cpu = f[2] + f[3] + pg
      printf "%-9s %-44s %7d links %6.2f s %7.0f links/s %6.2f CPU s %7.0f links/CPU s", b, l, n, f[1], n / f[1], cpu, n / cpu }')
  echo "$line"
  summary+=("$line")
}

bench_backend() {
  backend=$1
  echo
  echo "== $backend =="
  case $backend in
    sqlite) url="$work/invite.db"; rm -f "$url"* ;;
    postgres)
      pg_db="kinerja_invite_bench_$$_$RANDOM"
      psql -q "$pg_server" -c "CREATE DATABASE $pg_db" >/dev/null
      local base=${pg_server%%\?*} options=""
      [ "$base" != "$pg_server" ] && options="?${pg_server#*\?}"
      url="${base%/*}/$pg_db$options"
      # The checkpointer lives as long as the server; its parent is the postmaster. A server on
      # another machine leaves this empty, and only the command's own CPU is counted.
      local checkpointer
      checkpointer=$(psql -Atq "$pg_server" -c "SELECT pid FROM pg_stat_activity WHERE backend_type = 'checkpointer'")
      postmaster=$(awk '{ print $4 }' "/proc/$checkpointer/stat" 2>/dev/null || true) ;;
  esac
  "$kinerja" --database-url "$url" demo >/dev/null
  local e m
  e=$("$kinerja" --database-url "$url" campaign create --template sfo --period 2031 \
    --title "Invite bench E" | tail -n 1)
  m=$("$kinerja" --database-url "$url" campaign create --template sfo --period 2032 \
    --title "Invite bench M" | tail -n 1)
  step "no email, into an empty campaign" "$e" 0 --no-email
  step "no email, into a campaign of $people" "$e" "$people" --no-email
  step "no email, into a campaign of $((2 * people))" "$e" "$((2 * people))" --no-email
  step "with email, into a campaign of $((3 * people))" "$e" "$((3 * people))"
  step "with email, into an empty campaign" "$m" 0
  if [ -n "$pg_db" ]; then
    psql -q "$pg_server" -c "DROP DATABASE IF EXISTS $pg_db WITH (FORCE)" >/dev/null
    pg_db=""
  fi
  rm -f "$work/invite.db"*
}

for backend in $backends; do
  if [ "$backend" = postgres ] && [ "$pg_server" = none ]; then continue; fi
  bench_backend "$backend"
done

echo
echo "== invite summary ($(nproc) cores, load $(cut -d' ' -f1-3 /proc/loadavg), $people people per step, the whole command) =="
printf '%s\n' "${summary[@]}"
