#!/usr/bin/env bash
# Malformed document files: each is refused with exit 2 (4 for a missing file or an
# untrusted party), one line on stderr naming the file, the line and the field,
# and nothing is written.
source "$(dirname "$0")/lib.sh"

DIRECTIVE="$SAMPLES/directive-2021-thi-dua.md"
PLEDGE="$SAMPLES/pledge-2017-cum-1.md"
B="$TMP/bad"
mkdir -p "$B"

setup_org "$TMP/home"
new_doc chuyenvien "$DIRECTIVE"
GOOD=$DOC

# expect_bad CODE FILE NEEDLE...: doc new FILE (and doc edit GOOD FILE) exit CODE,
# with one line on stderr that names FILE and contains every NEEDLE; no record is
# added; nothing on stdout under --json.
expect_bad() {
  local code=$1 file=$2; shift 2
  local n needle
  n=$(records)
  assert_as "$code" chuyenvien --json doc new "$file"
  assert_stdout_empty "doc new $(basename "$file")"
  assert_one_line_error "doc new $(basename "$file")"
  assert_contains "$ERR" "$file" "the error names the file"
  for needle in "$@"; do assert_contains "$ERR" "$needle" "doc new $(basename "$file")"; done
  if [[ "${EDIT_TOO:-1}" == 1 ]]; then
    assert_as "$code" chuyenvien --json doc edit "$GOOD" "$file"
    assert_stdout_empty "doc edit $(basename "$file")"
    assert_contains "$ERR" "$file" "doc edit: the error names the file"
    for needle in "$@"; do assert_contains "$ERR" "$needle" "doc edit $(basename "$file")"; done
  fi
  assert_eq "$n" "$(records)" "$(basename "$file"): nothing written"
}

# A valid front matter + body, with the given front matter lines.
doc_with() {  # doc_with FILE FRONT_MATTER_LINES [BODY]
  printf -- '---\n%s\n---\n%s\n' "$2" "${3-## I. MỤC ĐÍCH

1. Nội dung kế hoạch.}" >"$1"
}

# ---------------------------------------------------------------------------------
step "front matter"
doc_with "$B/no-kind.md" 'title: Kế hoạch không có loại
recipients:
  - Lưu: VT'
expect_bad 2 "$B/no-kind.md" ":2:" "'kind'" "missing"

doc_with "$B/unknown-kind.md" 'title: Một văn bản
kind: memo'
expect_bad 2 "$B/unknown-kind.md" ":3:" "kind" "memo"

doc_with "$B/empty-title.md" 'kind: directive
title: ""'
expect_bad 2 "$B/empty-title.md" ":3:" "'title'" "empty"

doc_with "$B/blank-title.md" 'kind: directive
title:
recipients:
  - Lưu: VT'
expect_bad 2 "$B/blank-title.md" ":3:" "'title'"

doc_with "$B/no-title.md" 'kind: report'
expect_bad 2 "$B/no-title.md" ":2:" "'title'" "missing"

doc_with "$B/unknown-key.md" 'kind: directive
title: Kế hoạch có khóa lạ
author: Hoàng Văn Chuyên'
expect_bad 2 "$B/unknown-key.md" ":4:" "'author'" "unknown front-matter key"

doc_with "$B/twice.md" 'kind: directive
title: Một
title: Hai'
expect_bad 2 "$B/twice.md" "title"

doc_with "$B/pledge-no-parties.md" 'kind: pledge
title: Giao ước thi đua không có bên nào'
expect_bad 2 "$B/pledge-no-parties.md" ":2:" "'parties'" "pledge"

doc_with "$B/pledge-empty-parties.md" 'kind: pledge
title: Giao ước thi đua
parties: []'
expect_bad 2 "$B/pledge-empty-parties.md" ":4:" "'parties'"

doc_with "$B/directive-parties.md" 'kind: directive
title: Kế hoạch có bên ký
parties: [caobang]'
# A directive may name parties (a joint document), but only trusted organisations.
EDIT_TOO=0 expect_bad 4 "$B/directive-parties.md" "party 'caobang' is not a trusted organisation"

doc_with "$B/bad-symbol.md" 'kind: directive
title: Kế hoạch
symbol: XYZ'
expect_bad 2 "$B/bad-symbol.md" ":4:" "'symbol'" "XYZ"

printf 'kind: directive\ntitle: Không có front matter\n\nNội dung.\n' >"$B/no-front-matter.md"
expect_bad 2 "$B/no-front-matter.md" ":1:" "front matter"

printf -- '---\nkind: directive\ntitle: Chưa đóng\n\nNội dung.\n' >"$B/unclosed.md"
expect_bad 2 "$B/unclosed.md" ":1:" "closing"

doc_with "$B/yaml-error.md" 'kind: directive
title: Kế hoạch
recipients: [không đóng ngoặc'
expect_bad 2 "$B/yaml-error.md" "front matter"

doc_with "$B/empty-body.md" 'kind: directive
title: Không có nội dung' ''
expect_bad 2 "$B/empty-body.md" "body" "empty"

# ---------------------------------------------------------------------------------
step "body"
doc_with "$B/footnote.md" 'kind: directive
title: Kế hoạch có chú thích' '## I. MỤC ĐÍCH

1. Thực hiện theo Kế hoạch số 206/KH-UBND[^1].

2. Căn cứ Chỉ thị số 02/CT-UBND[^2].

[^1]: Ngày 29/12/2020.'
# Line 1 is '---', the front matter is lines 2-3, '---' line 4, body from line 5:
# the undefined [^2] is on line 9.
expect_bad 2 "$B/footnote.md" ":9:" "[^2]" "no definition"

doc_with "$B/footnote-unused.md" 'kind: directive
title: Kế hoạch' '1. Nội dung.

[^7]: Không được dẫn.'
expect_bad 2 "$B/footnote-unused.md" ":7:" "[^7]"

doc_with "$B/heading.md" 'kind: directive
title: Kế hoạch' '#### Quá sâu

1. Nội dung.'
expect_bad 2 "$B/heading.md" ":5:" "heading"

# ---------------------------------------------------------------------------------
step "bytes: invalid UTF-8, binary data, size"
# Invalid UTF-8: a lone continuation byte right after a known prefix.
PREFIX=$'---\nkind: directive\ntitle: Kế hoạch\n---\n1. Nội dung '
{ printf '%s' "$PREFIX"; printf '\xC3\x28 sai mã\n'; } >"$B/bad-utf8.md"
OFFSET=$(printf '%s' "$PREFIX" | wc -c)
expect_bad 2 "$B/bad-utf8.md" "UTF-8" "byte offset $OFFSET"

# Latin-1 (a Windows file not saved as UTF-8): "Kế hoạch" is not encodable, "Sở" neither;
# "Hà Nội" in Latin-1 has à = 0xE0 then ' ' (not a continuation byte).
PREFIX2=$'---\nkind: directive\ntitle: H'
{ printf '%s' "$PREFIX2"; printf '\xE0 N\xF4i\n---\nN\xF4i dung.\n'; } >"$B/latin1.md"
expect_bad 2 "$B/latin1.md" "UTF-8" "byte offset $(printf '%s' "$PREFIX2" | wc -c)"

# Binary data: NUL bytes (e.g. a .docx or a PDF given by mistake).
{ printf -- '---\nkind: directive\ntitle: Kế hoạch\n---\n'; printf 'PK\x03\x04\x00\x00\x08\x00'; head -c 2000 /dev/urandom; } >"$B/binary.md"
expect_bad 2 "$B/binary.md" "byte offset"
head -c 4096 /dev/urandom >"$B/random.bin"
expect_bad 2 "$B/random.bin"

# Larger than 10 MiB (a valid document otherwise).
{
  printf -- '---\nkind: report\ntitle: Báo cáo quá lớn\n---\n'
  yes "Sở Ngoại vụ tỉnh Lạng Sơn báo cáo kết quả công tác đối ngoại năm 2021." | head -c $((10 * 1024 * 1024 + 10))
} >"$B/huge.md"
expect_bad 2 "$B/huge.md" "10 MiB"
# Exactly at the limit it is accepted (10 MiB = 10485760 bytes, document included).
{
  printf -- '---\nkind: report\ntitle: Báo cáo vừa đủ lớn\n---\n'
  yes "So Ngoai vu tinh Lang Son bao cao ket qua cong tac doi ngoai nam 2021." | head -c $((10 * 1024 * 1024 - 200))
  printf '\n'
} >"$B/big.md"
# (on a copy of the node: every later check would re-read the 10 MiB record)
cp -a "$H" "$TMP/home-big"
N=$(records)
assert_exit 0 "$VANBAN" --home "$TMP/home-big" --as chuyenvien --json doc new "$B/big.md"
assert_eq "$((N + 1))" "$("$VANBAN" --home "$TMP/home-big" --json check | jq .records)" "a document just under 10 MiB is accepted"
rm -rf "$TMP/home-big"

# ---------------------------------------------------------------------------------
step "a file that does not exist"
# Exit 4 (not found), as the code does: the named input does not exist, like an
# unknown document id; the message names the file. (Exit 2 would also fit "bad
# usage"; 4 is kept because it tells a script "nothing by that name".)
EDIT_TOO=1 expect_bad 4 "$B/khong-co-tep.md" "no such file"
# A folder is not a document file: bad input.
EDIT_TOO=0 expect_bad 2 "$B" "folder"

# ---------------------------------------------------------------------------------
step "doc edit: the kind of a document cannot change"
doc_with "$B/now-report.md" 'kind: report
title: Phát động phong trào thi đua yêu nước năm 2021'
EDIT_TOO=0
N=$(records)
assert_as 2 chuyenvien --json doc edit "$GOOD" "$B/now-report.md"
assert_contains "$ERR" "$B/now-report.md" "the error names the file"
assert_contains "$ERR" "kind" "the error names the field kind"
assert_eq "$N" "$(records)" "changing the kind wrote nothing"

# ---------------------------------------------------------------------------------
step "a pledge naming organisations that are not trusted (4)"
N=$(records)
assert_as 4 chuyenvien --json doc new "$PLEDGE"
assert_stdout_empty "untrusted party, --json"
assert_one_line_error "untrusted party"
assert_contains "$ERR" "$PLEDGE" "the error names the file"
assert_contains "$ERR" "caobang" "the error names the untrusted alias"
assert_eq "$N" "$(records)" "untrusted party: nothing written"

# Trust Cao Bằng (its card from its own node), not yet Lào Cai.
run "$VANBAN" --home "$TMP/caobang" init --org "Sở Ngoại vụ tỉnh Cao Bằng" --code SNgV --place "Cao Bằng" \
  --admin giamdoc --name "Bế Thị Lan" --title "Giám đốc"
[[ $RC -eq 0 ]] || die "init Cao Bằng"
run "$VANBAN" --home "$TMP/caobang" org card -o "$TMP/caobang.card"
[[ $RC -eq 0 ]] || die "org card Cao Bằng"
run "$VANBAN" --home "$TMP/laocai" init --org "Sở Ngoại vụ tỉnh Lào Cai" --code SNgV --place "Lào Cai" \
  --admin giamdoc --name "Đỗ Văn Hùng" --title "Giám đốc"
[[ $RC -eq 0 ]] || die "init Lào Cai"
run "$VANBAN" --home "$TMP/laocai" org card -o "$TMP/laocai.card"
[[ $RC -eq 0 ]] || die "org card Lào Cai"
must org trust "$TMP/caobang.card" --alias caobang
N=$(records)
assert_as 4 chuyenvien doc new "$PLEDGE"
assert_contains "$ERR" "laocai" "the error names the remaining untrusted alias"
assert_not_contains "$ERR" "'caobang'" "caobang is trusted now"
assert_eq "$N" "$(records)" "one untrusted party: nothing written"
must org trust "$TMP/laocai.card" --alias laocai
new_doc chuyenvien "$PLEDGE"
vb --json doc show "$DOC"
assert_jq '.parties | join(",")' "Sở Ngoại vụ tỉnh Cao Bằng,Sở Ngoại vụ tỉnh Lào Cai" "the pledge's parties, once trusted"
# A card that is not a card.
assert_vb 2 org trust "$DIRECTIVE" --alias hagiang
assert_contains "$ERR" "$DIRECTIVE" "the error names the card file"

# ---------------------------------------------------------------------------------
step "lines people write as text: 'Lưu: VT, VP.' and a title with ': ' (the contract's example)"
printf -- '---\nkind: directive            # directive | pledge | report\ntitle: Kế hoạch: tổ chức hội nghị sơ kết\nrecipients:\n  - UBND tỉnh (báo cáo)\n  - Lưu: VT, VP.\n---\n## I. MỤC ĐÍCH, YÊU CẦU\n1. Nội dung.\n' >"$B/as-written.md"
assert_as 0 chuyenvien --json doc new "$B/as-written.md"
WRITTEN=$(jq -r .id <<<"$OUT")
vb --json doc show "$WRITTEN"
assert_jq .title "Kế hoạch: tổ chức hội nghị sơ kết" "the title with ': ' is the text written"
assert_exit 0 "$VANBAN" --home "$H" doc text "$WRITTEN"
assert_eq "$(cat "$B/as-written.md")" "$OUT" "the text signed is the file as written"
# Still wrong: the line, and what to write instead.
doc_with "$B/flow-colon.md" 'kind: directive
title: Kế hoạch
recipients: [UBND tỉnh, Lưu: VT]'
expect_bad 2 "$B/flow-colon.md" ":4:" "'recipients'" "double quotes"

# ---------------------------------------------------------------------------------
step "the documented examples, exactly as written (the CLI contract, docs/document-format.md)"
# fenced FILE HEADING N: the N-th fenced block after the line that starts with HEADING.
fenced() {
  awk -v h="$2" -v n="$3" 'index($0, h) == 1 { on = 1 }
    on && /^```/ { if (inb) { inb = 0; if (++k == n) exit } else inb = 1; next }
    on && inb && k == n - 1 { print }' "$1"
}
CONTRACT="$ROOT/../shared/spec/cli-contract.md"
[[ -f "$CONTRACT" ]] || fail "the CLI contract is not beside the repository ($CONTRACT)"
fenced "$CONTRACT" "## The document file" 1 >"$B/contract-example.md"
assert_contains "$(cat "$B/contract-example.md")" "  - Lưu: VT, VP." "the contract's example, unquoted"
assert_as 0 chuyenvien --json doc new "$B/contract-example.md"
vb --json doc show "$(jq -r .id <<<"$OUT")"
assert_jq '.parties | join(",")' "Sở Ngoại vụ tỉnh Cao Bằng,Sở Ngoại vụ tỉnh Lào Cai" "the contract's example: a joint directive"
fenced "$ROOT/docs/document-format.md" "## Example" 1 >"$B/format-example.md"
assert_contains "$(cat "$B/format-example.md")" "  - Lưu: VT, VP." "docs/document-format.md's example, unquoted"
assert_as 0 chuyenvien --json doc new "$B/format-example.md"
fenced "$ROOT/docs/document-format.md" "## Example" 2 >"$B/format-pledge.md"
assert_contains "$(cat "$B/format-pledge.md")" "kind: pledge" "docs/document-format.md's pledge"
assert_as 0 chuyenvien --json doc new "$B/format-pledge.md"

# ---------------------------------------------------------------------------------
step "an escaped control character: FILE:LINE, before any passphrase is asked for"
doc_with "$B/escaped-nul.md" 'kind: directive
title: "A\0B"'
expect_bad 2 "$B/escaped-nul.md" ":3:" "'title'" "control character"
# No passphrase source at all: the file's own fault is what is reported.
N=$(records)
assert_exit 2 env -u VANBAN_PASSPHRASE "$VANBAN" --home "$H" --as chuyenvien doc new "$B/escaped-nul.md" </dev/null
assert_contains "$ERR" "$B/escaped-nul.md:3: field 'title' has a control character" "the file is checked before the key"
assert_eq "$N" "$(records)" "nothing written"

step "the node is sound"
vb --json check
assert_eq 0 "$RC" "check exits 0"
assert_jq .ok true "check ok"

finish
