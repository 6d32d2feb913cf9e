#!/usr/bin/env bash
# A node made before certificates existed (tests/data/node-before-certificates.tar.gz:
# made by vanban at 1a8e810 — Hà Giang, admin giamdoc, signer pgd, clerk vanthu, one
# directive signed and issued with vanban's own Ed25519 signatures). After the upgrade,
# without a new init: its old PDF still verifies, the first 'org certificate' of the
# admin makes the authority and the certificates, and what is signed from then on is a
# standard signature pdfsig trusts.
source "$(dirname "$0")/lib.sh"
for tool in pdfsig certutil tar; do
  command -v "$tool" >/dev/null || die "$tool is required (bash scripts/setup.sh installs it)"
done

tar -C "$TMP" -xzf "$ROOT/tests/data/node-before-certificates.tar.gz"
set_home "$TMP/home"
OLD_DOC=ddf5e8dbb35dd7031ad47d59b08c2dfa17457581b1ce54de86cd498f4b944087

step "the old node opens; its Ed25519-signed PDF still verifies"
vb --json check
assert_eq 0 "$RC" "check passes on the old node"
assert_contains "$ERR" "upgrading $H/vanban.db from schema" "the one-time upgrade of the database is said"
vb --json check
assert_eq "" "$ERR" "and said once"
must export pdf "$OLD_DOC" -o "$TMP/old.pdf"
grep -qa "/ETSI.CAdES.detached" "$TMP/old.pdf" && fail "the old PDF is the old kind" || ok
vb --json verify "$TMP/old.pdf"
assert_eq 0 "$RC" "the old PDF verifies"
assert_jq '[.signatures[] | .status] | join(",")' "valid,valid" "both signatures valid"
assert_jq '[.signatures[] | .serial] | join(",")' "," "vanban's own signatures name no certificate"

step "no authority yet; the admin's first 'org certificate' makes it and the certificates"
[[ ! -e "$H/keys/org-ca.x509" ]] && ok || fail "no authority before"
clock_set 2025-06-02T08:00:00+07:00
assert_as 4 chuyenvien org certificate -o "$TMP/not-yet.pem"
assert_contains "$ERR" "no certification authority yet" "anyone else is told who makes it"
[[ ! -e "$TMP/not-yet.pem" ]] && ok || fail "nothing written without an authority"
vb --json org certificate -o "$TMP/ca.pem"
assert_eq 0 "$RC" "org certificate"
assert_jq '.made' 4 "the authority, the seal's certificate and the two signers' (giamdoc, pgd)"
for f in org-ca.x509 seal.x509 person-giamdoc.x509 person-pgd.x509; do
  [[ -f "$H/keys/$f" ]] && ok || fail "$f made on first use"
done
[[ ! -e "$H/keys/person-vanthu.x509" ]] && ok || fail "no certificate for the clerk"
vb --json org certificate -o "$TMP/ca-again.pem"
assert_jq '.made' 0 "nothing more the second time"
vb --json check
assert_eq 0 "$RC" "check passes after the upgrade"

step "signed and issued after the upgrade: pdfsig trusts it; the old PDF still verifies"
new_doc chuyenvien "$SAMPLES/report-2022-so-ket.md"
must_as chuyenvien submit "$DOC" --to pgd
must_as pgd sign "$DOC" --on-behalf
must_as vanthu issue "$DOC"
must export pdf "$DOC" -o "$TMP/new.pdf"
mkdir -p "$TMP/nss"
run certutil -N -d "sql:$TMP/nss" --empty-password
run certutil -A -d "sql:$TMP/nss" -n hagiang -t "CT,C,C" -i "$TMP/ca.pem"
run pdfsig -nssdir "sql:$TMP/nss" "$TMP/new.pdf"
assert_eq 2 "$(grep -c "Signature is Valid." <<<"$OUT")" "pdfsig: both valid"
assert_eq 2 "$(grep -c "Certificate is Trusted." <<<"$OUT")" "pdfsig: both trusted"
vb --json verify "$TMP/new.pdf"
assert_eq 0 "$RC" "the new PDF verifies in vanban"
vb --json verify "$TMP/old.pdf"
assert_eq 0 "$RC" "and the old one still does"

finish
