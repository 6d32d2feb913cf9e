#!/usr/bin/env bash
# Standard signatures inside the signed PDFs (docs/certificates.md): every signer and
# the seal sign with an X.509 certificate from the organisation's own certification
# authority, as PAdES (ETSI.CAdES.detached). Checked by independent verifiers:
# poppler's pdfsig with an NSS database that trusts only the organisation's authority,
# and OpenSSL's `cms -verify` over each signed byte range; one changed byte breaks
# both, and vanban's verify names the signature.
source "$(dirname "$0")/lib.sh"
for tool in pdfsig certutil pk12util openssl; do
  command -v "$tool" >/dev/null || die "$tool is required (bash scripts/setup.sh installs it)"
done

must_run() { run "$@"; [[ $RC -eq 0 ]] || die "$* failed"; }

clock_set 2021-02-03T08:00:00+07:00
setup_org "$TMP/langson"

step "init made the authority; each signer and the seal have a certificate"
must org certificate -o "$TMP/ca.pem"
run "$VANBAN" --home "$H" --json org certificate -o "$TMP/ca2.pem"
assert_eq 0 "$RC" "org certificate again"
assert_jq '.made' 0 "nothing was missing: the authority and certificates came with init and user add"
assert_jq '.authorities | length' 1 "one authority"
assert_jq '.authorities[0].subject' "Sở Ngoại vụ tỉnh Lạng Sơn" "the authority names the organisation"
cmp -s "$TMP/ca.pem" "$TMP/ca2.pem" && ok || fail "the same authority both times"
run openssl x509 -in "$TMP/ca.pem" -noout -text
assert_contains "$OUT" "CA:TRUE" "a certification authority"
assert_contains "$OUT" "Certificate Sign" "it signs certificates"
for f in org-ca.x509 seal.x509 person-giamdoc.x509 person-pgd.x509; do
  [[ -f "$H/keys/$f" && $(stat -c %a "$H/keys/$f") == 600 ]] && ok || fail "key file $f, mode 0600"
done
for f in person-chuyenvien.x509 person-vanthu.x509; do
  [[ ! -e "$H/keys/$f" ]] && ok || fail "no certificate for $f: not a signer"
done
grep -q "BEGIN" "$H/keys/person-pgd.x509" && fail "the X.509 key is stored in the clear" || ok

step "a directive signed on behalf and issued"
full_workflow "$SAMPLES/directive-2021-thi-dua.md"
must export pdf "$DOC" -o "$TMP/issued.pdf"
grep -qa "/ETSI.CAdES.detached" "$TMP/issued.pdf" && ok || fail "the signatures are PAdES (ETSI.CAdES.detached)"

step "pdfsig trusts both signatures given only the organisation's authority"
NSS="sql:$TMP/nss"
mkdir -p "$TMP/nss"
must_run certutil -N -d "$NSS" --empty-password
must_run certutil -A -d "$NSS" -n langson -t "CT,C,C" -i "$TMP/ca.pem"
run pdfsig -nssdir "$NSS" "$TMP/issued.pdf"
assert_eq 0 "$RC" "pdfsig reads the PDF"
assert_eq 2 "$(grep -c "Signature Validation: Signature is Valid." <<<"$OUT")" "pdfsig: both signatures valid"
assert_eq 2 "$(grep -c "Certificate Validation: Certificate is Trusted." <<<"$OUT")" "pdfsig: both certificates trusted"
assert_contains "$OUT" "Signer Certificate Common Name: Nông Đức Toàn" "the deputy's certificate"
assert_contains "$OUT" "Signer Certificate Common Name: Sở Ngoại vụ tỉnh Lạng Sơn" "the seal's certificate"
assert_contains "$OUT" "Signing Hash Algorithm: SHA-256" "SHA-256"
last=$(awk '/^Signature #2:/{p=1} p' <<<"$OUT")
assert_contains "$last" "Total document signed" "the seal covers the whole file"
# An NSS database that does not trust this authority: valid signatures, not trusted.
mkdir -p "$TMP/nss-empty"
must_run certutil -N -d "sql:$TMP/nss-empty" --empty-password
run pdfsig -nssdir "sql:$TMP/nss-empty" "$TMP/issued.pdf"
assert_eq 2 "$(grep -c "Signature Validation: Signature is Valid." <<<"$OUT")" "valid signatures without the trust"
assert_eq 0 "$(grep -c "Certificate is Trusted." <<<"$OUT")" "not trusted without the authority"

step "OpenSSL verifies each CMS over its byte range against the authority"
must verify "$TMP/issued.pdf" --signatures "$TMP/sigs"
for n in 1 2; do
  run openssl cms -verify -binary -inform DER -in "$TMP/sigs/$n.p7s" -content "$TMP/sigs/$n.bin" \
    -CAfile "$TMP/ca.pem" -out /dev/null
  assert_eq 0 "$RC" "openssl cms -verify accepts signature $n"
  run openssl cms -cmsout -print -inform DER -in "$TMP/sigs/$n.p7s"
  assert_contains "$OUT" "id-smime-aa-signingCertificateV2" "signature $n carries ESS signing-certificate-v2"
  assert_not_contains "$OUT" "signingTime" "signature $n has no signingTime attribute (PAdES: the time is /M)"
done
# Another authority with the same name is not this one.
openssl req -x509 -newkey rsa:2048 -nodes -keyout "$TMP/other.key" -subj "/CN=Sở Ngoại vụ tỉnh Lạng Sơn" \
  -days 30 -out "$TMP/other.pem" 2>/dev/null
run openssl cms -verify -binary -inform DER -in "$TMP/sigs/1.p7s" -content "$TMP/sigs/1.bin" -CAfile "$TMP/other.pem" -out /dev/null
assert_ne 0 "$RC" "openssl refuses the chain under another authority"

step "vanban verify: valid, with the certificate serials"
vb --json verify "$TMP/issued.pdf"
assert_eq 0 "$RC" "verify"
assert_jq '.valid' true "valid"
assert_jq '[.signatures[] | .serial | test("^[0-9a-f]{32}$")] | all' true "each signature names its certificate serial"

step "one byte changed inside the signer's range: both pdfsig and vanban say invalid"
cp "$TMP/issued.pdf" "$TMP/tampered.pdf"
# A byte of the first revision's page content (well inside ky-1's range), same length.
off=$(grep -abo "Phát động" "$TMP/issued.pdf" | head -1 | cut -d: -f1)
[[ -z "$off" ]] && off=2000
printf 'X' | dd of="$TMP/tampered.pdf" bs=1 seek="$off" conv=notrunc status=none
run pdfsig -nssdir "$NSS" "$TMP/tampered.pdf"
assert_eq 0 "$(grep -c "Signature Validation: Signature is Valid." <<<"$OUT")" "pdfsig: no signature valid after the change"
vb --json verify "$TMP/tampered.pdf"
assert_eq 1 "$RC" "vanban verify exits 1"
assert_jq '[.signatures[] | select(.valid | not) | .field] | join(",")' "ky-1,dong-dau" "both signatures named invalid"
assert_jq '[.problems[] | select(test("message digest"))] | length > 0' true "the reason: the digest"

step "a signer added later gets a certificate at once; a role that does not sign gets none"
must user add pgd2 --name "Hà Văn Phó" --title "Phó Giám đốc" --roles signer
[[ -f "$H/keys/person-pgd2.x509" ]] && ok || fail "person-pgd2.x509 made by user add"
must user add vanthu2 --name "Hà Thị Thư" --title "Văn thư" --roles clerk
[[ ! -e "$H/keys/person-vanthu2.x509" ]] && ok || fail "no certificate for a clerk"
run "$VANBAN" --home "$H" --json org certificate -o "$TMP/ca3.pem"
assert_jq '.made' 0 "nothing missing after user add"

step "a PDF signed by another producer (pdfsig with an NSS key): root -> subordinate CA -> signer"
cat >"$TMP/ext.cnf" <<'EOF'
[ca]
basicConstraints=critical,CA:TRUE
keyUsage=critical,keyCertSign,cRLSign
subjectKeyIdentifier=hash
[leaf]
basicConstraints=critical,CA:FALSE
keyUsage=critical,digitalSignature,nonRepudiation
subjectKeyIdentifier=hash
authorityKeyIdentifier=keyid
EOF
P="$TMP/pki"
mkdir -p "$P"
must_run openssl req -utf8 -x509 -newkey rsa:2048 -nodes -keyout "$P/root.key" -subj "/C=VN/O=Ban Cơ yếu Chính phủ/CN=Root CA thử nghiệm" \
  -days 3650 -addext "basicConstraints=critical,CA:TRUE" -addext "keyUsage=critical,keyCertSign,cRLSign" -out "$P/root.pem"
must_run openssl req -utf8 -newkey rsa:2048 -nodes -keyout "$P/sub.key" -subj "/C=VN/O=Ban Cơ yếu Chính phủ/CN=CA phụ thử nghiệm" -out "$P/sub.csr"
must_run openssl x509 -req -in "$P/sub.csr" -CA "$P/root.pem" -CAkey "$P/root.key" -CAcreateserial -days 3000 \
  -extfile "$TMP/ext.cnf" -extensions ca -out "$P/sub.pem"
must_run openssl req -utf8 -newkey rsa:2048 -nodes -keyout "$P/me.key" -subj "/C=VN/O=UBND tỉnh Lạng Sơn/CN=Nguyễn Văn Khách" -out "$P/me.csr"
must_run openssl x509 -req -in "$P/me.csr" -CA "$P/sub.pem" -CAkey "$P/sub.key" -CAcreateserial -days 1000 \
  -extfile "$TMP/ext.cnf" -extensions leaf -out "$P/me.pem"
cat "$P/sub.pem" "$P/root.pem" >"$P/chain.pem"
must_run openssl pkcs12 -export -inkey "$P/me.key" -in "$P/me.pem" -certfile "$P/chain.pem" -name khach -passout pass: -out "$P/me.p12"
mkdir -p "$TMP/nss-other"
must_run certutil -N -d "sql:$TMP/nss-other" --empty-password
must_run pk12util -i "$P/me.p12" -d "sql:$TMP/nss-other" -W ""
new_doc chuyenvien "$SAMPLES/report-2022-so-ket.md"
must export pdf "$DOC" -o "$TMP/plain.pdf"
# poppler 22.12 may exit non-zero on "NSS_Shutdown failed" after writing the file.
run pdfsig -add-signature -nssdir "sql:$TMP/nss-other" -nick khach -new-signature-field-name F "$TMP/plain.pdf" "$TMP/other.pdf"
[[ -s "$TMP/other.pdf" ]] || die "pdfsig -add-signature wrote nothing: $ERR"
run pdfsig -nssdir "sql:$TMP/nss-other" "$TMP/other.pdf"
assert_contains "$OUT" "Signature is Valid." "pdfsig: the other producer's signature is valid"

vb --json verify "$TMP/other.pdf"
assert_eq 1 "$RC" "before its root is trusted: exit 1"
assert_jq '.signatures[0].status' untrusted "valid signature, signer not trusted here"
assert_jq '.signatures[0].signer' "Nguyễn Văn Khách" "the signer's name from the certificate"
assert_jq '.signatures[0].issuer' "CA phụ thử nghiệm" "the certificate's issuer"
assert_jq '.signatures[0].serial | test("^[0-9a-f]+$")' true "the certificate's serial"
assert_jq '.problems[0] | test("valid signature, signer not trusted here")' true "said plainly"
vb verify "$TMP/other.pdf"
assert_contains "$OUT" "valid signature, signer not trusted here" "the text says it too"

assert_vb 3 --as chuyenvien trust add "$P/root.pem"
assert_contains "$ERR" "admin" "only an admin trusts a root"
assert_vb 2 trust add "$P/me.pem"
assert_contains "$ERR" "not a certification authority" "a signer's certificate is not a root"
must trust add "$P/root.pem"
vb --json trust list
assert_jq '[.[] | .subject] | index("Root CA thử nghiệm") != null' true "listed"
vb --json verify "$TMP/other.pdf"
assert_eq 0 "$RC" "after 'trust add ROOT.pem': valid"
assert_jq '.signatures[0].status' valid "valid and trusted"
assert_jq '.signatures[0].chain' trusted "the chain reaches the root"
assert_jq '.signatures[0].revocation' "no revocation list of CA phụ thử nghiệm here" "no list to check it against"

step "a revocation list of the issuing authority: not revoked, then revoked"
touch "$P/index.txt"
echo 01 >"$P/crlnumber"
printf '[ca]\ndefault_ca = sub\n[sub]\ndatabase = %s\ncrlnumber = %s\ndefault_md = sha256\ndefault_crl_days = 30\n' \
  "$P/index.txt" "$P/crlnumber" >"$P/ca.cnf"
ca() { must_run openssl ca -config "$P/ca.cnf" -keyfile "$P/sub.key" -cert "$P/sub.pem" "$@"; }
ca -gencrl -out "$P/none.crl"
must trust crl "$P/none.crl"
vb --json verify "$TMP/other.pdf"
assert_eq 0 "$RC" "listed by no revocation list: still valid"
assert_jq '.signatures[0].revocation | startswith("not revoked (list of CA phụ thử nghiệm of ")' true "checked against the list"

step "pdf timestamp keeps the signer's revocation list in the PDF (Document Security Store, B-LTA)"
start_test_tsa
vb --json pdf timestamp "$TMP/other.pdf" -o "$TMP/other-lta.pdf" --tsa "$TSA_URL"
assert_eq 0 "$RC" "time-stamped"
assert_jq .revocation_lists 1 "the issuing authority's list went in"
grep -qa "/DSS" "$TMP/other-lta.pdf" && ok || fail "a /DSS in the catalog"
# A node without the list reads it from the PDF; the list is checked against its authority.
mv "$H/crl" "$TMP/crl-kept"
vb --json verify "$TMP/other-lta.pdf"
assert_eq 0 "$RC" "valid from the file alone"
assert_jq '.signatures[0].revocation | startswith("not revoked (list of CA phụ thử nghiệm of ")' true "checked against the embedded list"
assert_jq '.document_timestamps[0].valid' true "under a valid document time-stamp"
vb --json verify "$TMP/other.pdf"
assert_jq '.signatures[0].revocation' "no revocation list of CA phụ thử nghiệm here" "the PDF without it: no list"
mv "$TMP/crl-kept" "$H/crl"
run qpdf --check "$TMP/other-lta.pdf"
assert_eq 0 "$RC" "qpdf --check is clean"
ca -revoke "$P/me.pem"
sleep 1  # a later thisUpdate than the first list's
ca -gencrl -out "$P/revoked.crl"
openssl crl -in "$P/revoked.crl" -outform DER -out "$P/revoked.der"
vb --json trust crl "$P/revoked.der"
assert_eq 0 "$RC" "a newer list, DER"
assert_jq .revoked 1 "one certificate revoked"
vb --json verify "$TMP/other.pdf"
assert_eq 1 "$RC" "revoked: exit 1"
assert_jq '.signatures[0].status' invalid "a revoked certificate's signature is invalid"
assert_jq '.signatures[0].reason | test("^the certificate was revoked on .*; the claimed signing time before it is not proven by a time-stamp$")' true "says when, and what is not proven"
assert_vb 3 trust crl "$P/none.crl"
assert_contains "$ERR" "this node has a newer list of CA phụ thử nghiệm" "an older list does not replace a newer one"
assert_vb 2 trust crl "$P/me.pem"
assert_contains "$ERR" "not a certificate revocation list" "a certificate is not a list"
rm -rf "$H/crl"  # as before: the rest of the test checks other things

cp "$TMP/other.pdf" "$TMP/other-bad.pdf"
printf 'X' | dd of="$TMP/other-bad.pdf" bs=1 seek=3000 conv=notrunc status=none
vb --json verify "$TMP/other-bad.pdf"
assert_eq 1 "$RC" "one byte changed: exit 1"
assert_jq '.signatures[0].status' invalid "invalid"
assert_jq '.signatures[0].reason' "message digest does not match the signed bytes" "why"
run pdfsig -nssdir "sql:$TMP/nss-other" "$TMP/other-bad.pdf"
assert_not_contains "$OUT" "Signature is Valid." "pdfsig agrees: not valid"

finish
