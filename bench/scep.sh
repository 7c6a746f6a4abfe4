#!/usr/bin/env bash
# SCEP enrolments per second with parallel micromdm scepclient processes on loopback, beside the
# raw signing rates (openssl speed) of the keys every enrolment uses, measured in the same run.
#
#   bench/scep.sh [COUNT] [PARALLEL] [BIN]    # default 200 enrolments, 8 clients at a time
#
# Builds the server in Release (or takes a build folder BIN), starts it in a temp directory on
# 127.0.0.1 (SQLite, default ECDSA P-256 issuing CA) and creates an API client. Through the REST
# API it makes an RSA-2048 device policy, a Device Identity (Only) profile with Require Challenge,
# COUNT Cardholders (one CSV import) and a request for each: COUNT one-time codes. Keys are made
# before the clock starts; then COUNT `scepclient` runs, PARALLEL at a time, each enrol with its
# own code (the request is encrypted to the RA, chosen by -ca-fingerprint). Every certificate is
# checked with `openssl verify`. Prints Markdown for docs/performance.md. Traffic goes to
# 127.0.0.1 only; the enrolment phase stops after 10 minutes. KEEP=1 keeps the work folder (logs).
set -euo pipefail
cd "$(dirname "$0")/.."
COUNT=${1:-200}
PARALLEL=${2:-8}
BIN=${3:-}

WORK=$(mktemp -d /tmp/mobileid-scep.XXXXXX)
SERVER_PID=""
cleanup() {
    if [[ -n "$SERVER_PID" ]]; then
        kill "$SERVER_PID" 2>/dev/null || true
        wait "$SERVER_PID" 2>/dev/null || true
    fi
    [[ -n "${KEEP:-}" ]] || rm -rf "$WORK"
}
trap cleanup EXIT

if [[ -z "$BIN" ]]; then
    echo "==> building the server (Release)" >&2
    dotnet build src/MobileId.Server -c Release -o "$WORK/bin" -v quiet -nologo >/dev/null
    BIN="$WORK/bin"
fi
PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()')
BASE="http://127.0.0.1:$PORT"
cd "$WORK"

SECRET=$(dotnet "$BIN/MobileId.Server.dll" admin api-client create --name scep-bench --role Administrator --scope All \
    --Logging:LogLevel:Default=Warning | tail -1)
dotnet "$BIN/MobileId.Server.dll" --urls "$BASE" --Logging:LogLevel:Default=Warning >server.log 2>&1 &
SERVER_PID=$!
for _ in $(seq 1 60); do curl -sf "$BASE/health/ready" >/dev/null && break; sleep 1; done
curl -sf "$BASE/health/ready" >/dev/null || { cat server.log >&2; exit 1; }

api() { # METHOD PATH [JSON]
    curl -sf -X "$1" -H "Authorization: Bearer $SECRET" -H 'Content-Type: application/json' ${3:+--data "$3"} "$BASE$2"
}

echo "==> setting up $COUNT requests" >&2
api PUT /api/v1/settings "{\"values\":{\"webServerExternalAddress\":\"$BASE\"}}" >/dev/null
api POST /api/v1/roles '{"name":"SCEP Operator","scope":"All","workflows":["FindPerson","RequestId"]}' >/dev/null
OPERATOR=$(api POST /api/v1/api-clients '{"name":"scep-operator","role":"SCEP Operator","scope":"All"}' | jq -r '.secret')
api POST /api/v1/policies '{"name":"scep-device","ca":"MobileIdIssuingCA","keyAlgorithm":"Rsa2048","keyUsage":["DigitalSignature","KeyEncipherment"],
  "extendedKeyUsages":["1.3.6.1.5.5.7.3.2"],"subjectTemplate":"CN={displayName}","validityDays":365}' >/dev/null
api POST /api/v1/profiles '{"name":"scep-bench","cardEncoding":"DeviceIdentityOnly","deviceRestriction":"Any","requireChallenge":true,
  "certificates":[{"policy":"scep-device","container":"System Store","mode":"IssueNew"}],
  "roles":[{"role":"Cardholder","canReceive":true,"canRequest":false,"canValidate":false,"canCollect":true,"canUnlock":false},
           {"role":"SCEP Operator","canReceive":false,"canRequest":true,"canValidate":false,"canCollect":false,"canUnlock":false}]}' >/dev/null
{
    echo "logonName,firstName,lastName,email,roles"
    for i in $(seq 1 "$COUNT"); do printf 'scep-%06d,Scep,Device%d,scep-%06d@example.org,Cardholder\n' "$i" "$i" "$i"; done
} >people.csv
curl -sf -H "Authorization: Bearer $SECRET" -H 'Content-Type: text/csv' --data-binary @people.csv "$BASE/api/v1/people/import" >/dev/null
: >codes.txt
for page in $(seq 1 $(( (COUNT + 199) / 200 ))); do
    for id in $(api GET "/api/v1/people?q=scep-&pageSize=200&page=$page" | jq -r '.items[].id'); do
        SECRET=$OPERATOR api POST "/api/v1/people/$id/mobile-ids" '{"profile":"scep-bench","channel":"QrCode"}' | jq -r '.code' | tr -d ' ' >>codes.txt
    done
done
[[ $(wc -l <codes.txt) -eq $COUNT ]] || { echo "made $(wc -l <codes.txt) requests, not $COUNT" >&2; exit 1; }

curl -sf "$BASE/scep?operation=GetCACert" -o cacert.p7b
openssl pkcs7 -inform DER -in cacert.p7b -print_certs >cacerts.pem
RA_FP=$(awk '/Registration Authority/{f=1} f&&/BEGIN/{p=1} p{print} p&&/END/{exit}' cacerts.pem | openssl x509 -outform DER | sha256sum | cut -d' ' -f1)
curl -sf "$BASE/pki/ca/MobileIdIssuingCA.pem" -o chain.pem

echo "==> making $COUNT RSA-2048 device keys (before the clock)" >&2
for i in $(seq 1 "$COUNT"); do mkdir -p "d$i" && openssl genrsa -traditional -out "d$i/k.pem" 2048 2>/dev/null; done

enrol() { # INDEX CODE
    scepclient -server-url "$BASE/scep" -ca-fingerprint "$RA_FP" -challenge "$2" -private-key "d$1/k.pem" -certificate "d$1/c.pem" \
        -cn "scep-device-$1" >"d$1/log" 2>&1
}
export -f enrol
export BASE RA_FP
echo "==> $COUNT enrolments, $PARALLEL scepclient processes at a time" >&2
START=$(date +%s.%N)
paste -d' ' <(seq 1 "$COUNT") codes.txt | timeout 600 xargs -P "$PARALLEL" -n 2 bash -c 'enrol "$0" "$1"' || true
END=$(date +%s.%N)
OK=0
for i in $(seq 1 "$COUNT"); do
    [[ -f "d$i/c.pem" ]] && openssl verify -CAfile chain.pem "d$i/c.pem" >/dev/null 2>&1 && OK=$((OK + 1))
done
ELAPSED=$(echo "$END - $START" | bc -l)

echo "==> openssl speed (server idle)" >&2
CA_SIGN=$(openssl speed -seconds 5 ecdsap256 2>/dev/null | awk '/256 bits ecdsa \(nistp256\)/ {print $(NF-1)}')
RSA=$(openssl speed -seconds 5 rsa2048 2>/dev/null | awk '/^rsa 2048 bits/ {print $(NF-1)}')

echo
echo "Machine: $(nproc) vCPU ($(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs)), $(free -g | awk '/^Mem:/ {print $2}') GiB RAM," \
    "$(. /etc/os-release && echo "$PRETTY_NAME"), .NET SDK $(dotnet --version), scepclient $(dpkg-query -W -f '${Version}' scep), $(date -u +%Y-%m-%d)."
echo
echo "| measure | value |"
echo "| --- | --- |"
printf '| SCEP enrolments (PKCSReq, one-time code, RSA-2048 device key) | %d of %d succeeded and verify |\n' "$OK" "$COUNT"
printf '| wall time, %d scepclient processes at a time | %.1f s |\n' "$PARALLEL" "$ELAPSED"
printf '| **SCEP enrolments per second** | **%.1f** |\n' "$(echo "$OK / $ELAPSED" | bc -l)"
printf '| raw ECDSA P-256 signatures/s (issuing CA key type), 1 core | %s |\n' "$CA_SIGN"
printf '| raw RSA-2048 private-key operations/s (the RA decrypts and signs each enrolment), 1 core | %s |\n' "$RSA"
[[ $OK -eq $COUNT ]]
