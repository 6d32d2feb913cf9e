#!/usr/bin/env bash
# PDFs through the real binary: a draft rendered "DỰ THẢO", the signed copy made
# at signing and sealed at issuance, read back by poppler and qpdf, each signature
# checked by GnuTLS certtool, verified from the PDF alone on another node, what
# one changed byte breaks, and the yearly archive (resumable, manifest sealed).
source "$(dirname "$0")/lib.sh"
for tool in pdftotext pdffonts pdfinfo qpdf certtool; do
  command -v "$tool" >/dev/null || die "$tool is required (bash scripts/setup.sh installs it)"
done

DIRECTIVE="$SAMPLES/directive-2021-thi-dua.md"
clock_set 2021-02-03T08:00:00+07:00
setup_org "$TMP/langson"

step "a draft renders on the fly, marked as a draft, never signed"
new_doc chuyenvien "$DIRECTIVE"
must export pdf "$DOC" -o "$TMP/draft.pdf"
txt=$(pdftotext "$TMP/draft.pdf" - 2>/dev/null)
assert_contains "$txt" "DỰ THẢO" "the draft says it is a draft"
assert_contains "$txt" "Phát động phong trào thi đua yêu nước năm 2021" "the draft shows its title"
vb --json verify "$TMP/draft.pdf"
assert_eq 1 "$RC" "a draft does not verify as signed"
assert_jq '.signatures | length' 0 "a draft carries no signature"

step "sign on behalf, then issue: the stored signed copy"
must_as chuyenvien route "$DOC" --to tp1
must_as tp1 approve "$DOC"
must_as chuyenvien submit "$DOC" --to pgd
clock_set 2021-02-03T09:00:00+07:00
must_as pgd sign "$DOC" --on-behalf
must export pdf "$DOC" -o "$TMP/signed.pdf"
vb --json verify "$TMP/signed.pdf"
assert_eq 0 "$RC" "a signed, not yet issued PDF verifies"
assert_jq '.number' null "no number before issuance"
clock_set 2021-02-03T09:35:00+07:00
must_as vanthu --json issue "$DOC"
NUMBER=$(jqo .number)
assert_eq "01/KH-SNgV" "$NUMBER" "the first plan of 2021"
must export pdf "$NUMBER" -o "$TMP/issued.pdf"
must export pdf "$DOC" -o "$TMP/again.pdf"
cmp -s "$TMP/issued.pdf" "$TMP/again.pdf" && ok || fail "export pdf returns the stored bytes each time"
head -c "$(stat -c %s "$TMP/signed.pdf")" "$TMP/issued.pdf" | cmp -s - "$TMP/signed.pdf" && ok ||
  fail "issuance appends to the signed PDF (the signer's bytes stay as they were)"

step "poppler and qpdf read it: text, fonts, page size, structure"
txt=$(pdftotext "$TMP/issued.pdf" - 2>/dev/null)
for want in "SỞ NGOẠI VỤ TỈNH LẠNG SƠN" "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM" "Độc lập - Tự do - Hạnh phúc" \
  "01/KH-SNgV" "Lạng Sơn, ngày 03 tháng 02 năm 2021" "KẾ HOẠCH" "KT. GIÁM ĐỐC" "PHÓ GIÁM ĐỐC" "Nông Đức Toàn" \
  "Nơi nhận:" "Phát động phong trào thi đua yêu nước năm 2021"; do
  assert_contains "$txt" "$want" "pdftotext of the issued PDF"
done
assert_not_contains "$txt" "DỰ THẢO" "a signed document is not marked as a draft"
fonts=$(pdffonts "$TMP/issued.pdf" | tail -n +3)
[[ -n "$fonts" ]] && ok || fail "pdffonts lists the fonts"
while read -r line; do
  [[ "$line" =~ " yes yes yes " ]] && ok || fail "every font embedded, subset, with a Unicode map: $line"
done <<<"$fonts"
assert_contains "$(pdfinfo "$TMP/issued.pdf")" "595.28 x 841.89 pts (A4)" "A4"
run qpdf --check "$TMP/issued.pdf"
assert_eq 0 "$RC" "qpdf --check"

step "each embedded signature is accepted by GnuTLS certtool, trusting only the organisation's authority"
must org certificate -o "$TMP/ca.pem"
vb --json verify "$TMP/issued.pdf" --signatures "$TMP/sigs"
assert_eq 0 "$RC" "verify on the issuing node"
assert_jq '.valid' true "valid"
assert_jq '.number' "01/KH-SNgV" "the number under the seal"
assert_jq '.date' "2021-02-03" "the date under the seal"
assert_jq '[.signatures[] | .role + ":" + .signer] | join(",")' "signer:Nông Đức Toàn,seal:Sở Ngoại vụ tỉnh Lạng Sơn" "who signed"
for n in 1 2; do
  run certtool --p7-verify --inder --infile "$TMP/sigs/$n.p7s" --load-data "$TMP/sigs/$n.bin" --load-ca-certificate "$TMP/ca.pem"
  assert_eq 0 "$RC" "certtool accepts signature $n"
  printf 'x' >>"$TMP/sigs/$n.bin"
  run certtool --p7-verify --inder --infile "$TMP/sigs/$n.p7s" --load-data "$TMP/sigs/$n.bin" --load-ca-certificate "$TMP/ca.pem"
  assert_ne 0 "$RC" "certtool refuses signature $n over other bytes"
done

step "verified from the PDF alone on a node that never saw the document"
set_home "$TMP/caobang"
run "$VANBAN" --home "$TMP/caobang" --passphrase-file "$PASSFILE" init --org "Sở Ngoại vụ tỉnh Cao Bằng" --code SNgV \
  --place "Cao Bằng" --admin giamdoc --name "Nông Thị Hà" --title "Giám đốc"
vb --json verify "$TMP/issued.pdf"
assert_eq 1 "$RC" "an organisation not trusted here: not valid"
assert_contains "$(jqo '.problems | join(" ")')" "not trusted on this node" "says why"
"$VANBAN" --home "$TMP/langson" org card -o "$TMP/langson.card" >/dev/null
must org trust "$TMP/langson.card" --alias langson
vb --json verify "$TMP/issued.pdf"
assert_eq 0 "$RC" "valid once the organisation's card is trusted"
assert_jq '.number' "01/KH-SNgV" "the number, read from the PDF"

step "one changed byte in a signed range: exit 1, naming the signature"
set_home "$TMP/langson"
size=$(stat -c %s "$TMP/signed.pdf")
flip() {  # flip SRC DEST OFFSET: DEST is SRC with one byte changed at OFFSET
  cp "$1" "$2"
  local b
  b=$(dd if="$1" bs=1 skip="$3" count=1 2>/dev/null | od -An -tu1 | tr -d ' ')
  printf "$(printf '\\%03o' $(((b ^ 1) & 255)))" | dd of="$2" bs=1 seek="$3" conv=notrunc 2>/dev/null
}
flip "$TMP/issued.pdf" "$TMP/late.pdf" $((size + 200))
vb --json verify "$TMP/late.pdf"
assert_eq 1 "$RC" "a byte of the issuance changed"
assert_jq '[.signatures[] | select(.valid | not) | .field] | join(",")' "dong-dau" "only the seal breaks"
assert_contains "$(jqo '.problems | join(" ")')" "dong-dau" "the problem names the seal"
flip "$TMP/issued.pdf" "$TMP/early.pdf" 3000
vb --json verify "$TMP/early.pdf"
assert_eq 1 "$RC" "a byte of the page content changed"
assert_jq '[.signatures[] | select(.valid) ] | length' 0 "both signatures break"
vb verify "$TMP/early.pdf"
assert_contains "$OUT" "INVALID" "the text report says INVALID"
printf 'not a pdf' >"$TMP/junk.pdf"
vb verify "$TMP/junk.pdf"
assert_eq 2 "$RC" "not a PDF at all: bad input"
printf '%%PDF-1.7' >"$TMP/header.pdf"
vb verify "$TMP/header.pdf"
assert_eq 2 "$RC" "a PDF header alone: bad input"
assert_contains "$ERR" "not a readable PDF" "says the PDF cannot be read"
for missing in "$TMP/missing.pdf" ./missing.pdf missing.pdf; do
  vb verify "$missing"
  assert_eq 4 "$RC" "verify $missing: no such file (not found, as for every input file)"
  assert_contains "$ERR" "$missing: no such file" "verify $missing names the file"
done

step "on the issuing node, a copy without its issuance is not the issued one"
vb --json verify "$TMP/signed.pdf"
assert_eq 1 "$RC" "the signed copy, once issued, is not the issued copy"
assert_contains "$(jqo '.problems | join(" ")')" "this copy is not the issued one (issued as 01/KH-SNgV on 2021-02-03)" "says which is"
assert_jq '.issued_as.number' "01/KH-SNgV" "--json: the number it was issued under"

step "the archive of 2021: one signed PDF per issued document, a sealed manifest, resumable"
clock_set 2021-12-31T16:00:00+07:00
must_as vanthu archive export --year 2021 -o "$TMP/archive"
[[ -f "$TMP/archive/01_KH-SNgV.pdf" ]] && ok || fail "the PDF is named after its number"
cmp -s "$TMP/archive/01_KH-SNgV.pdf" "$TMP/issued.pdf" && ok || fail "the archive holds the stored bytes"
run jq -r '.documents[0].number + " " + .documents[0].sha256' "$TMP/archive/manifest.json"
assert_eq "01/KH-SNgV $(sha256sum "$TMP/archive/01_KH-SNgV.pdf" | cut -d' ' -f1)" "$OUT" "the manifest's hash"
assert_contains "$(cat "$TMP/archive/manifest.json.sig")" "vanban-signature 1" "the manifest is signed"
# The seal's signature over the manifest's exact bytes, checked by an independent verifier
# (OpenSSL's Ed25519), with the seal key the manifest names.
verify_manifest() {  # verify_manifest MANIFEST SIGFILE: OpenSSL's exit status
  local key sig
  key=$(sed -n 's/^key //p' "$2"); sig=$(sed -n 's/^sig //p' "$2")
  { printf '302a300506032b6570032100'; printf '%s' "$key"; } | xxd -r -p >"$TMP/seal.der"
  openssl pkey -pubin -inform DER -in "$TMP/seal.der" -out "$TMP/seal.pem" 2>/dev/null || return 2
  printf '%s' "$sig" | xxd -r -p >"$TMP/manifest.sig.bin"
  openssl pkeyutl -verify -pubin -inkey "$TMP/seal.pem" -rawin -in "$1" -sigfile "$TMP/manifest.sig.bin" >/dev/null 2>&1
}
assert_eq "$(jq -r .seal "$TMP/archive/manifest.json")" "$(sed -n 's/^key //p' "$TMP/archive/manifest.json.sig")" \
  "the signature names the manifest's seal key"
assert_eq "file manifest.json" "$(sed -n 2p "$TMP/archive/manifest.json.sig")" "the signature names its file"
verify_manifest "$TMP/archive/manifest.json" "$TMP/archive/manifest.json.sig"
assert_eq 0 "$?" "the seal's signature over manifest.json verifies (openssl)"
sed 's/"year": 2021/"year": 2020/' "$TMP/archive/manifest.json" >"$TMP/manifest-changed.json"
verify_manifest "$TMP/manifest-changed.json" "$TMP/archive/manifest.json.sig"
assert_eq 1 "$?" "a changed manifest does not verify"
before=$(stat -c %Y "$TMP/archive/01_KH-SNgV.pdf")
sleep 1
must_as vanthu archive export --year 2021 -o "$TMP/archive"
assert_eq "$before" "$(stat -c %Y "$TMP/archive/01_KH-SNgV.pdf")" "a second run keeps what is already there"
as vanthu archive export --year 2019 -o "$TMP/archive2019"
assert_eq 4 "$RC" "nothing issued in 2019"

step "revoked: the node that knows says so, in the report and in --json, exit 1"
clock_set 2022-01-10T09:00:00+07:00
must_as giamdoc doc revoke "$NUMBER" --reason "Thay bằng kế hoạch năm 2022"
vb --json verify "$TMP/issued.pdf"
assert_eq 1 "$RC" "a revoked document does not verify as valid"
assert_jq '.valid' false "not valid"
assert_jq '.revoked.by' giamdoc "revoked by"
assert_jq '.revoked.reason' "Thay bằng kế hoạch năm 2022" "the reason"
assert_contains "$(jqo '.revoked.at')" "2022-01-10T" "when"
vb verify "$NUMBER"
assert_eq 1 "$RC" "the stored copy of a revoked document"
assert_contains "$OUT" "REVOKED by giamdoc" "the text report says it was revoked"

step "70 addressees (every commune of a province): all on the signed, sealed PDF"
set_home "$TMP/langson"
clock_set 2022-03-01T08:00:00+07:00
{
  printf -- '---\nkind: directive\ntitle: Triển khai công tác biên giới năm 2022\nrecipients:\n'
  for i in $(seq 1 70); do printf '  - Ủy ban nhân dân huyện số %d\n' "$i"; done
  printf '  - "Lưu: VT, VP."\n---\nCác đơn vị triển khai công tác biên giới năm 2022.\n'
} >"$TMP/communes.md"
full_workflow "$TMP/communes.md"
must export pdf "$DOC" -o "$TMP/communes.pdf"
vb --json verify "$TMP/communes.pdf"
assert_jq '.valid' true "the sealed copy verifies"
txt=$(pdftotext "$TMP/communes.pdf" - 2>/dev/null)
missing=0
for i in $(seq 1 70); do
  [[ "$txt" == *"- Ủy ban nhân dân huyện số $i;"* ]] || { missing=$((missing + 1)); echo "missing: số $i" >&2; }
done
assert_eq 0 "$missing" "every one of the 70 addressees is printed"
assert_contains "$txt" "- Lưu: VT, VP." "the last line of the list"
assert_contains "$txt" "Nông Đức Toàn" "the signer's name"

finish
