#!/usr/bin/env bash
# Mobile IDs collected per second end to end, by many agents in parallel on loopback, beside the
# raw signing rate of the issuing CA's key measured in the same run.
#
#   bench/collect.sh [COUNT] [LEVELS] [MAX_SECONDS]    # default 2000 mobile IDs at 1,4,16 agents, 120 s per level
#
# Builds the server and bench/MobileId.CollectBench in Release, starts the server in a temp
# directory on 127.0.0.1 (SQLite, defaults) and creates an API client. The bench program then sets
# up, through the REST API, an EC P-256 device-key policy, a credential profile, COUNT people per
# level (one CSV import) and a Request ID for each (QR code channel, so no notification is sent),
# and runs the agents (MobileId.Agent's Collector as a library) against it. It prints Markdown
# for docs/performance.md. Afterwards `audit verify` checks the audit chain the run wrote.
# Traffic goes to 127.0.0.1 only; each level stops after MAX_SECONDS and the whole run after
# 20 minutes.
set -euo pipefail
cd "$(dirname "$0")/.."
COUNT=${1:-2000}
LEVELS=${2:-1,4,16}
MAX_SECONDS=${3:-120}

WORK=$(mktemp -d /tmp/mobileid-collect.XXXXXX)
SERVER_PID=""
cleanup() {
    if [[ -n "$SERVER_PID" ]]; then
        kill "$SERVER_PID" 2>/dev/null || true
        wait "$SERVER_PID" 2>/dev/null || true
    fi
    rm -rf "$WORK"
}
trap cleanup EXIT

echo "==> building the server and the bench (Release)" >&2
dotnet build src/MobileId.Server -c Release -o "$WORK/bin" -v quiet -nologo >/dev/null
dotnet build bench/MobileId.CollectBench -c Release -o "$WORK/bench" -v quiet -nologo >/dev/null
PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()')
BASE="http://127.0.0.1:$PORT"
cd "$WORK"

SECRET=$(dotnet bin/MobileId.Server.dll admin api-client create --name collect-bench --role Administrator --scope All \
    --Logging:LogLevel:Default=Warning | tail -1)
dotnet bin/MobileId.Server.dll --urls "$BASE" --Logging:LogLevel:Default=Warning >server.log 2>&1 &
SERVER_PID=$!
for _ in $(seq 1 60); do curl -sf "$BASE/health/ready" >/dev/null && break; sleep 1; done
curl -sf "$BASE/health/ready" >/dev/null || { cat server.log >&2; exit 1; }

echo "Machine: $(nproc) vCPU ($(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs)), $(free -g | awk '/^Mem:/ {print $2}') GiB RAM," \
    "$(. /etc/os-release && echo "$PRETTY_NAME"), .NET SDK $(dotnet --version), $(date -u +%Y-%m-%d)."
echo
status=0
timeout 1200 dotnet bench/MobileId.CollectBench.dll --base "$BASE" --secret "$SECRET" --server-pid "$SERVER_PID" \
    --count "$COUNT" --concurrency "$LEVELS" --max-seconds "$MAX_SECONDS" || status=$?

kill "$SERVER_PID" && wait "$SERVER_PID" 2>/dev/null || true
SERVER_PID=""
echo
dotnet bin/MobileId.Server.dll audit verify --Logging:LogLevel:Default=Warning
exit "$status"
