#!/usr/bin/env bash
# Time-stamps (PAdES B-T, docs/certificates.md): with a time-stamping authority set
# (config set tsa URL), each standard signature carries the authority's RFC 3161 token
# over its value; verify shows when and by whom. When the authority cannot be reached
# or refuses, the act still succeeds, signed B-B, and says so. The authority here is
# tests/tools/test_tsa.cc on 127.0.0.1, never the internet.
source "$(dirname "$0")/lib.sh"
TSA_BIN="$(dirname "$VANBAN")/vanban_test_tsa"
[[ -x $TSA_BIN ]] || die "$TSA_BIN is missing (built with the tests)"
for tool in openssl pdfsig certutil; do
  command -v "$tool" >/dev/null || die "$tool is required (bash scripts/setup.sh installs it)"
done
quiet() { "$@" >"$TMP/.tool" 2>&1 || die "$* failed: $(cat "$TMP/.tool")"; }

step "a time-stamping authority on 127.0.0.1"
quiet openssl req -x509 -newkey rsa:2048 -nodes -keyout "$TMP/tsa.key" -out "$TMP/tsa.pem" -days 30 \
  -subj "/C=VN/O=Test/CN=Test TSA" -addext "extendedKeyUsage=critical,timeStamping" \
  -addext "keyUsage=critical,digitalSignature"
"$TSA_BIN" "$TMP/tsa.pem" "$TMP/tsa.key" "$TMP/tsa.port" >"$TMP/tsa.log" 2>&1 &
for _ in $(seq 50); do [[ -s $TMP/tsa.port ]] && break; sleep 0.1; done
[[ -s $TMP/tsa.port ]] || die "the test TSA did not start: $(cat "$TMP/tsa.log")"
PORT=$(<"$TMP/tsa.port")

# The real clock: the authority's tokens say now.
clock_set ""
setup_org "$TMP/langson"
must org certificate -o "$TMP/ca.pem"

step "config set tsa: an http:// URL, shown by config show"
vb --json config show
assert_jq .tsa null "no authority at first"
assert_vb 2 config set tsa "https://tsa.example.vn"
assert_contains "$ERR" "http:// URL" "says what it takes"
assert_vb 2 config set nothing "x"
assert_contains "$ERR" "no node setting 'nothing'" "an unknown setting"
must config set tsa "http://127.0.0.1:$PORT/"
vb --json config show
assert_jq .tsa "http://127.0.0.1:$PORT/" "set"

step "signed and issued with the authority's time-stamps (B-T)"
full_workflow "$SAMPLES/directive-2021-thi-dua.md"
must export pdf "$DOC" -o "$TMP/issued.pdf"
vb --json verify "$TMP/issued.pdf"
assert_eq 0 "$RC" "valid"
assert_jq '[.signatures[].timestamp.authority] | unique | join(",")' "Test TSA" "both signatures time-stamped by the authority"
assert_jq '.signatures[0].timestamp.time | test("^20[0-9-]+T[0-9:]+\\+07:00$")' true "the token's time, with the offset"
vb verify "$TMP/issued.pdf"
assert_contains "$OUT" "time-stamped" "the text says it too"
must verify "$TMP/issued.pdf" --signatures "$TMP/sigs"
run openssl cms -cmsout -print -inform DER -in "$TMP/sigs/1.p7s"
assert_contains "$OUT" "id-smime-aa-timeStampToken" "the token is the signature's unsigned attribute"
run openssl cms -verify -binary -inform DER -in "$TMP/sigs/1.p7s" -content "$TMP/sigs/1.bin" -CAfile "$TMP/ca.pem" -out /dev/null
assert_eq 0 "$RC" "OpenSSL still verifies the signature"
mkdir -p "$TMP/nss"
quiet certutil -N -d "sql:$TMP/nss" --empty-password
quiet certutil -A -d "sql:$TMP/nss" -n langson -t "CT,C,C" -i "$TMP/ca.pem"
run pdfsig -nssdir "sql:$TMP/nss" "$TMP/issued.pdf"
assert_eq 2 "$(grep -c "Signature Validation: Signature is Valid." <<<"$OUT")" "pdfsig: both valid"

step "an authority that cannot be reached or refuses: signed B-B, and said"
new_doc chuyenvien "$SAMPLES/directive-2021-thi-dua.md"
must_as chuyenvien submit "$DOC" --to pgd
must config set tsa "http://127.0.0.1:1/"
as pgd sign "$DOC"
assert_eq 0 "$RC" "signing goes on"
assert_contains "$ERR" "signed without a time-stamp (PAdES B-B): cannot reach the time-stamping authority http://127.0.0.1:1/" "says why"
must config set tsa "http://127.0.0.1:$PORT/refuse"
as vanthu issue "$DOC"
assert_eq 0 "$RC" "issuing goes on"
assert_contains "$ERR" "the time-stamping authority refused" "the authority's refusal"
must export pdf "$DOC" -o "$TMP/unstamped.pdf"
vb --json verify "$TMP/unstamped.pdf"
assert_eq 0 "$RC" "valid, B-B"
assert_jq '[.signatures[].timestamp | select(. != null)] | length' 0 "no time-stamp"
must config set tsa ""
vb --json config show
assert_jq .tsa null "unset"

finish
