#!/usr/bin/env bash
# OCSP responder load test: MobileId's /pki/ocsp against `openssl ocsp -index … -port` with the
# same signer key, in the same run, with wrk on loopback.
#
#   bench/ocsp-vs-openssl.sh [SECONDS] [ROUNDS]    # default 8 s per wrk run, 3 rounds
#
# Builds the server in Release and starts it in a temp directory (SQLite, defaults); issues two
# EC P-256 certificates under a policy through the REST API and revokes one. The reference is
# `openssl ocsp` answering from an index.txt with the same two certificates, signed with the very
# key and certificate of MobileId's delegated responder for the issuing CA: the script decrypts
# that key from the throwaway key store of this run (data/keys, AES-256-GCM under
# data/keys/master.key, the format of SoftwareKeyStore) with python3-cryptography. openssl runs
# with -multi 2, one worker per core of the standard machine.
#
# Three kinds of request, each driven by wrk (2 threads, 16 connections) against both:
#   * POST without nonce (RFC 5019, what relying parties send at scale; MobileId pre-signs these),
#   * GET without nonce (RFC 5019 §5, URL-escaped base64),
#   * POST with a nonce (RFC 6960/9654; signed for every request by both).
# openssl is also measured with 2 connections (one per worker) on the first kind; the ratio is
# taken against the better openssl figure. Each row is the median over ROUNDS rounds in which the
# two responders alternate; MobileId gets one unreported warm-up pass (JIT) first.
#
# Every process measured here runs in a private network namespace that has only its own loopback:
# `openssl ocsp -port` listens on every interface ([::]:PORT) and has no option to bind 127.0.0.1.
# Traffic goes to 127.0.0.1 only and every run is bounded in time.
#
# Needs: the .NET SDK, openssl, python3 with python3-cryptography, wrk, curl, unshare (util-linux)
# and ip/ss (iproute2); missing Debian packages are installed with apt-get.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$(pwd)

if [[ ${1:-} != --in-netns ]]; then
    DURATION=${1:-8}
    ROUNDS=${2:-3}
    missing=()
    command -v wrk >/dev/null || missing+=(wrk)
    command -v curl >/dev/null || missing+=(curl)
    command -v unshare >/dev/null || missing+=(util-linux)
    { command -v ip && command -v ss; } >/dev/null || missing+=(iproute2)
    python3 -c 'import cryptography' 2>/dev/null || missing+=(python3-cryptography)
    if ((${#missing[@]})); then
        apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
    fi

    WORK=$(mktemp -d /tmp/mobileid-ocsp.XXXXXX)
    trap 'rm -rf "$WORK"' EXIT
    echo "==> building the server (Release)" >&2
    dotnet build src/MobileId.Server -c Release -o "$WORK/bin" -v quiet -nologo >/dev/null
    if [[ $EUID -eq 0 ]]; then
        unshare --net -- bash "$ROOT/bench/ocsp-vs-openssl.sh" --in-netns "$WORK" "$DURATION" "$ROUNDS"
    else
        unshare --net --map-root-user -- bash "$ROOT/bench/ocsp-vs-openssl.sh" --in-netns "$WORK" "$DURATION" "$ROUNDS"
    fi
    exit
fi

# ---- From here on: inside the private network namespace. ----
WORK=$2
DURATION=$3
ROUNDS=$4
cd "$WORK"
ip link set lo up

SERVER_PID=""
OPENSSL_PID=""
stop_openssl() {
    [[ -n "$OPENSSL_PID" ]] || return 0
    # Note: with -multi, openssl puts itself and its workers in a process group of their own. The
    # parent only notices SIGTERM when a worker exits, so the whole group is signalled.
    kill -TERM -- "-$OPENSSL_PID" 2>/dev/null || kill -TERM "$OPENSSL_PID" 2>/dev/null || true
    for _ in $(seq 1 50); do
        pgrep -g "$OPENSSL_PID" >/dev/null || break
        sleep 0.1
    done
    kill -KILL -- "-$OPENSSL_PID" 2>/dev/null || true
    wait "$OPENSSL_PID" 2>/dev/null || true
    OPENSSL_PID=""
}
cleanup() {
    stop_openssl
    if [[ -n "$SERVER_PID" ]]; then
        kill "$SERVER_PID" 2>/dev/null || true
        wait "$SERVER_PID" 2>/dev/null || true
    fi
}
trap cleanup EXIT

free_port() {
    python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()'
}
json() { # file, key: prints one top-level field of a JSON object
    python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))[sys.argv[2]])' "$1" "$2"
}

# ---- MobileId: CAs, API client, server, two certificates (one revoked). ----
echo "==> starting MobileId (first start creates the CAs)" >&2
SECRET=$(dotnet bin/MobileId.Server.dll admin api-client create --name ocsp-bench --role Administrator --scope All \
    --Logging:LogLevel:Default=Warning | tail -1)
PORT=$(free_port)
BASE="http://127.0.0.1:$PORT"
dotnet bin/MobileId.Server.dll --urls "$BASE" --Logging:LogLevel:Default=Warning >server.log 2>&1 &
SERVER_PID=$!
for _ in $(seq 1 60); do curl -sf "$BASE/health/ready" >/dev/null && break; sleep 1; done
curl -sf "$BASE/health/ready" >/dev/null || { cat server.log >&2; exit 1; }

api() { # method, path, JSON body file, output file
    curl -sS --fail-with-body -X "$1" -H "Authorization: Bearer $SECRET" -H "Content-Type: application/json" \
        --data-binary "@$3" -o "$4" "$BASE$2" || { cat "$4" >&2; exit 1; }
}

cat >policy.json <<'JSON'
{"name": "ocsp-bench", "ca": "MobileIdIssuingCA", "keyAlgorithm": "EcdsaP256", "keyUsage": ["DigitalSignature"],
 "extendedKeyUsages": ["1.3.6.1.5.5.7.3.2"], "subjectTemplate": "CN={displayName},O=Example", "sanEmail": true, "validityDays": 365}
JSON
api POST /api/v1/policies policy.json policy.out.json
for name in good revoked; do
    printf '{"logonName": "ocsp-%s", "lastName": "%s", "email": "ocsp-%s@example.org"}' "$name" "$name" "$name" >"person-$name.json"
    api POST /api/v1/people "person-$name.json" "person-$name.out.json"
    openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout "$name.key" -subj "/CN=$name" \
        -out "$name.csr" 2>/dev/null
    python3 -c 'import json,sys; print(json.dumps({"policy": "ocsp-bench", "csr": open(sys.argv[1]).read()}))' "$name.csr" \
        >"issue-$name.json"
    api POST "/api/v1/people/$(json "person-$name.out.json" id)/certificates" "issue-$name.json" "cert-$name.json"
    json "cert-$name.json" pem >"$name.pem"
done
echo '{"reason": "KeyCompromise"}' >revoke.json
api POST "/api/v1/certificates/$(json cert-revoked.json id)/revoke" revoke.json revoked.out.json

curl -sf "$BASE/pki/ca/MobileIdIssuingCA.crt" | openssl x509 -inform DER -out issuing.pem
curl -sf "$BASE/pki/ca/MobileIdIssuingCA.pem" -o chain.pem

# ---- OCSP requests: two without nonce (RFC 5019), one with. ----
openssl ocsp -issuer issuing.pem -cert good.pem -no_nonce -reqout req-good.der >/dev/null
openssl ocsp -issuer issuing.pem -cert revoked.pem -no_nonce -reqout req-revoked.der >/dev/null
openssl ocsp -issuer issuing.pem -cert good.pem -reqout req-nonce.der >/dev/null
GET_PATH=$(python3 -c 'import base64,sys,urllib.parse; print(urllib.parse.quote(base64.b64encode(open(sys.argv[1],"rb").read()).decode(), safe=""))' req-good.der)
for kind in good nonce; do
    printf 'wrk.method = "POST"\nwrk.body = io.open("req-%s.der", "rb"):read("*a")\nwrk.headers["Content-Type"] = "application/ocsp-request"\n' \
        "$kind" >"post-$kind.lua"
done

check() { # label, URL, certificate, expected status, extra openssl ocsp arguments...
    local label=$1 url=$2 cert=$3 expected=$4
    shift 4
    local out
    out=$(openssl ocsp -issuer issuing.pem -cert "$cert" -url "$url" -CAfile chain.pem "$@" 2>&1) || true
    if ! grep -q "Response verify OK" <<<"$out" || ! grep -q "^$cert: $expected" <<<"$out"; then
        echo "$label: expected a verified '$expected' answer for $cert, got:" >&2
        echo "$out" >&2
        exit 1
    fi
}
# The first request makes MobileId create its delegated responder for the issuing CA.
check MobileId "$BASE/pki/ocsp" good.pem good -no_nonce
check MobileId "$BASE/pki/ocsp" revoked.pem revoked -no_nonce
check MobileId "$BASE/pki/ocsp" good.pem good

# ---- The reference: the same responder key and certificate, and an index.txt of the two certificates. ----
python3 - <<'PY'
import base64, sqlite3
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

db = sqlite3.connect("file:data/mobileid.db?mode=ro", uri=True)
key_id, der = db.execute(
    "select r.KeyId, r.CertificateDer from ocsp_responders r join certificate_authorities c on c.Id = r.IssuerId "
    "where c.Name = 'MobileIdIssuingCA' order by r.NotAfter desc limit 1").fetchone()
# SoftwareKeyStore blob: "MIDK1" | 12-octet nonce | 16-octet tag | PKCS#8 ciphertext; associated data "key:<id>".
blob = open(f"data/keys/{key_id}.key", "rb").read()
assert blob[:5] == b"MIDK1", "not a software key-store blob"
master = base64.b64decode(open("data/keys/master.key").read())
pkcs8 = AESGCM(master).decrypt(blob[5:17], blob[33:] + blob[17:33], f"key:{key_id}".encode())
key = serialization.load_der_private_key(pkcs8, None)
with open("responder.key", "wb") as f:
    f.write(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()))
with open("responder.pem", "w") as f:
    f.write("-----BEGIN CERTIFICATE-----\n" + base64.encodebytes(der).decode() + "-----END CERTIFICATE-----\n")
PY
chmod 600 responder.key
if [[ $(openssl pkey -in responder.key -pubout) != $(openssl x509 -in responder.pem -noout -pubkey) ]]; then
    echo "The decrypted responder key does not belong to the responder certificate." >&2
    exit 1
fi
RESPONDER_ALG=$(openssl x509 -in responder.pem -noout -text | grep -E "Public Key Algorithm|NIST CURVE" | sed 's/.*: //' | paste -sd' ')

index_line() { # status, certificate, revocation field
    printf '%s\t%s\t%s\t%s\tunknown\t%s\n' "$1" \
        "$(date -u -d "$(openssl x509 -in "$2" -noout -enddate | cut -d= -f2)" +%y%m%d%H%M%SZ)" "$3" \
        "$(openssl x509 -in "$2" -noout -serial | cut -d= -f2)" \
        "$(openssl x509 -in "$2" -noout -subject -nameopt compat | sed 's/^subject=//')"
}
{
    index_line V good.pem ""
    index_line R revoked.pem "$(date -u -d "$(json revoked.out.json revokedAt)" +%y%m%d%H%M%SZ),keyCompromise"
} >index.txt
echo "unique_subject = no" >index.txt.attr

OPORT=$(free_port)
OBASE="http://127.0.0.1:$OPORT"
start_openssl() {
    # -resp_key_id and -nmin 60: the same responder ID form and validity as MobileId's answers.
    openssl ocsp -index index.txt -CA issuing.pem -rsigner responder.pem -rkey responder.key -resp_key_id -nmin 60 \
        -multi 2 -port "$OPORT" >>openssl.log 2>&1 &
    OPENSSL_PID=$!
    # Note: readiness is read from the socket table, not by connecting. A worker of OpenSSL 3.0's
    # responder that sees a connection close without a request keeps reading EOF at 100 % CPU;
    # for the same reason a fresh responder is started for every run.
    for _ in $(seq 1 50); do
        ss -Hltn "sport = :$OPORT" | grep -q . && return 0
        sleep 0.1
    done
    echo "openssl ocsp did not start:" >&2
    cat openssl.log >&2
    exit 1
}
start_openssl
check openssl "$OBASE" good.pem good -no_nonce
check openssl "$OBASE" revoked.pem revoked -no_nonce
check openssl "$OBASE" good.pem good
curl -sf "$OBASE/$GET_PATH" -o get-openssl.der
curl -sf "$BASE/pki/ocsp/$GET_PATH" -o get-mobileid.der
for who in openssl mobileid; do
    openssl ocsp -respin "get-$who.der" -issuer issuing.pem -cert good.pem -CAfile chain.pem -no_nonce 2>&1 \
        | grep -q "good.pem: good" || { echo "GET answer of $who does not verify" >&2; exit 1; }
done
stop_openssl
SIZES="answer to the request without nonce: MobileId $(wc -c <get-mobileid.der) bytes, openssl $(wc -c <get-openssl.der) bytes"

# ---- Measurements. ----
mkdir -p runs
measure() { # file name, seconds, URL, extra wrk arguments...
    local name=$1 seconds=$2 url=$3
    shift 3
    timeout $((seconds + 30)) wrk -t2 -c16 -d"${seconds}s" --latency "$@" "$url" >"runs/$name" 2>&1 || true
}
measure_openssl() { # file name, path, extra wrk arguments...
    local name=$1 path=$2
    shift 2
    start_openssl
    measure "$name" "$DURATION" "$OBASE$path" "$@"
    stop_openssl
}

echo "==> warming up MobileId (not reported)" >&2
measure warmup-post 3 "$BASE/pki/ocsp" -s post-good.lua
measure warmup-get 3 "$BASE/pki/ocsp/$GET_PATH"
measure warmup-nonce 3 "$BASE/pki/ocsp" -s post-nonce.lua

LOAD_BEFORE=$(cut -d' ' -f1-3 /proc/loadavg)
for round in $(seq 1 "$ROUNDS"); do
    echo "==> round $round of $ROUNDS (${DURATION} s per run)" >&2
    measure_openssl "openssl-post.$round" / -s post-good.lua
    measure "mobileid-post.$round" "$DURATION" "$BASE/pki/ocsp" -s post-good.lua
    measure_openssl "openssl-get.$round" "/$GET_PATH"
    measure "mobileid-get.$round" "$DURATION" "$BASE/pki/ocsp/$GET_PATH"
    measure_openssl "openssl-nonce.$round" / -s post-nonce.lua
    measure "mobileid-nonce.$round" "$DURATION" "$BASE/pki/ocsp" -s post-nonce.lua
    # openssl's responder is one request at a time per worker: also try one connection per worker.
    start_openssl
    timeout $((DURATION + 30)) wrk -t2 -c2 -d"${DURATION}s" --latency -s post-good.lua "$OBASE/" >"runs/openssl-post-c2.$round" 2>&1 || true
    stop_openssl
done
LOAD_AFTER=$(cut -d' ' -f1-3 /proc/loadavg)

echo
echo "machine: $(nproc) cores ($(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs)), load average $LOAD_BEFORE before and $LOAD_AFTER after"
echo "$(openssl version); responder key: $RESPONDER_ALG (the same key and certificate for both); wrk $DURATION s per run, median of $ROUNDS rounds"
echo "$SIZES"
echo
python3 - "$ROUNDS" <<'PY'
import re, statistics, sys

rounds = int(sys.argv[1])

def ms(text):
    value, unit = re.fullmatch(r"([\d.]+)(us|ms|s)", text).groups()
    return float(value) * {"us": 0.001, "ms": 1, "s": 1000}[unit]

def parse(path):
    text = open(path).read()
    rps = re.search(r"Requests/sec:\s+([\d.]+)", text)
    p50 = re.search(r"^\s+50%\s+(\S+)", text, re.M)
    p99 = re.search(r"^\s+99%\s+(\S+)", text, re.M)
    non2xx = re.search(r"Non-2xx or 3xx responses:\s+(\d+)", text)
    sock = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", text)
    if not (rps and p50 and p99):
        raise SystemExit(f"{path}: no wrk result:\n{text}")
    return (float(rps.group(1)), ms(p50.group(1)), ms(p99.group(1)), int(non2xx.group(1)) if non2xx else 0,
            sum(map(int, sock.groups())) if sock else 0)

def row(name):
    runs = [parse(f"runs/{name}.{r}") for r in range(1, rounds + 1)]
    return (statistics.median(r[0] for r in runs), statistics.median(r[1] for r in runs),
            statistics.median(r[2] for r in runs), sum(r[3] for r in runs), sum(r[4] for r in runs))

def fmt_ms(value):
    return f"{value * 1000:.0f} µs" if value < 1 else f"{value:.2f} ms"

rows = [
    ("MobileId, POST, no nonce (RFC 5019, pre-signed)", "mobileid-post"),
    ("openssl ocsp -multi 2, POST, no nonce", "openssl-post"),
    ("openssl ocsp -multi 2, POST, no nonce, 2 connections", "openssl-post-c2"),
    ("MobileId, GET, no nonce (RFC 5019, pre-signed)", "mobileid-get"),
    ("openssl ocsp -multi 2, GET, no nonce", "openssl-get"),
    ("MobileId, POST, with nonce (signed per request)", "mobileid-nonce"),
    ("openssl ocsp -multi 2, POST, with nonce", "openssl-nonce"),
]
results = {key: row(key) for _, key in rows}
print("| responder | requests/s | p50 | p99 | non-2xx | socket errors |")
print("|---|---|---|---|---|---|")
for label, key in rows:
    rps, p50, p99, non2xx, sock = results[key]
    print(f"| {label} | {rps:.0f} | {fmt_ms(p50)} | {fmt_ms(p99)} | {non2xx} | {sock} |")
print()
best_post = max(results["openssl-post"][0], results["openssl-post-c2"][0])
for label, ours, theirs in [("POST, no nonce (against openssl's better figure)", results["mobileid-post"][0], best_post),
                            ("GET, no nonce", results["mobileid-get"][0], results["openssl-get"][0]),
                            ("POST, with nonce", results["mobileid-nonce"][0], results["openssl-nonce"][0])]:
    print(f"MobileId / openssl, {label}: {ours / theirs:.1f}x")
ok = (results["mobileid-post"][0] >= 3 * best_post and results["mobileid-get"][0] >= 3 * results["openssl-get"][0]
      and results["mobileid-post"][2] < 5 and results["mobileid-get"][2] < 5)
print(f"goal (RFC 5019 requests: at least 3x openssl's requests/s, p99 under 5 ms): {'met' if ok else 'not met'}")
PY
