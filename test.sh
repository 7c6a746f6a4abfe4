#!/usr/bin/env bash
# Build MobileId and run every test project against a throwaway PostgreSQL.
#
#   ./test.sh                      # everything
#   ./test.sh --filter Name~Foo    # extra arguments go to `dotnet test`
#
# Works on a fresh Debian 12 with only the .NET SDK: missing Debian packages are
# installed first (as root, or through sudo). The last line printed is always
#   N passed, N failed[, N skipped]
# and the exit status is non-zero if the build failed, a test failed or no test ran.
# Environment: SOLUTION (default MobileId.slnx) picks another solution file.
set -euo pipefail

# Debian packages the test suite needs. Append here.
PACKAGES=(
    postgresql      # initdb/pg_ctl/postgres for the throwaway test cluster (+ psql)
    openssl
    curl
    ca-certificates
    gnutls-bin      # ocsptool: the second OCSP client in the OCSP interop tests
    softhsm2        # PKCS#11 token for Pkcs11KeyStore tests (/usr/lib/softhsm/libsofthsm2.so, softhsm2-util)
    opensc          # pkcs11-tool, to list token objects from outside the process
    python3-aiosmtpd # a real SMTP server on loopback for the email tests (/usr/bin/python3 -m aiosmtpd)
    zbar-tools      # zbarimg: decodes the server's QR code PNGs in the end-to-end agent tests
    chromium        # the browser the console tests drive with Playwright (/usr/bin/chromium; no browser download)
    scep            # scepclient (micromdm), the real SCEP client of the SCEP interop tests
)

cd "$(dirname "$0")"
ROOT=$(pwd)
SOLUTION=${SOLUTION:-MobileId.slnx}

export DOTNET_CLI_TELEMETRY_OPTOUT=1
export DOTNET_NOLOGO=1
export DOTNET_SKIP_FIRST_TIME_EXPERIENCE=1
if [[ -n "${CI:-}" ]]; then
    # Leave no MSBuild worker nodes behind in CI.
    export MSBUILDDISABLENODEREUSE=1
fi

summary_done=0
# Print the closing line (exactly one) and remember that we did.
summary() {
    local passed=$1 failed=$2 skipped=${3:-0}
    local line="$passed passed, $failed failed"
    (( skipped > 0 )) && line+=", $skipped skipped"
    echo
    echo "$line"
    summary_done=1
}

TMP=""
# Stop the cluster and delete the temp dir; runs once.
torn_down=0
teardown() {
    (( torn_down == 0 )) || return 0
    torn_down=1
    if [[ -n "$TMP" && -d "$TMP" ]]; then
        if [[ -d "$TMP/pg" ]]; then
            "$ROOT/scripts/pg-test-cluster.sh" stop "$TMP/pg" || true
        fi
        rm -rf "$TMP"
    fi
    if [[ -n "${CI:-}" ]]; then
        dotnet build-server shutdown >/dev/null 2>&1 || true
    fi
}
cleanup() {
    local rc=$?
    trap - EXIT INT TERM
    set +e
    teardown
    if (( rc != 0 && summary_done == 0 )); then
        summary 0 1
    fi
    exit "$rc"
}
# Ctrl-C / kill end the script through `exit`, so the EXIT trap tears everything
# down exactly once (postgres runs in its own session and would outlive us).
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# ---------------------------------------------------------------- packages
missing=()
for pkg in "${PACKAGES[@]}"; do
    if ! dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q 'install ok installed'; then
        missing+=("$pkg")
    fi
done
if (( ${#missing[@]} > 0 )); then
    echo "==> installing packages: ${missing[*]}"
    SUDO=()
    if [[ $EUID -ne 0 ]]; then
        if command -v sudo >/dev/null 2>&1; then
            SUDO=(sudo)
        else
            echo "error: missing Debian packages (${missing[*]}); run as root or install sudo" >&2
            exit 1
        fi
    fi
    "${SUDO[@]}" apt-get update -q
    "${SUDO[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends \
        -o DPkg::Lock::Timeout=300 "${missing[@]}"
else
    echo "==> installing packages: all present"
fi

# ---------------------------------------------------------------- postgres
TMP=$(mktemp -d "${TMPDIR:-/tmp}/mobileid-test.XXXXXX")
if [[ $EUID -eq 0 ]] && id postgres >/dev/null 2>&1; then
    # initdb refuses root: the cluster runs as `postgres`, which must reach TMP.
    chown postgres: "$TMP"
fi
PORT=$("$ROOT/scripts/pg-test-cluster.sh" start "$TMP/pg")
echo "==> starting PostgreSQL on 127.0.0.1:$PORT"
export MOBILEID_TEST_POSTGRES="Host=127.0.0.1;Port=$PORT;Username=postgres;Password=unused;Pooling=true;Include Error Detail=true"

# ---------------------------------------------------------------- build
echo "==> building $SOLUTION"
if [[ ! -f "$SOLUTION" ]]; then
    echo "error: solution file $SOLUTION not found in $ROOT" >&2
    exit 1
fi
if ! dotnet restore "$SOLUTION"; then
    echo "error: dotnet restore failed" >&2
    exit 1
fi
if ! dotnet build "$SOLUTION" -c Release --no-restore; then
    echo "error: build failed" >&2
    exit 1
fi

# ---------------------------------------------------------------- test
echo "==> testing"
RESULTS="$TMP/results"
mkdir -p "$RESULTS"
test_rc=0
dotnet test "$SOLUTION" -c Release --no-build \
    --logger "trx" --results-directory "$RESULTS" "$@" || test_rc=$?

# Sum <Counters .../> over every TRX file (one per test project).
attr() { # attr NAME TEXT -> value of NAME="..." in TEXT, 0 if absent
    local v
    v=$(grep -o " $1=\"[0-9]*\"" <<<"$2" | head -n 1 | grep -o '[0-9]\+' || true)
    echo "${v:-0}"
}
# seconds TRX -> how long its run took, from <Times start=... finish=...>
seconds() {
    local times start finish
    times=$(grep -o '<Times [^>]*>' "$1" | head -n 1 || true)
    start=$(grep -o ' start="[^"]*"' <<<"$times" | cut -d'"' -f2 || true)
    finish=$(grep -o ' finish="[^"]*"' <<<"$times" | cut -d'"' -f2 || true)
    if [[ -n "$start" && -n "$finish" ]]; then
        echo $(( $(date -d "$finish" +%s) - $(date -d "$start" +%s) ))
    else
        echo 0
    fi
}
total=0 passed=0 failed=0 skipped=0 trx_count=0
projects=() # one line per test project: seconds, then what is printed
shopt -s nullglob globstar
for trx in "$RESULTS"/**/*.trx; do
    trx_count=$((trx_count + 1))
    counters=$(tr '\n' ' ' <"$trx" | grep -o '<Counters [^>]*>' | head -n 1 || true)
    t=$(attr total "$counters") e=$(attr executed "$counters") n=$(attr notExecuted "$counters")
    p=$(attr passed "$counters")
    f=$(( $(attr failed "$counters") + $(attr error "$counters") + $(attr timeout "$counters") + $(attr aborted "$counters") ))
    # xunit's skipped tests show up as total - executed (notExecuted stays 0).
    s=$(( t - e > n ? t - e : n ))
    total=$((total + t)) passed=$((passed + p)) failed=$((failed + f)) skipped=$((skipped + s))
    # The project: the test assembly the TRX names (codeBase="/…/MobileId.X.Tests.dll"); none when no test ran.
    name=$(grep -o ' codeBase="[^"]*"' "$trx" | head -n 1 | cut -d'"' -f2 || true)
    name=$(basename "${name:-(no test ran)}"); name=${name%.dll}
    secs=$(seconds "$trx")
    projects+=("$secs $(printf '%-24s passed %5d  failed %3d  skipped %3d  %5d s' "$name" "$p" "$f" "$s" "$secs")")
done
shopt -u nullglob globstar

# One line per test project, slowest first.
if (( ${#projects[@]} > 0 )); then
    echo
    echo "==> test projects (slowest first)"
    printf '%s\n' "${projects[@]}" | sort -rn | cut -d' ' -f2- | sed 's/^/    /'
fi

rc=0
if (( trx_count == 0 || total == 0 )); then
    echo "error: no tests ran ($trx_count TRX files, $total tests)" >&2
    rc=1
    (( failed > 0 )) || failed=1
fi
if (( failed > 0 )); then
    rc=1
fi
if (( test_rc != 0 && failed == 0 )); then
    # e.g. a test host crashed or a project could not run: not a pass.
    echo "error: dotnet test exited with $test_rc but no test failed (test host crash or aborted run?); counting one failure" >&2
    failed=1
    rc=1
fi
teardown
summary "$passed" "$failed" "$skipped"
exit "$rc"
