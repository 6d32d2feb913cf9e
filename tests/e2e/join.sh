#!/usr/bin/env bash
# More nodes of one organisation, through the real binary: a node joins from the
# organisation's card (init --join), the admin admits its key (node admit, node
# list), a person's key is made on the new node (key request) and granted on the
# admin's node (user add --request). No network: the two homes never exchange
# records here, so the grant does not reach node B in this script.
source "$(dirname "$0")/lib.sh"

A="$TMP/a"
B="$TMP/b"
clock_set 2024-12-20T08:00:00+07:00

step "node A: the organisation"
set_home "$A"
run "$VANBAN" --home "$A" --passphrase-file "$PASSFILE" init --org "Sở Ngoại vụ tỉnh Lạng Sơn" --code SNgV \
  --place "Lạng Sơn" --admin giamdoc --name "Trịnh Tuyết Mai" --title "Giám đốc"
[[ $RC -eq 0 ]] || die "init A failed"
must user add chuyenvien --name "Hoàng Văn Chuyên" --title "Chuyên viên" --roles drafter
must --json org card -o "$TMP/a.card"
ORG=$(jqo .org)
must --json node id
A_NODE=$(jqo .node)

step "init --join"
assert_exit 2 "$VANBAN" --home "$B" init --join "$TMP/a.card" --org "Sở khác"
assert_one_line_error "init --join with --org"
assert_contains "$ERR" "--org" "the error names the flag"
assert_exit 2 "$VANBAN" --home "$B" init --code X
assert_contains "$ERR" "--org is required" "init without --org or --join"
sed 's/Hoàng Văn Chuyên/Hoàng Văn Chuyêm/' "$TMP/a.card" >"$TMP/edited.card"
assert_exit 2 "$VANBAN" --home "$B" --json init --join "$TMP/edited.card"
assert_one_line_error "edited card"
assert_stdout_empty "edited card"
assert_contains "$ERR" "signature does not verify" "an edited card is refused"
if [[ ! -e "$B/vanban.db" && ! -e "$B/keys/node.key" ]]; then ok; else fail "a refused join leaves nothing"; fi
assert_exit 4 "$VANBAN" --home "$B" init --join "$TMP/missing.card"

assert_exit 0 "$VANBAN" --home "$B" --json init --join "$TMP/a.card"
assert_json "init --join --json"
B_NODE=$(jqo .node)
[[ "$B_NODE" =~ ^[0-9a-f]{64}$ ]] && ok || fail "init --join prints the node key"
assert_jq .org "$ORG" "the joined node's organisation is the card's"
assert_ne "" "$(jqo .fingerprint)" "init --join prints the fingerprint"
assert_ne "$A_NODE" "$B_NODE" "a fresh node key"
if [[ "$(ls "$B/keys")" == node.key ]]; then ok; else fail "only the node key on B: $(ls "$B/keys")"; fi
assert_eq 600 "$(stat -c %a "$B/keys/node.key")" "node.key is mode 0600"
assert_exit 2 "$VANBAN" --home "$B" init --join "$TMP/a.card"
assert_contains "$ERR" "already holds" "a second join into the same home"

step "node B works on what it has"
set_home "$B"
must --json node id
assert_jq .node "$B_NODE" "node id on B"
must --json user list
assert_jq '[.[].login] | sort | join(",")' "chuyenvien,giamdoc" "B knows the people from the card"
must --json node list
assert_jq 'length' 1 "B sees A's node only"
must node list
assert_contains "$OUT" "not admitted yet" "B says it is not admitted"
assert_vb 0 check
assert_vb 2 doc new "$SAMPLES/directive-2021-thi-dua.md"
assert_contains "$ERR" "--as" "no default person on a joined node"
assert_one_line_error "doc new without --as on B"
assert_as 4 giamdoc node admit "$B_NODE"
assert_contains "$ERR" "no key file" "the admin's key is on node A"

step "node admit / node list on A"
set_home "$A"
assert_as 3 chuyenvien node admit "$B_NODE"
assert_contains "$ERR" "admin" "only an admin admits a node"
assert_vb 2 node admit zz12
assert_contains "$ERR" "not a node key" "a malformed key"
assert_vb 2 node admit "${B_NODE}00"
assert_vb 0 --json node admit "$B_NODE" --label "Máy chuyên viên"
assert_jq .node "$B_NODE" "node admit --json: node"
assert_jq .label "Máy chuyên viên" "node admit --json: label"
assert_jq .by giamdoc "node admit --json: by"
assert_vb 3 node admit "$B_NODE"
assert_contains "$ERR" "already admitted" "admitting twice"
must --json node list
assert_jq 'length' 2 "two nodes"
assert_jq '.[1].node' "$B_NODE" "the new node is listed"
assert_jq '.[1].label' "Máy chuyên viên" "with its label"
assert_jq '.[0].this' true "A's own node is marked"

step "key request on B"
set_home "$B"
printf '%s\n' "mật khẩu của Hòa" >"$TMP/hoa.pass"
assert_vb 0 --json key request hoa --name "Nguyễn Thị Hòa" --title "Chuyên viên" -o "$TMP/hoa.req" \
  --new-passphrase-file "$TMP/hoa.pass"
assert_json "key request --json"
HOA_KEY=$(jqo .key)
assert_jq .node "$B_NODE" "the request names node B"
assert_eq "vanban-key-request 1" "$(head -1 "$TMP/hoa.req")" "the request's magic line"
assert_eq "key $HOA_KEY" "$(grep '^key ' "$TMP/hoa.req")" "the request carries the key"
assert_eq 600 "$(stat -c %a "$B/keys/person-hoa.key")" "the person's key file stays on B, mode 0600"
assert_vb 2 key request hoa --name "Nguyễn Thị Hòa" --title "Chuyên viên" -o "$TMP/hoa2.req"
assert_contains "$ERR" "already" "a second request for the same login on B"
assert_vb 2 key request giamdoc --name "X" --title "Y" -o "$TMP/g.req"
assert_contains "$ERR" "already taken" "a login already granted"
assert_as 4 hoa doc new "$SAMPLES/directive-2021-thi-dua.md"
assert_contains "$ERR" "no grant" "hoa waits for the grant"

step "user add --request on A"
set_home "$A"
sed 's/^title Chuyên viên$/title Giám đốc/' "$TMP/hoa.req" >"$TMP/tampered.req"
assert_vb 2 user add hoa --request "$TMP/tampered.req" --roles drafter
assert_one_line_error "tampered request"
assert_contains "$ERR" "signature does not verify" "a tampered request is refused"
printf 'vanban-key-request 1\n' >"$TMP/short.req"
assert_vb 2 user add hoa --request "$TMP/short.req" --roles drafter
assert_contains "$ERR" "expected 8 or 9 lines" "a malformed request"
assert_vb 2 user add lan --request "$TMP/hoa.req" --roles drafter
assert_contains "$ERR" "'hoa'" "the login must match the request"
assert_vb 2 user add hoa --request "$TMP/hoa.req" --roles drafter --name "Khác"
assert_vb 2 user add hoa --title "Chuyên viên" --roles drafter
assert_contains "$ERR" "--name is required" "user add without --name or --request"
assert_as 3 chuyenvien user add hoa --request "$TMP/hoa.req" --roles drafter
assert_vb 0 --json user add hoa --request "$TMP/hoa.req" --roles drafter
assert_jq .key "$HOA_KEY" "the granted key is the request's"
assert_jq .name "Nguyễn Thị Hòa" "the name comes from the request"
if [[ ! -e "$A/keys/person-hoa.key" ]]; then ok; else fail "no key file for hoa on A"; fi
assert_vb 2 user add hoa --request "$TMP/hoa.req" --roles drafter
assert_contains "$ERR" "already granted" "granting a request twice"
must --json user list
assert_jq '.[] | select(.login=="hoa") | .roles | join(",")' drafter "hoa is a drafter"
assert_vb 0 check

step "a signer's key request: its X.509 key made on B, certified on A with the grant"
set_home "$B"
printf '%s\n' "mật khẩu của Phó" >"$TMP/pgdb.pass"
assert_vb 0 key request pgdb --name "Hà Văn Phó" --title "Phó Giám đốc" -o "$TMP/pgdb.req" \
  --new-passphrase-file "$TMP/pgdb.pass"
grep -q '^x509 30' "$TMP/pgdb.req" && ok || fail "the request carries the signing key's public key (SubjectPublicKeyInfo)"
assert_eq 600 "$(stat -c %a "$B/keys/person-pgdb.x509")" "the X.509 key stays on B, mode 0600"
grep -q "BEGIN" "$B/keys/person-pgdb.x509" && fail "the X.509 key is stored in the clear" || ok
sed 's/^x509 30/x509 31/' "$TMP/pgdb.req" >"$TMP/pgdb-bad.req"
set_home "$A"
assert_vb 2 user add pgdb --request "$TMP/pgdb-bad.req" --roles signer
assert_contains "$ERR" "line 8" "a damaged signing key in a request is refused at its line"
assert_vb 0 --json user add pgdb --request "$TMP/pgdb.req" --roles signer
[[ ! -e "$A/keys/person-pgdb.x509" ]] && ok || fail "no X.509 key file for pgdb on A"
must --json org certificate -o "$TMP/ca.pem"
assert_jq .made 0 "nothing missing: pgdb's key was certified with the grant"
new_doc chuyenvien "$SAMPLES/directive-2021-thi-dua.md"
must_as chuyenvien submit "$DOC" --to pgdb
must bundle export -o "$TMP/a-to-b.bundle"

step "pgdb signs on B: a standard signature with the certified key"
set_home "$B"
must bundle import "$TMP/a-to-b.bundle"
run "$VANBAN" --home "$B" --as pgdb --passphrase-file "$TMP/pgdb.pass" sign "$DOC"
assert_eq 0 "$RC" "pgdb signs on B"
must export pdf "$DOC" -o "$TMP/b-signed.pdf"
grep -qa "/ETSI.CAdES.detached" "$TMP/b-signed.pdf" && ok || fail "PAdES, not vanban's Ed25519 CMS"
vb --json verify "$TMP/b-signed.pdf"
assert_eq 0 "$RC" "valid"
assert_jq '.signatures[0].signer' "Hà Văn Phó" "pgdb's signature"
assert_jq '.signatures[0].serial | test("^[0-9a-f]+$")' true "with pgdb's certificate"
assert_jq '.signatures[0].issuer' "Sở Ngoại vụ tỉnh Lạng Sơn" "issued by the organisation's authority"
mkdir -p "$TMP/nss"
certutil -N -d "sql:$TMP/nss" --empty-password >/dev/null 2>&1 &&
  certutil -A -d "sql:$TMP/nss" -n langson -t "CT,C,C" -i "$TMP/ca.pem" >/dev/null 2>&1 || die "certutil failed"
run pdfsig -nssdir "sql:$TMP/nss" "$TMP/b-signed.pdf"
assert_contains "$OUT" "Signature Validation: Signature is Valid." "pdfsig: valid"
assert_contains "$OUT" "Certificate Validation: Certificate is Trusted." "pdfsig: trusted, given the organisation's authority"

finish
