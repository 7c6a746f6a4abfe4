#!/usr/bin/env bash
# Throwaway PostgreSQL cluster for the test suite.
#
#   scripts/pg-test-cluster.sh start DIR   # init (once) + start; prints the TCP port on stdout
#   scripts/pg-test-cluster.sh stop DIR    # immediate stop (no-op if not running)
#   scripts/pg-test-cluster.sh status DIR  # exit 0 if running (prints the port)
#
# The server listens only on 127.0.0.1 (plus a unix socket in DIR/sock) and trusts
# every local connection, so it must never hold anything that matters.
# Layout: DIR/data (cluster), DIR/sock (socket dir), DIR/port, DIR/postgres.log.
# As root, initdb/pg_ctl run as the `postgres` user (initdb refuses root) and DIR
# is chowned to it; DIR's parent must be traversable by that user.
# Environment: PG_BIN (directory of initdb/pg_ctl/postgres) and PG_PORT (fixed
# port instead of a random free one) are optional overrides.
set -euo pipefail

usage() {
    echo "usage: $0 {start|stop|status} DIR" >&2
    exit 2
}

[[ $# -eq 2 ]] || usage
cmd=$1
DIR=$2
[[ -n "$DIR" ]] || usage

log() { echo "pg-test-cluster: $*" >&2; }
die() { log "$*"; exit 1; }

find_pg_bin() {
    if [[ -n "${PG_BIN:-}" ]]; then
        [[ -x "$PG_BIN/pg_ctl" ]] || die "PG_BIN=$PG_BIN has no pg_ctl"
        echo "$PG_BIN"
        return
    fi
    local d
    d=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1 || true)
    if [[ -n "$d" && -x "$d/pg_ctl" && -x "$d/initdb" ]]; then
        echo "$d"
        return
    fi
    local p
    p=$(command -v pg_ctl 2>/dev/null || true)
    if [[ -n "$p" && -x "$(dirname "$p")/initdb" ]]; then
        dirname "$p"
        return
    fi
    die "PostgreSQL server binaries (initdb, pg_ctl) not found; install the 'postgresql' package"
}

# Run a command as the cluster owner: `postgres` when we are root, else ourselves.
# Runs from inside DIR so that the postgres user never sits in an unreadable cwd.
as_owner() {
    if [[ $EUID -eq 0 ]]; then
        if command -v runuser >/dev/null 2>&1; then
            (cd "$DIR" && runuser -u postgres -- "$@")
        else
            local q
            q=$(printf '%q ' "$@")
            (cd "$DIR" && su postgres -s /bin/bash -c "$q")
        fi
    else
        (cd "$DIR" && "$@")
    fi
}

# True if something accepts TCP connections on 127.0.0.1:$1.
port_in_use() {
    (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null
}

pick_port() {
    local p i
    p=$(( 20000 + (RANDOM * 32768 + RANDOM) % 20001 ))
    for (( i = 0; i < 200; i++ )); do
        if ! port_in_use "$p"; then
            echo "$p"
            return
        fi
        p=$(( p >= 40000 ? 20000 : p + 1 ))
    done
    die "no free TCP port found in 20000-40000"
}

is_running() {
    [[ -f "$DATA/postmaster.pid" ]] || return 1
    as_owner "$PG/pg_ctl" -D "$DATA" status >/dev/null 2>&1
}

print_log() {
    local f=$1
    if [[ -s "$f" ]]; then
        log "---- $f (last 60 lines) ----"
        tail -n 60 "$f" >&2 || true
        log "---- end of $f ----"
    fi
}

DATA="$DIR/data"
SOCK="$DIR/sock"
LOGFILE="$DIR/postgres.log"
PG=$(find_pg_bin)

case "$cmd" in
start)
    mkdir -p "$DIR"
    DIR=$(cd "$DIR" && pwd)
    DATA="$DIR/data"; SOCK="$DIR/sock"; LOGFILE="$DIR/postgres.log"
    # A unix socket path is limited to ~107 bytes (".s.PGSQL.NNNNN" included).
    (( ${#SOCK} <= 90 )) || die "socket dir path too long (${#SOCK} > 90 chars): $SOCK"
    if [[ $EUID -eq 0 ]]; then
        id postgres >/dev/null 2>&1 || die "running as root but there is no 'postgres' user (install the 'postgresql' package)"
        chown postgres: "$DIR"
        as_owner test -w "$DIR" ||
            die "user postgres cannot write $DIR (is a parent directory not traversable?)"
    fi
    if is_running; then
        cat "$DIR/port"
        exit 0
    fi
    if [[ ! -f "$DATA/PG_VERSION" ]]; then
        rm -rf "$DATA"
        if ! as_owner "$PG/initdb" -D "$DATA" -A trust -U postgres --no-sync -E UTF8 --locale=C \
                >"$DIR/initdb.log" 2>&1; then
            print_log "$DIR/initdb.log"
            die "initdb failed"
        fi
    fi
    as_owner mkdir -p "$SOCK"
    for attempt in 1 2 3 4 5; do
        port=${PG_PORT:-$(pick_port)}
        # pg_ctl hands -o to /bin/sh, hence the single quotes around the socket dir.
        opts="-p $port -k '$SOCK' -h 127.0.0.1 -c fsync=off -c synchronous_commit=off"
        opts+=" -c full_page_writes=off -c max_connections=300"
        if as_owner "$PG/pg_ctl" -w -t 30 -D "$DATA" -l "$LOGFILE" -o "$opts" start >"$DIR/pg_ctl.log" 2>&1; then
            echo "$port" >"$DIR/port"
            echo "$port"
            exit 0
        fi
        log "start attempt $attempt on port $port failed"
        # Make sure a half-started server is gone before the next try.
        as_owner "$PG/pg_ctl" -D "$DATA" -m immediate stop >/dev/null 2>&1 || true
        [[ -z "${PG_PORT:-}" ]] || break
    done
    print_log "$DIR/pg_ctl.log"
    print_log "$LOGFILE"
    die "could not start PostgreSQL (data dir $DATA)"
    ;;
stop)
    [[ -d "$DIR" ]] || exit 0
    DIR=$(cd "$DIR" && pwd)
    DATA="$DIR/data"
    [[ -f "$DATA/postmaster.pid" ]] || exit 0
    if ! as_owner "$PG/pg_ctl" -D "$DATA" -m immediate -w -t 30 stop >/dev/null 2>&1; then
        # Last resort: kill the postmaster named in postmaster.pid, if it is one.
        pid=$(head -n 1 "$DATA/postmaster.pid" 2>/dev/null || true)
        if [[ "$pid" =~ ^[0-9]+$ ]] && grep -q postgres "/proc/$pid/comm" 2>/dev/null; then
            log "pg_ctl stop failed; killing postmaster $pid"
            kill -KILL "$pid" 2>/dev/null || true
        fi
    fi
    ;;
status)
    [[ -d "$DIR" ]] || exit 1
    DIR=$(cd "$DIR" && pwd)
    DATA="$DIR/data"
    is_running || exit 1
    cat "$DIR/port"
    ;;
*)
    usage
    ;;
esac
