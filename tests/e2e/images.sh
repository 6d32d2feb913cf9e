#!/usr/bin/env bash
# The signature images of Decree 30 Appendix I (docs/certificates.md, "Signature
# images"): a signer's handwritten signature between title and name, the seal at its
# real size over the left third of it, the organisation and the time in small print
# under the seal; PNGs checked before they become records. Read back with poppler
# (pdfimages, pdftoppm: pixels where the Appendix puts them), qpdf and pdfsig.
source "$(dirname "$0")/lib.sh"
for tool in pdfimages pdftoppm qpdf pdfsig certutil jq; do
  command -v "$tool" >/dev/null || die "$tool is required (bash scripts/setup.sh installs it)"
done
PNG="$(dirname "$VANBAN")/vanban_test_png"
[[ -x $PNG ]] || die "$PNG is missing (built with the tests)"

clock_set 2021-02-03T08:00:00+07:00
setup_org "$TMP/langson"
"$PNG" signature "$TMP/sig.png" && "$PNG" seal "$TMP/seal.png" || die "cannot make the test images"

step "what is not a usable PNG is refused, and nothing is recorded"
n0=$(records)
printf '\xff\xd8\xff\xe0 a photo' >"$TMP/photo.jpg"
vb user image pgd "$TMP/photo.jpg"
assert_eq 2 "$RC" "a JPEG: bad input"
assert_contains "$ERR" "must be a PNG (with a transparent background); this is a JPEG file" "says what it is"
assert_contains "$ERR" "photo.jpg" "names the file"
assert_one_line_error "one line"
head -c 300 "$TMP/sig.png" >"$TMP/cut.png"
vb user image pgd "$TMP/cut.png"
assert_eq 2 "$RC" "a truncated PNG: bad input"
assert_contains "$ERR" "the PNG is damaged" "says it is damaged"
vb user image pgd "$TMP/none.png"
assert_eq 4 "$RC" "a missing file: not found"
vb user image nobody "$TMP/sig.png"
assert_eq 4 "$RC" "an unknown login: not found"
assert_contains "$ERR" "no person 'nobody'" "names the login"
as chuyenvien user image chuyenvien "$TMP/sig.png"
assert_eq 3 "$RC" "a drafter may not set an image"
assert_contains "$ERR" "does not hold the role admin" "says which role"
vb org seal-image "$TMP/seal.png" --diameter 10
assert_eq 2 "$RC" "a 10 mm seal: bad input"
assert_contains "$ERR" "20 to 60 mm" "gives the range"
vb org seal-image "$TMP/sig.pdf"
assert_eq 4 "$RC" "a missing seal file: not found"
assert_eq "$n0" "$(records)" "no record was made"

step "a signer's signature and the seal, set by the admin"
vb --json user image pgd "$TMP/sig.png"
assert_eq 0 "$RC" "user image"
assert_jq '[.width, .height, .transparent] | @tsv' $'400\t160\ttrue' "its size and transparency"
vb --json org seal-image "$TMP/seal.png"
assert_eq 0 "$RC" "org seal-image"
assert_jq '.diameter_mm' 36 "36 mm by default"
assert_eq "$((n0 + 2))" "$(records)" "two records"
vb check
assert_eq 0 "$RC" "the node checks clean with the image records"

step "a directive signed by the deputy and issued shows both images"
full_workflow "$SAMPLES/directive-2021-thi-dua.md"
must export pdf "$DOC" -o "$TMP/issued.pdf"
run pdfimages -list "$TMP/issued.pdf"
assert_eq 0 "$RC" "pdfimages reads it"
LAST=$(pdfinfo "$TMP/issued.pdf" | awk '/^Pages:/{print $2}')
assert_eq 2 "$(awk -v p="$LAST" '$1 == p && $3 == "image"' <<<"$OUT" | wc -l)" "two images on the last page"
assert_eq 2 "$(awk -v p="$LAST" '$1 == p && $3 == "smask"' <<<"$OUT" | wc -l)" "each with its transparency (soft mask)"
assert_eq 1 "$(awk '$3 == "image" && $4 == 400 && $5 == 160' <<<"$OUT" | wc -l)" "the signature, at its pixels"
assert_eq 1 "$(awk '$3 == "image" && $4 == 300 && $5 == 300' <<<"$OUT" | wc -l)" "the seal, at its pixels"
run qpdf --check "$TMP/issued.pdf"
assert_eq 0 "$RC" "qpdf --check is clean"
assert_contains "$OUT" "No syntax or stream encoding errors found" "qpdf finds no error"
grep -qa "pdfaid:part>3<" "$TMP/issued.pdf" && ok || fail "still declared PDF/A-3"

step "where Appendix I puts them"
qpdf --json --json-key=qpdf "$TMP/issued.pdf" >"$TMP/issued.json" || die "qpdf --json failed"
field() { jq -r --arg t "u:$1" '.qpdf[1][] | .value? | select(type == "object" and .["/T"]? == $t) | '"$2" "$TMP/issued.json"; }
read -r sx0 sy0 sx1 sy1 <<<"$(field ky-1 '.["/Rect"] | @tsv')"
read -r mx my mw mh <<<"$(field ky-1 '.["/VB_Image"] | @tsv')"
read -r dx0 dy0 dx1 dy1 <<<"$(field dong-dau '.["/Rect"] | @tsv')"
[[ -n $sx0 && -n $mx && -n $dx0 ]] || die "the signature fields are not in the PDF"
calc() { awk "BEGIN { print ($1) ? \"yes\" : \"no\" }"; }
assert_eq yes "$(calc "$mx >= $sx0 && $mx + $mw <= $sx1 + 0.01 && $my >= $sy0 && $my + $mh <= $sy1 + 0.01")" \
  "the signature image lies inside the signer's field (between title and name)"
assert_eq yes "$(calc "($mx + $mw / 2) - ($sx0 + $sx1) / 2 < 0.5 && ($sx0 + $sx1) / 2 - ($mx + $mw / 2) < 0.5")" \
  "centred in it"
D=$(awk 'BEGIN { print 36 * 72 / 25.4 }')
assert_eq yes "$(calc "$dx1 - $dx0 - $D < 0.01 && $D - ($dx1 - $dx0) < 0.01")" "the seal is 36 mm across, its real size"
assert_eq yes "$(calc "$dx1 - ($mx + $mw / 3) < 0.01 && ($mx + $mw / 3) - $dx1 < 0.01")" \
  "the seal covers the left third of the signature image"
assert_eq yes "$(calc "($dy1 - $D / 2) - ($my + $mh / 2) < 0.01 && ($my + $mh / 2) - ($dy1 - $D / 2) < 0.01")" \
  "level with the signature image's middle"
# The page drawn at 72 dpi (a pixel a point); y from the top.
pdftoppm -r 72 -f "$LAST" -l "$LAST" "$TMP/issued.pdf" "$TMP/page" || die "pdftoppm failed"
PPM=$(ls "$TMP"/page*.ppm)
H_PT=$(pdfinfo -f "$LAST" -l "$LAST" "$TMP/issued.pdf" | awk '/^Page.*size:/{print $6; exit}')
count() {  # count X0 Y0 X1 Y1 (PDF points): "red N blue M"
  "$PNG" count "$PPM" "$(printf %.0f "$1")" "$(awk "BEGIN{printf \"%.0f\", $H_PT - $4}")" \
    "$(printf %.0f "$3")" "$(awk "BEGIN{printf \"%.0f\", $H_PT - $2}")"
}
read -r _ red _ blue <<<"$(count "$(awk "BEGIN{print $mx + $mw / 3}")" "$my" "$((${mx%.*} + ${mw%.*}))" "$(awk "BEGIN{print $my + $mh}")")"
assert_eq yes "$(calc "$blue > 200")" "blue ink right of the seal, in the signature image ($blue pixels)"
read -r _ red _ blue <<<"$(count "$(awk "BEGIN{print $mx + 2 * $mw / 3}")" "$sy0" "$sx1" "$sy1")"
assert_eq 0 "$red" "no red over the right third of the signature"
read -r _ red _ blue <<<"$(count "$dx0" "$(awk "BEGIN{print $dy1 - $D}")" "$dx1" "$dy1")"
assert_eq yes "$(calc "$red > 800")" "the red seal is drawn in its field ($red pixels)"
read -r _ red _ blue <<<"$(count "$mx" "$my" "$(awk "BEGIN{print $mx + $mw / 3}")" "$(awk "BEGIN{print $my + $mh}")")"
assert_eq yes "$(calc "$red > 50")" "red over the left third of the signature image ($red pixels)"
read -r _ red _ blue <<<"$(count 0 0 300 300)"
assert_eq "0 0" "$red $blue" "nothing red or blue at the bottom left of the page"
# The small print under the seal: the organisation and the signing time.
run pdftotext -f "$LAST" -l "$LAST" "$TMP/issued.pdf" -
ISSUED_AT=$("$VANBAN" --home "$H" --json doc show "$DOC" | jq -r '.issue.at')
assert_contains "$OUT" "Sở Ngoại vụ tỉnh Lạng Sơn" "the organisation in small print"
assert_contains "$OUT" "$ISSUED_AT" "the issuing time, ISO 8601 with +07:00, in small print"

step "the signature dictionaries keep signer, time and certificate serial"
vb --json verify "$TMP/issued.pdf"
assert_eq 0 "$RC" "vanban verify: valid"
for field in ky-1 dong-dau; do
  serial=$(jqo --arg f "$field" '.signatures[] | select(.field == $f) | .serial')
  [[ -n $serial && $serial != null ]] || fail "$field: no serial in verify's output"
  grep -qa "/VB_Serial *($serial)" "$TMP/issued.pdf" && ok || fail "$field: serial $serial in its signature dictionary"
done
must org certificate -o "$TMP/ca.pem"
mkdir -p "$TMP/nss"
certutil -N -d "sql:$TMP/nss" --empty-password && certutil -A -d "sql:$TMP/nss" -n langson -t "CT,C,C" -i "$TMP/ca.pem" ||
  die "certutil failed"
run pdfsig -nssdir "sql:$TMP/nss" "$TMP/issued.pdf"
assert_eq 2 "$(grep -c "Signature Validation: Signature is Valid." <<<"$OUT")" "pdfsig: both signatures valid with the images"
assert_eq 2 "$(grep -c "Certificate Validation: Certificate is Trusted." <<<"$OUT")" "pdfsig: both trusted"
assert_contains "$(awk '/^Signature #2:/{p=1} p' <<<"$OUT")" "Total document signed" "the seal covers the whole file"

step "a signer without an image keeps the text stamp; the seal image sits where the seal's field was"
with_title "$SAMPLES/directive-2021-thi-dua.md" "$TMP/second.md" "Kế hoạch thứ hai"
new_doc chuyenvien "$TMP/second.md"
must_as chuyenvien submit "$DOC" --to giamdoc
must_as giamdoc sign "$DOC"
must_as vanthu issue "$DOC"
must export pdf "$DOC" -o "$TMP/second.pdf"
run pdfimages -list "$TMP/second.pdf"
assert_eq 1 "$(awk '$3 == "image"' <<<"$OUT" | wc -l)" "one image: the seal"
assert_eq 1 "$(awk '$3 == "image" && $4 == 300' <<<"$OUT" | wc -l)" "it is the seal"
run pdftotext "$TMP/second.pdf" -
assert_contains "$OUT" "Ký số bởi: Trịnh Tuyết Mai" "the director's text stamp"
vb verify "$TMP/second.pdf"
assert_eq 0 "$RC" "valid"

step "a new image counts from its record on; earlier PDFs do not change"
cp "$TMP/issued.pdf" "$TMP/issued-before.pdf"
vb user image giamdoc "$TMP/sig.png"
assert_eq 0 "$RC" "the director's image"
must export pdf "$DOC" -o "$TMP/second-again.pdf"
cmp -s "$TMP/second.pdf" "$TMP/second-again.pdf" && ok || fail "an issued PDF is kept as it was signed"

finish
