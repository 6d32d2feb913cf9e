#!/usr/bin/env bash
# Time-stamps (PAdES B-T, docs/certificates.md): with a time-stamping authority set
# (config set tsa URL), each standard signature carries the authority's RFC 3161 token
# over its value; verify shows when and by whom. When the authority cannot be reached
# or refuses, the act still succeeds, signed B-B, and says so. The authority here is
# tests/tools/test_tsa.cc on 127.0.0.1, never the internet.
source "$(dirname "$0")/lib.sh"
for tool in openssl pdfsig certutil; do
  command -v "$tool" >/dev/null || die "$tool is required (bash scripts/setup.sh installs it)"
done
quiet() { "$@" >"$TMP/.tool" 2>&1 || die "$* failed: $(cat "$TMP/.tool")"; }

step "a time-stamping authority on 127.0.0.1"
start_test_tsa
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
assert_jq '[.signatures[].timestamp.trusted] | unique | join(",")' false "the authority is not trusted here yet"
vb verify "$TMP/issued.pdf"
assert_contains "$OUT" "time-stamped" "the text says it too"
assert_contains "$OUT" "(authority not trusted here)" "and that the authority is not trusted here"
must trust add "$TMP/tsa.pem"
vb --json verify "$TMP/issued.pdf"
assert_jq '[.signatures[].timestamp.trusted] | unique | join(",")' true "trusted once its root is added (trust add)"
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

step "pdf timestamp: the unstamped PDF gets a document time-stamp later (ETSI.RFC3161)"
must config set tsa ""
assert_vb 2 pdf timestamp "$DOC" -o "$TMP/late.pdf"
assert_contains "$ERR" "no time-stamping authority" "no authority: says how to set one"
vb pdf timestamp "$DOC" -o "$TMP/late.pdf" --tsa "http://127.0.0.1:1/"
assert_eq 5 "$RC" "an authority out of reach: exit 5"
[[ ! -e $TMP/late.pdf ]] && ok || fail "nothing written when the authority is out of reach"
vb pdf timestamp "$TMP/unstamped.pdf" -o "$TMP/late.pdf" --tsa "http://127.0.0.1:$PORT/refuse"
assert_ne 0 "$RC" "an authority that refuses: refused"
assert_contains "$ERR" "refused" "says the authority refused"
[[ ! -e $TMP/late.pdf ]] && ok || fail "nothing written when the authority refuses"
printf '%%PDF-1.7\n%%%%EOF\n' >"$TMP/empty.pdf"
assert_vb 2 pdf timestamp "$TMP/empty.pdf" -o "$TMP/late.pdf" --tsa "http://127.0.0.1:$PORT/"
vb --json pdf timestamp "$DOC" -o "$TMP/late.pdf" --tsa "http://127.0.0.1:$PORT/"
assert_eq 0 "$RC" "time-stamped from the stored signed PDF"
assert_jq '.authority' "Test TSA" "by the authority"
assert_jq '.field' "dau-thoi-gian-1" "in its own field"
STAMPED_AT=$(jqo .time)
cmp -s "$TMP/unstamped.pdf" <(head -c "$(stat -c %s "$TMP/unstamped.pdf")" "$TMP/late.pdf") && ok ||
  fail "an incremental update: the signed bytes are kept as they were"
grep -qa "/ETSI.RFC3161" "$TMP/late.pdf" && grep -qa "/DocTimeStamp" "$TMP/late.pdf" && ok || fail "a /DocTimeStamp, /ETSI.RFC3161"
vb --json verify "$TMP/late.pdf"
assert_eq 0 "$RC" "vanban verify: still valid, the time-stamp covering the rest of the file"
assert_jq '.signatures | length' 2 "the two signatures"
assert_jq '[.document_timestamps[] | .valid, .trusted, .authority, .time] | join(" ")' "true true Test TSA $STAMPED_AT" "the document time-stamp, from an authority trusted here"
vb verify "$TMP/late.pdf"
assert_contains "$OUT" "document time-stamp $STAMPED_AT by Test TSA" "the text says it"
# Checked by OpenSSL alone: the token over the bytes it covers, from the authority.
must verify "$TMP/late.pdf" --signatures "$TMP/late-sigs"
run openssl ts -verify -data "$TMP/late-sigs/3.bin" -in "$TMP/late-sigs/3.p7s" -token_in -CAfile "$TMP/tsa.pem"
assert_eq 0 "$RC" "openssl ts -verify accepts the document time-stamp"
assert_contains "$OUT" "Verification: OK" "OpenSSL says OK"
run qpdf --check "$TMP/late.pdf"
assert_eq 0 "$RC" "qpdf --check is clean"
run pdfsig -nssdir "sql:$TMP/nss" "$TMP/late.pdf"
assert_eq 2 "$(grep -c "Signature Validation: Signature is Valid." <<<"$OUT")" "pdfsig: both signatures still valid"
assert_eq 3 "$(grep -c "^Signature #" <<<"$OUT")" "pdfsig lists the document time-stamp as a third signature"
assert_contains "$(awk '/^Signature #3:/{p=1} p' <<<"$OUT")" "Total document signed" "pdfsig: the time-stamp covers the whole file"
# A second one on top, from the file.
vb --json pdf timestamp "$TMP/late.pdf" -o "$TMP/later.pdf" --tsa "http://127.0.0.1:$PORT/"
assert_jq '.field' "dau-thoi-gian-2" "a second time-stamp, a field of its own"
vb --json verify "$TMP/later.pdf"
assert_eq 0 "$RC" "valid with two time-stamps"
assert_jq '[.document_timestamps[].valid] | join(",")' "true,true" "both time-stamps valid"
# One byte changed in what the time-stamp covers, after the seal: invalid, named.
python3 - "$TMP/late.pdf" "$TMP/late-bad.pdf" <<'PY'
import sys
b = bytearray(open(sys.argv[1], 'rb').read())
at = b.rindex(b'/DocTimeStamp')
b[at + 1] = ord('X')  # /XocTimeStamp: the stamped revision's bytes changed
open(sys.argv[2], 'wb').write(bytes(b))
PY
vb --json verify "$TMP/late-bad.pdf"
assert_eq 1 "$RC" "a changed byte under the time-stamp: invalid"
assert_contains "$(jqo '.problems | join(" | ")')" "dau-thoi-gian-1" "names the time-stamp"

vb --json config show
assert_jq .tsa null "unset"

finish
