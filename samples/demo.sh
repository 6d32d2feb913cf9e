#!/usr/bin/env bash
# The sample workflow, end to end, on fresh nodes:
#   Lạng Sơn drafts, reviews, signs and issues the 2021 emulation directive;
#   Cao Bằng drafts its six-month report 2022, signed by a deputy ("KT. GIÁM ĐỐC");
#   Lạng Sơn drafts the Cluster No. 1 pledge for 2017 with Cao Bằng and Lào Cai as parties;
#   each party signs on its own node as the pledge reaches it (a sync over 127.0.0.1 with
#   Lạng Sơn's `serve`, and a bundle file from Lào Cai).
# Then the signed PDFs: exported, verified (also on a node of another province that
# trusts the issuing organisation's card), and the archives of 2021 and 2022;
# registers, search and `check` on every node. The PDFs are left in WORKDIR/pdf.
# Usage: bash samples/demo.sh [WORKDIR]   (default: a new temporary folder)
# Needs build/bin/vanban (bash scripts/setup.sh builds it).
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
VANBAN="${VANBAN:-$ROOT/build/bin/vanban}"
[ -x "$VANBAN" ] || { echo "demo: $VANBAN not found; run: bash scripts/setup.sh" >&2; exit 2; }
WORK="${1:-$(mktemp -d /tmp/vanban-demo.XXXXXX)}"
mkdir -p "$WORK/pass"
SAMPLES="$ROOT/samples"

if [ -t 1 ]; then say() { printf '\n\033[1m== %s\033[0m\n' "$*"; }; else say() { printf '\n== %s\n' "$*"; }; fi
# Each person has their own passphrase file; nobody else's passphrase unlocks their key.
pass() { local f="$WORK/pass/$1"; [ -f "$f" ] || { printf 'mat-khau-%s-%s\n' "$1" "$RANDOM$RANDOM" >"$f"; chmod 600 "$f"; }; echo "$f"; }
# vb HOME LOGIN TIME args... : run vanban as LOGIN at the given local time (+07:00).
vb() {
  local home="$1" who="$2" at="$3"; shift 3
  VANBAN_NOW="$at" "$VANBAN" --home "$WORK/$home" --as "$who" --passphrase-file "$(pass "$home-$who")" "$@"
}
# neworg HOME PROVINCE PARENT DIRECTOR: a department of foreign affairs, its director as admin.
T0="2016-12-01T08:00:00+07:00"
neworg() {
  VANBAN_NOW="$T0" "$VANBAN" --home "$WORK/$1" --passphrase-file "$(pass "$1-giamdoc")" init \
    --org "Sở Ngoại vụ tỉnh $2" --code SNgV --place "$2" --parent "$3" \
    --admin giamdoc --name "$4" --title "Giám đốc"
}
adduser() {  # adduser HOME LOGIN NAME TITLE ROLES
  local home="$1" admin="$2"; shift 2
  vb "$home" "$admin" "$T0" user add "$1" --name "$2" --title "$3" --roles "$4" --new-passphrase-file "$(pass "$home-$1")"
}

say "Sở Ngoại vụ tỉnh Lạng Sơn: the node and its people"
neworg langson "Lạng Sơn" "UBND TỈNH LẠNG SƠN" "Trịnh Tuyết Mai"
adduser langson giamdoc chuyenvien "Nông Thị Hạnh" "Chuyên viên" drafter
adduser langson giamdoc tphc "Hoàng Văn Quân" "Chánh Văn phòng" reviewer
adduser langson giamdoc tpqlbg "Lương Thị Thu" "Trưởng phòng Quản lý biên giới" reviewer
adduser langson giamdoc pgd "Vi Đức Thắng" "Phó Giám đốc" signer
adduser langson giamdoc vanthu "Lộc Thị Mai" "Văn thư" clerk
vb langson giamdoc "$T0" user list
# Decree 30 Appendix I: the deputy's handwritten signature and the seal, as images
# (made-up ones: samples/images/README.md).
vb langson giamdoc "$T0" user image pgd "$SAMPLES/images/chu-ky-pgd.png"
vb langson giamdoc "$T0" org seal-image "$SAMPLES/images/dau-so-ngoai-vu.png" --diameter 36
# The working days deadlines count: the year's public holidays.
vb langson giamdoc "$T0" calendar import "$SAMPLES/holidays-2026.txt"

say "Directive: draft, route for comments, concur"
DIR=$(vb langson chuyenvien 2021-02-01T08:30:00+07:00 --json doc new "$SAMPLES/directive-2021-thi-dua.md" | sed -n 's/.*"id": "\([0-9a-f]*\)".*/\1/p')
echo "document $DIR"
vb langson chuyenvien 2021-02-01T08:35:00+07:00 route "$DIR" --to tphc,tpqlbg
vb langson tphc 2021-02-01T10:00:00+07:00 inbox
vb langson tphc 2021-02-01T10:05:00+07:00 comment "$DIR" "Đề nghị bổ sung thời hạn đăng ký danh hiệu thi đua của các phòng."
vb langson tpqlbg 2021-02-01T14:00:00+07:00 comment "$DIR" "Nhất trí; đề nghị nêu rõ nội dung thi đua về công tác biên giới."
vb langson tpqlbg 2021-02-01T14:05:00+07:00 approve "$DIR"
sed 's/^1\. Tổ chức phát động/1. Tổ chức phát động (bổ sung)/' "$SAMPLES/directive-2021-thi-dua.md" >"$WORK/directive-r2.md"
grep -q "(bổ sung)" "$WORK/directive-r2.md" || printf '\n- Các phòng đăng ký danh hiệu thi đua trước ngày 25/02/2021.\n' >>"$WORK/directive-r2.md"
vb langson chuyenvien 2021-02-02T08:30:00+07:00 doc edit "$DIR" "$WORK/directive-r2.md"
vb langson tphc 2021-02-02T09:00:00+07:00 approve "$DIR"
vb langson tpqlbg 2021-02-02T09:10:00+07:00 approve "$DIR"

say "Directive: submit, returned once, signed on behalf by the deputy, issued"
vb langson chuyenvien 2021-02-02T10:00:00+07:00 submit "$DIR" --to pgd
vb langson pgd 2021-02-02T15:00:00+07:00 inbox
vb langson pgd 2021-02-02T15:10:00+07:00 return "$DIR" --reason "Bổ sung Hội đồng Thi đua - Khen thưởng Sở vào phần tổ chức thực hiện"
printf '\n- Hội đồng Thi đua - Khen thưởng Sở theo dõi, đôn đốc và tổng hợp kết quả thực hiện.\n' >>"$WORK/directive-r2.md"
vb langson chuyenvien 2021-02-03T08:30:00+07:00 doc edit "$DIR" "$WORK/directive-r2.md"
vb langson chuyenvien 2021-02-03T08:40:00+07:00 submit "$DIR" --to pgd
vb langson pgd 2021-02-03T09:00:00+07:00 sign "$DIR" --on-behalf
vb langson vanthu 2021-02-03T09:30:00+07:00 inbox
vb langson vanthu 2021-02-03T09:35:00+07:00 issue "$DIR"
vb langson vanthu 2021-02-03T09:40:00+07:00 doc show "$DIR"
vb langson vanthu 2021-02-03T09:40:00+07:00 doc log "$DIR"

say "Sở Ngoại vụ tỉnh Cao Bằng: six-month report 2022, signed by a deputy (KT. GIÁM ĐỐC)"
neworg caobang "Cao Bằng" "UBND TỈNH CAO BẰNG" "Lục Văn Kiên"
adduser caobang giamdoc chuyenvien "Hà Thị Nguyệt" "Chuyên viên" drafter
adduser caobang giamdoc tpvp "Đàm Văn Hùng" "Chánh Văn phòng" reviewer
adduser caobang giamdoc pgd "Nông Văn Sơn" "Phó Giám đốc" signer
adduser caobang giamdoc vanthu "Bế Thị Hằng" "Văn thư" clerk
REP=$(vb caobang chuyenvien 2022-06-20T08:00:00+07:00 --json doc new "$SAMPLES/report-2022-so-ket.md" | sed -n 's/.*"id": "\([0-9a-f]*\)".*/\1/p')
vb caobang chuyenvien 2022-06-20T08:05:00+07:00 route "$REP" --to tpvp
vb caobang tpvp 2022-06-20T10:00:00+07:00 comment "$REP" "Số liệu văn bản đến, văn bản đi đã khớp với sổ đăng ký."
vb caobang tpvp 2022-06-20T10:05:00+07:00 approve "$REP"
vb caobang chuyenvien 2022-06-20T11:00:00+07:00 submit "$REP" --to pgd
vb caobang pgd 2022-06-21T08:00:00+07:00 sign "$REP" --on-behalf
vb caobang vanthu 2022-06-21T08:30:00+07:00 issue "$REP"

say "Cluster No. 1: organisation cards, and the 2017 pledge drafted in Lạng Sơn"
neworg laocai "Lào Cai" "UBND TỈNH LÀO CAI" "Hoàng Thị Thanh" >/dev/null
vb caobang giamdoc "$T0" org card -o "$WORK/caobang.card"
vb laocai giamdoc "$T0" org card -o "$WORK/laocai.card"
vb langson giamdoc "$T0" org trust "$WORK/caobang.card" --alias caobang
vb langson giamdoc "$T0" org trust "$WORK/laocai.card" --alias laocai
PLG=$(vb langson chuyenvien 2016-12-20T08:00:00+07:00 --json doc new "$SAMPLES/pledge-2017-cum-1.md" | sed -n 's/.*"id": "\([0-9a-f]*\)".*/\1/p')
vb langson chuyenvien 2016-12-20T08:10:00+07:00 submit "$PLG" --to giamdoc
vb langson giamdoc 2016-12-26T09:00:00+07:00 sign "$PLG"
vb langson giamdoc 2016-12-26T09:05:00+07:00 doc show "$PLG"

say "Sync: the parties sign on their own nodes (Cao Bằng by network, Lào Cai by bundle)"
vb langson giamdoc "$T0" org card -o "$WORK/langson.card"
vb caobang giamdoc "$T0" org trust "$WORK/langson.card" --alias langson
vb caobang giamdoc "$T0" org trust "$WORK/laocai.card" --alias laocai
vb laocai giamdoc "$T0" org trust "$WORK/langson.card" --alias langson
vb laocai giamdoc "$T0" org trust "$WORK/caobang.card" --alias caobang
# Started directly, not through vb: $! must be the server itself, so that the kill below
# (and the trap) stop it, not a subshell that would leave it running.
VANBAN_NOW=2016-12-26T10:00:00+07:00 "$VANBAN" --home "$WORK/langson" --as giamdoc \
  --passphrase-file "$(pass langson-giamdoc)" serve --listen 127.0.0.1:0 >"$WORK/serve.out" 2>"$WORK/serve.log" &
SERVE=$!
trap 'kill $SERVE 2>/dev/null' EXIT
for _ in $(seq 100); do PORT=$(sed -n 's/^Listening on 127\.0\.0\.1:\([0-9]*\) .*/\1/p' "$WORK/serve.out"); [ -n "$PORT" ] && break; sleep 0.05; done
[ -n "$PORT" ] || { echo "demo: serve did not start: $(cat "$WORK/serve.log")" >&2; exit 1; }
cat "$WORK/serve.out"
vb caobang giamdoc 2016-12-27T08:00:00+07:00 sync "127.0.0.1:$PORT"
vb caobang giamdoc 2016-12-27T08:05:00+07:00 inbox
vb caobang giamdoc 2016-12-27T08:10:00+07:00 sign "$PLG"
vb caobang giamdoc 2016-12-27T08:15:00+07:00 sync "127.0.0.1:$PORT"
vb laocai giamdoc 2016-12-28T08:00:00+07:00 sync "127.0.0.1:$PORT"
vb laocai giamdoc 2016-12-28T08:10:00+07:00 sign "$PLG"
echo "Lào Cai's border post has no network today: its signature goes by USB stick."
vb laocai giamdoc 2016-12-28T08:20:00+07:00 bundle export --for langson -o "$WORK/laocai-for-langson.bundle"
vb langson giamdoc 2016-12-29T08:00:00+07:00 bundle import "$WORK/laocai-for-langson.bundle"
vb caobang giamdoc 2016-12-29T09:00:00+07:00 sync "127.0.0.1:$PORT"
kill -TERM $SERVE; wait $SERVE || true; trap - EXIT
echo "Lạng Sơn's server log:"; cat "$WORK/serve.log"
for h in langson caobang laocai; do
  printf '%s: ' "$h"; vb "$h" giamdoc 2016-12-29T10:00:00+07:00 doc list --kind pledge
done

say "Signed PDFs: export, verify on the issuing node and on another province's node, archive"
mkdir -p "$WORK/pdf"
vb langson chuyenvien 2016-12-29T10:00:00+07:00 export pdf "$PLG" -o "$WORK/pdf/giao-uoc-2017-cum-1.pdf"
vb langson vanthu 2021-02-03T10:00:00+07:00 export pdf "$DIR" -o "$WORK/pdf/1_KH-SNgV-2021.pdf"
vb caobang vanthu 2022-06-21T09:00:00+07:00 export pdf "$REP" -o "$WORK/pdf/1_BC-SNgV-2022.pdf"
vb langson vanthu 2021-02-03T10:00:00+07:00 verify "$WORK/pdf/1_KH-SNgV-2021.pdf"
echo "The pledge, signed on three nodes:"
vb laocai giamdoc 2016-12-29T10:00:00+07:00 verify "$WORK/pdf/giao-uoc-2017-cum-1.pdf"
echo "Cao Bằng checks Lạng Sơn's directive from the PDF alone:"
vb caobang vanthu 2022-06-21T09:00:00+07:00 verify "$WORK/pdf/1_KH-SNgV-2021.pdf"
vb caobang vanthu 2022-06-21T09:00:00+07:00 verify "$WORK/pdf/1_BC-SNgV-2022.pdf"
vb langson vanthu 2021-12-31T16:00:00+07:00 archive export --year 2021 -o "$WORK/archive-langson-2021"
vb caobang vanthu 2022-12-31T16:00:00+07:00 archive export --year 2022 -o "$WORK/archive-caobang-2022"
ls -l "$WORK/pdf" "$WORK/archive-langson-2021" "$WORK/archive-caobang-2022"

say "Any PDF reader: poppler's pdfsig, trusting only the three organisations' authorities"
mkdir -p "$WORK/nss"
certutil -N -d "sql:$WORK/nss" --empty-password
for h in langson caobang laocai; do
  vb "$h" giamdoc 2022-12-31T16:00:00+07:00 org certificate -o "$WORK/$h-ca.pem" >/dev/null
  certutil -A -d "sql:$WORK/nss" -n "$h" -t "CT,C,C" -i "$WORK/$h-ca.pem"
done
for f in "$WORK"/pdf/*.pdf; do
  out=$(pdfsig -nssdir "sql:$WORK/nss" "$f" 2>&1) || true
  signed=$(grep -c "Signer Certificate Common Name" <<<"$out" || true)
  good=$(grep -c "Signature is Valid" <<<"$out" || true)
  trusted=$(grep -c "Certificate is Trusted" <<<"$out" || true)
  echo "$(basename "$f"): $signed signatures, $good valid, $trusted trusted ($(grep "Signer Certificate Common Name" <<<"$out" | sed 's/.*Name: //' | paste -sd, | sed 's/,/, /g'))"
  [[ $signed -gt 0 && $good -eq $signed && $trusted -eq $signed ]] || { echo "demo: pdfsig does not accept $f" >&2; exit 1; }
done

say "Registers, search and checks"
vb langson vanthu 2021-12-31T16:00:00+07:00 register --year 2021
vb caobang vanthu 2022-12-31T16:00:00+07:00 register --year 2022
vb langson vanthu 2021-12-31T16:00:00+07:00 doc list --query "thi dua lang son"
for h in langson caobang laocai; do
  echo "$h:"
  vb "$h" giamdoc 2022-12-31T16:00:00+07:00 check
done
say "Done. The nodes are in $WORK"
