#!/usr/bin/env bash
# A signer whose key is on a PKCS#11 token (docs/certificates.md): SoftHSM2 stands
# for the USB token, holding a certificate from a chain shaped like the national
# one (root CA -> subordinate CA -> the person, keyUsage digitalSignature +
# nonRepudiation). The signer binds it with 'key token'; their signature in the PDF
# is made on the token with its PIN; pdfsig trusts it given only the test root and
# the organisation's authority. A wrong PIN and a missing token change nothing.
source "$(dirname "$0")/lib.sh"
for tool in pdfsig certutil openssl; do
  command -v "$tool" >/dev/null || die "$tool is required (bash scripts/setup.sh installs it)"
done
MODULE=/usr/lib/softhsm/libsofthsm2.so

quiet() { "$@" >"$TMP/.tool" 2>&1 || die "$* failed: $(cat "$TMP/.tool")"; }

step "a SoftHSM2 token with the person's key, certificate and issuing authority"
LABEL="Chữ ký số Test"
PIN=246810
quiet bash "$ROOT/tests/data/make-token.sh" "$TMP" "$LABEL" "$PIN"
export SOFTHSM2_CONF="$TMP/softhsm2.conf"
SERIAL=$(openssl x509 -in "$TMP/leaf.pem" -noout -serial | cut -d= -f2 | tr A-F a-f | sed 's/^0*//')  # the hex without leading zeros: vanban writes whole bytes (a leading 0 nibble)
printf '%s\n' "$PIN" >"$TMP/pin"
printf '000000\n' >"$TMP/wrong-pin"

# The real clock: the test chain starts now, and pdfsig judges it today.
clock_set ""
setup_org "$TMP/langson"
must org certificate -o "$TMP/org-ca.pem"
records() { "$VANBAN" --home "$H" --json check 2>/dev/null | jq -r .records; }

step "the chain must reach a root the organisation trusts"
as pgd --pin-file "$TMP/pin" key token --module "$MODULE" --token "$LABEL"
assert_eq 3 "$RC" "refused before the root is trusted"
assert_contains "$ERR" "trust add" "says how to trust the root"
[[ ! -e "$H/keys/person-pgd.token" ]] && ok || fail "nothing written when refused"
must trust add "$TMP/root.pem"

step "a wrong PIN is exit 2 and changes nothing; a missing token is named"
before=$(records)
as pgd --pin-file "$TMP/wrong-pin" key token --module "$MODULE" --token "$LABEL"
assert_eq 2 "$RC" "wrong PIN: exit 2"
assert_contains "$ERR" "wrong PIN for token '$LABEL' ($MODULE)" "names the token and module"
assert_eq "$before" "$(records)" "no record made"
[[ ! -e "$H/keys/person-pgd.token" ]] && ok || fail "no token file after a wrong PIN"
as pgd --pin-file "$TMP/pin" key token --module "$MODULE" --token "Không có"
assert_eq 4 "$RC" "no such token: exit 4"
assert_contains "$ERR" "no token 'Không có' in $MODULE (tokens present: '$LABEL')" "names the token and the module"
as pgd --pin-file "$TMP/pin" key token --module "$TMP/nothing.so"
assert_eq 4 "$RC" "no module: exit 4"
assert_contains "$ERR" "no PKCS#11 module at $TMP/nothing.so" "names the module"
as pgd --pin-file "$TMP/pin" key token --module "$MODULE" --id ff
assert_eq 4 "$RC" "no key with that id: exit 4"
assert_contains "$ERR" "no certificate with id ff" "names the id"
assert_contains "$ERR" "(ids: 0a1b)" "lists the ids there"
as chuyenvien --pin-file "$TMP/pin" key token --module "$MODULE"
assert_eq 3 "$RC" "a drafter binds no signing certificate"
assert_contains "$ERR" "does not hold the role signer" "says why"

step "the signer binds the token's certificate (PIN from \$VANBAN_PIN)"
VANBAN_PIN=$PIN as pgd --json key token --module "$MODULE"
assert_eq 0 "$RC" "key token"
assert_jq .token "$LABEL" "the only token found"
assert_jq .id 0a1b "the only key found"
assert_jq '.serial | sub("^0+"; "")' "$SERIAL" "the certificate's serial"
assert_jq .issuer "Test Sub CA" "issued by the subordinate CA"
assert_jq .already false "bound now"
grep -q "$PIN" "$H/keys/person-pgd.token" && fail "the PIN is stored" || ok
assert_eq 600 "$(stat -c %a "$H/keys/person-pgd.token")" "token file mode 0600"
VANBAN_PIN=$PIN as pgd --json key token --module "$MODULE" --token "$LABEL" --id 0A1B
assert_eq 0 "$RC" "binding again"
assert_jq .already true "already bound: nothing new"
must check

step "signing asks the token's PIN: wrong PIN and missing token change nothing"
new_doc chuyenvien "$SAMPLES/directive-2021-thi-dua.md"
must_as chuyenvien submit "$DOC" --to pgd
as pgd --pin-file "$TMP/wrong-pin" sign "$DOC" --on-behalf
assert_eq 2 "$RC" "wrong PIN at signing: exit 2"
assert_eq submitted "$(state "$DOC")" "still submitted"
SOFTHSM2_CONF="$TMP/empty.conf" && printf 'directories.tokendir = %s\nobjectstore.backend = file\n' "$TMP/no-tokens" >"$TMP/empty.conf"
mkdir -p "$TMP/no-tokens"
SOFTHSM2_CONF="$TMP/empty.conf" as pgd --pin-file "$TMP/pin" sign "$DOC" --on-behalf
assert_eq 4 "$RC" "token unplugged: exit 4"
assert_contains "$ERR" "no token '$LABEL' in $MODULE" "names the token and module"
assert_eq submitted "$(state "$DOC")" "still submitted"
SOFTHSM2_CONF="$TMP/softhsm2.conf"
must_as pgd --pin-file "$TMP/pin" sign "$DOC" --on-behalf
must_as vanthu issue "$DOC"
must export pdf "$DOC" -o "$TMP/issued.pdf"

step "pdfsig trusts the token's signature given only the test root and the organisation's authority"
NSS="sql:$TMP/nss"
mkdir -p "$TMP/nss"
quiet certutil -N -d "$NSS" --empty-password
quiet certutil -A -d "$NSS" -n root -t "CT,C,C" -i "$TMP/root.pem"
quiet certutil -A -d "$NSS" -n langson -t "CT,C,C" -i "$TMP/org-ca.pem"
run pdfsig -nssdir "$NSS" "$TMP/issued.pdf"
assert_eq 0 "$RC" "pdfsig reads the PDF"
assert_eq 2 "$(grep -c "Signature Validation: Signature is Valid." <<<"$OUT")" "pdfsig: both signatures valid"
assert_eq 2 "$(grep -c "Certificate Validation: Certificate is Trusted." <<<"$OUT")" "pdfsig: both certificates trusted"
first=$(awk '/^Signature #1:/{p=1} /^Signature #2:/{p=0} p' <<<"$OUT")
assert_contains "$first" "Signer Certificate Common Name: Nông Đức Toàn" "the token's certificate signed"

step "OpenSSL and vanban verify the token's signature"
must verify "$TMP/issued.pdf" --signatures "$TMP/sigs"
cat "$TMP/root.pem" "$TMP/org-ca.pem" >"$TMP/roots.pem"
run openssl cms -verify -binary -inform DER -in "$TMP/sigs/1.p7s" -content "$TMP/sigs/1.bin" -CAfile "$TMP/roots.pem" -out /dev/null
assert_eq 0 "$RC" "openssl cms -verify: the chain through the subordinate CA is in the CMS"
run openssl cms -verify -binary -inform DER -in "$TMP/sigs/1.p7s" -content "$TMP/sigs/1.bin" -CAfile "$TMP/org-ca.pem" -out /dev/null
assert_ne 0 "$RC" "not under the organisation's own authority"
vb --json verify "$TMP/issued.pdf"
assert_eq 0 "$RC" "vanban verify"
assert_jq '.signatures[0].serial | sub("^0+"; "")' "$SERIAL" "the token certificate's serial"
assert_jq '.signatures[0].issuer' "Test Sub CA" "its issuer"
assert_jq '.signatures[0].signer' "Nông Đức Toàn" "the signer"
assert_jq '.signatures[0].on_behalf' "KT. Giám đốc" "on behalf"
assert_jq '.signatures[0].status' valid "valid"

step "another node, knowing only the organisation's card, verifies it from the PDF alone"
must org card -o "$TMP/langson.card"
set_home "$TMP/other"
run "$VANBAN" --home "$H" --passphrase-file "$PASSFILE" init --org "Sở Ngoại vụ tỉnh Cao Bằng" --code SNgV \
  --place "Cao Bằng" --admin gd --name "Nguyễn Văn Bình" --title "Giám đốc"
assert_eq 0 "$RC" "init"
must org trust "$TMP/langson.card" --alias langson
vb --json verify "$TMP/issued.pdf"
assert_eq 0 "$RC" "valid where only the card is known"
assert_jq '.signatures[0].serial | sub("^0+"; "")' "$SERIAL" "the token certificate, bound by the records in the PDF"

finish
