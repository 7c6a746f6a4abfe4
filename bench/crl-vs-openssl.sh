#!/usr/bin/env bash
# Times a CRL of N revoked certificates (default 1,000,000) two ways and prints both:
#   * `openssl ca -gencrl` over an index.txt of N revoked entries (EC P-256 CA made with `openssl req -x509`);
#   * MobileId's CrlBuilder (bench/MobileId.Benchmarks `crl-demo N`, EC P-256 issuing CA), cold and warm.
# Both CRLs are then read back with `openssl crl` as a sanity check.
#
#   bench/crl-vs-openssl.sh [N]
#
# Needs: openssl, python3, /usr/bin/time (Debian `time`), the .NET SDK.
set -euo pipefail

N=${1:-1000000}
cd "$(dirname "$0")/.."
ROOT=$(pwd)
WORK=$(mktemp -d "${TMPDIR:-/tmp}/crl-vs-openssl.XXXXXX")
trap 'rm -rf "$WORK"' EXIT

echo "==> building bench/MobileId.Benchmarks (Release)"
if ! build_log=$(dotnet build "$ROOT/bench/MobileId.Benchmarks" -c Release -nologo 2>&1); then
    echo "$build_log" >&2
    exit 1
fi

cd "$WORK"
echo "==> openssl CA (EC P-256) and index.txt with $N revoked entries"
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout ca.key -out ca.pem -days 3650 -sha256 \
    -subj "/O=MobileId/CN=openssl Bench CA" -addext "keyUsage=critical,keyCertSign,cRLSign" 2>/dev/null
# Same shape as CrlFixture.CreateEntries: random 16-octet positive serials, revoked one second apart,
# reasons cycling keyCompromise, superseded, cessationOfOperation, none.
python3 - "$N" >index.txt <<'PY'
import os, sys, time
n = int(sys.argv[1])
now = int(time.time())
reasons = [",keyCompromise", ",superseded", ",cessationOfOperation", ""]
out = sys.stdout
lines = []
for i in range(n):
    serial = bytearray(os.urandom(16))
    serial[0] = (serial[0] & 0x7F) or 1
    revoked = time.strftime("%y%m%d%H%M%SZ", time.gmtime(now - i)) + reasons[i % 4]
    lines.append(f"R\t351231235959Z\t{revoked}\t{serial.hex().upper()}\tunknown\t/CN=leaf{i}\n")
    if len(lines) == 65536:
        out.write("".join(lines))
        lines.clear()
out.write("".join(lines))
PY
echo "unique_subject = no" >index.txt.attr
echo 01 >crlnumber
cat >ca.cnf <<'CNF'
[ ca ]
default_ca = bench
[ bench ]
database = index.txt
crlnumber = crlnumber
certificate = ca.pem
private_key = ca.key
default_md = sha256
default_crl_days = 7
crl_extensions = crl_ext
[ crl_ext ]
authorityKeyIdentifier = keyid:always
CNF

echo "==> openssl ca -gencrl"
/usr/bin/time -f %e -o openssl.seconds openssl ca -config ca.cnf -gencrl -out openssl.crl -batch 2>openssl.log \
    || { cat openssl.log >&2; exit 1; }
openssl_count=$(openssl crl -in openssl.crl -noout -text | grep -c "Serial Number:")

echo "==> MobileId CrlBuilder"
dotnet "$ROOT/bench/MobileId.Benchmarks/bin/Release/net10.0/MobileId.Benchmarks.dll" crl-demo "$N" mobileid.crl | tee mobileid.txt
mobileid_count=$(openssl crl -inform DER -in mobileid.crl -noout -text | grep -c "Serial Number:")

openssl_der=$(openssl crl -in openssl.crl -outform DER | wc -c)

echo
echo "machine: $(nproc) cores, load average $(cut -d' ' -f1-3 /proc/loadavg)"
echo "openssl ca -gencrl:          $N entries in $(cat openssl.seconds) s (wall; includes reading index.txt), $openssl_der bytes DER, $openssl_count entries read back"
cat mobileid.txt
echo "MobileId CRL read back by openssl: $mobileid_count entries"
