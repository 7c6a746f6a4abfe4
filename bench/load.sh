#!/usr/bin/env bash
# Endpoint load test for MobileId on loopback, with wrk.
#
#   bench/load.sh [SECONDS]     # default 10 s per endpoint
#
# Builds the server in Release, starts it in a temp directory on 127.0.0.1 (SQLite, defaults),
# imports 10,000 people from CSV (timed), creates an API client, then drives each endpoint with
# wrk (2 threads, 16 connections) and prints a Markdown table for docs/performance.md.
# As reference it measures, in the same run, wrk against the server's cheapest endpoint
# (/health/live: no database, no authentication). Traffic goes to 127.0.0.1 only and every run
# is bounded in time.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$(pwd)
DURATION=${1:-10}

if ! command -v wrk >/dev/null; then
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq wrk >/dev/null
fi

WORK=$(mktemp -d /tmp/mobileid-load.XXXXXX)
SERVER_PID=""
cleanup() {
    [[ -n "$SERVER_PID" ]] && kill "$SERVER_PID" 2>/dev/null && wait "$SERVER_PID" 2>/dev/null || true
    rm -rf "$WORK"
}
trap cleanup EXIT

dotnet build src/MobileId.Server -c Release -o "$WORK/bin" -v quiet -nologo >/dev/null
PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()')
BASE="http://127.0.0.1:$PORT"
cd "$WORK"

# 10,000 people in 20 departments.
python3 - <<'PY'
import csv
with open("people.csv", "w", newline="") as f:
    w = csv.writer(f)
    w.writerow(["logonName", "firstName", "lastName", "email", "mobile", "group", "employeeId"])
    for i in range(10000):
        w.writerow([f"user{i:05d}", f"First{i}", f"Last{i % 997}", f"user{i:05d}@example.org",
                    f"+44 7700 {i:06d}", f"Corp/Dept{i % 20:02d}", f"E{i:06d}"])
PY
START=$(date +%s.%N)
dotnet bin/MobileId.Server.dll import people people.csv --Logging:LogLevel:Default=Warning >/dev/null
IMPORT_S=$(python3 -c "import time; print(f'{time.time() - $START:.1f}')")
SECRET=$(dotnet bin/MobileId.Server.dll admin api-client create --name load --role Administrator --scope All \
    --Logging:LogLevel:Default=Warning | tail -1)

dotnet bin/MobileId.Server.dll --urls "$BASE" --Logging:LogLevel:Default=Warning >server.log 2>&1 &
SERVER_PID=$!
for _ in $(seq 1 60); do curl -sf "$BASE/health/ready" >/dev/null && break; sleep 1; done

cat > post.lua <<'LUA'
-- Each wrk thread numbers its own requests; the thread id keeps logon names unique across threads.
local threads = 0
function setup(thread)
  threads = threads + 1
  thread:set("tid", threads)
end
local counter = 0
request = function()
  counter = counter + 1
  local body = string.format('{"logonName":"load-%d-%d-%d","lastName":"Load","email":"load%d@example.org"}',
    os.time(), tid, counter, counter)
  return wrk.format("POST", "/api/v1/people", {["Content-Type"] = "application/json", ["Authorization"] = wrk.headers["Authorization"]}, body)
end
LUA

run() { # name, path, extra wrk args...
    local name=$1 path=$2; shift 2
    local out
    out=$(wrk -t2 -c16 -d"${DURATION}s" --latency "$@" "$BASE$path")
    local rps p50 p99
    rps=$(awk '/Requests\/sec/ {print $2}' <<<"$out")
    p50=$(awk '$1=="50%" {print $2}' <<<"$out")
    p99=$(awk '$1=="99%" {print $2}' <<<"$out")
    local errors
    errors=$(awk '/Non-2xx/ {print $NF}' <<<"$out")
    printf '| %s | %s | %s | %s | %s |\n' "$name" "$rps" "$p50" "$p99" "${errors:-0}"
}

AUTH="Authorization: Bearer $SECRET"
echo "| endpoint | requests/s | p50 | p99 | non-2xx |"
echo "|---|---|---|---|---|"
run "GET /health/live (reference: no DB, no auth)" /health/live
run "GET /health/ready (DB check)" /health/ready
run "GET /api/v1/people/{id}" "/api/v1/people/$(curl -s -H "$AUTH" "$BASE/api/v1/people?q=user00042" | python3 -c 'import json,sys; print(json.load(sys.stdin)["items"][0]["id"])')" -H "$AUTH"
run "GET /api/v1/people?q=last42 (search 10k, page 50)" "/api/v1/people?q=last42" -H "$AUTH"
run "GET /api/v1/mobile-ids?status=Issued (scoped, paged)" "/api/v1/mobile-ids?status=Issued" -H "$AUTH"
run "GET /api/v1/roles?q=desk (in-memory filter, paged)" "/api/v1/roles?q=desk" -H "$AUTH"
run "POST /api/v1/people (audited write)" /api/v1/people -H "$AUTH" -s post.lua

# The console as the administrator: a temporary password through the API, sign-in, the forced
# change, then the session cookie on every request (server-rendered pages, no script).
ADMIN_ID=$(curl -s -H "$AUTH" "$BASE/api/v1/people?q=admin" | python3 -c 'import json,sys; print([p["id"] for p in json.load(sys.stdin)["items"] if p["logonName"]=="admin"][0])')
TEMP=$(curl -s -X POST -H "$AUTH" "$BASE/api/v1/people/$ADMIN_ID/password" | python3 -c 'import json,sys; print(json.load(sys.stdin)["password"])')
NEW="Load-$(python3 -c 'import secrets; print(secrets.token_hex(12))')"
curl -s -c jar -H "Content-Type: application/json" -d "{\"logonName\":\"admin\",\"password\":\"$TEMP\"}" "$BASE/api/v1/auth/sign-in" >/dev/null
curl -s -b jar -c jar -H "Content-Type: application/json" -d "{\"currentPassword\":\"$TEMP\",\"newPassword\":\"$NEW\"}" "$BASE/api/v1/auth/change-password" >/dev/null
COOKIE="Cookie: MobileId.Session=$(awk '$6=="MobileId.Session" {print $7}' jar)"
PERSON=$(curl -s -H "$AUTH" "$BASE/api/v1/people?q=user00042" | python3 -c 'import json,sys; print(json.load(sys.stdin)["items"][0]["id"])')
run "console: Find Person ?q=last42 (search 10k, page 25)" "/console/people?q=last42" -H "$COOKIE"
run "console: person page (mobile IDs, devices, certificates)" "/console/people/$PERSON" -H "$COOKIE"
run "console: Operation Settings" "/console/settings" -H "$COOKIE"
echo
echo "CSV import of 10,000 people (one transaction, 10,021 audit records): ${IMPORT_S} s"
START=$(date +%s.%N)
dotnet bin/MobileId.Server.dll audit verify --Logging:LogLevel:Default=Warning
echo "audit verify wall time (including process start): $(python3 -c "import time; print(f'{time.time() - $START:.1f}')") s"
