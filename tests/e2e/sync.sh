#!/usr/bin/env bash
# Sync through the real binary, real SQLite files and real TCP on 127.0.0.1:
# three organisations (Lạng Sơn, Cao Bằng, Lào Cai) and a second node of Lạng Sơn.
#   - a node joins, is admitted, syncs; digests equal; a second sync moves nothing;
#   - a person's key made on the second node, granted on the first, used there;
#   - concurrent offline revisions on both nodes: both kept, same state on both;
#   - a record altered in one node's store is refused by the other, with the reason;
#   - a pledge drafted in Lạng Sơn is signed by each party on its own node, in any
#     order of syncs; all three end `signed`, identical;
#   - scope: a draft and internal comments never reach another organisation's files;
#   - a directive issued to org:caobang reaches Cao Bằng's incoming register (not Lào
#     Cai), is received there (incoming number, receipt), and the receipt flows back;
#   - an untrusted node is refused (exit 5); garbage and silent connections do not
#     stop the server; kill -9 of either side mid-sync, then a resync: nothing lost;
#   - bundles: the same as a sync, a damaged bundle keeps what verifies (exit 1), a
#     bundle whose header was changed (for-org) imports nothing (exit 3);
#   - serve stops cleanly on SIGTERM.
source "$(dirname "$0")/lib.sh"
command -v sqlite3 >/dev/null || die "the sqlite3 command-line program is required"

LS="$TMP/langson" LS2="$TMP/langson2" CB="$TMP/caobang" LC="$TMP/laocai" XX="$TMP/other"
clock_set 2024-12-20T08:00:00+07:00

neworg() {  # neworg HOME PROVINCE
  run "$VANBAN" --home "$1" init --org "Sở Ngoại vụ tỉnh $2" --code SNgV --place "$2" \
    --parent "UBND TỈNH ${2^^}" --admin giamdoc --name "Giám đốc $2" --title "Giám đốc"
  [[ $RC -eq 0 ]] || die "init $1 failed"
}
card() { run "$VANBAN" --home "$1" org card -o "$TMP/$2.card"; [[ $RC -eq 0 ]] || die "org card $2"; }
trust() { run "$VANBAN" --home "$1" org trust "$TMP/$2.card" --alias "$2"; [[ $RC -eq 0 ]] || die "trust $2 on $1"; }
digest() { run "$VANBAN" --home "$1" --json check; printf '%s' "$OUT" | jq -r .digest; }

# serve HOME: starts a server on a free port; sets SPID, PORT.
SERVE_LOG="$TMP/serve.log"
serve() {
  local out="$TMP/serve.out.$RANDOM"
  "$VANBAN" --home "$1" serve --listen 127.0.0.1:0 >"$out" 2>>"$SERVE_LOG" &
  SPID=$!
  PORT=""
  for _ in $(seq 100); do
    PORT=$(sed -n 's/^Listening on 127\.0\.0\.1:\([0-9]*\) .*/\1/p' "$out")
    [[ -n "$PORT" ]] && break
    sleep 0.05
  done
  [[ -n "$PORT" ]] || die "serve on $1 did not start: $(cat "$out" "$SERVE_LOG")"
}
stop_serve() { kill -TERM "$SPID" 2>/dev/null; wait "$SPID" 2>/dev/null; }
sync_with() {  # sync_with HOME  (against the current server)
  run "$VANBAN" --home "$1" --json sync "127.0.0.1:$PORT" --timeout 10
}

step "three organisations trust each other"
neworg "$LS" "Lạng Sơn"
neworg "$CB" "Cao Bằng"
neworg "$LC" "Lào Cai"
neworg "$XX" "Hà Nội"
set_home "$LS"
must user add chuyenvien --name "Nông Thị Hạnh" --title "Chuyên viên" --roles drafter
must user add tphc --name "Hoàng Văn Quân" --title "Chánh Văn phòng" --roles reviewer
must user add vanthu --name "Lộc Thị Mai" --title "Văn thư" --roles clerk
card "$LS" langson; card "$CB" caobang; card "$LC" laocai; card "$XX" hanoi
trust "$LS" caobang; trust "$LS" laocai
trust "$CB" langson; trust "$CB" laocai
trust "$LC" langson; trust "$LC" caobang

step "a second node of Lạng Sơn joins and syncs"
run "$VANBAN" --home "$LS2" --json init --join "$TMP/langson.card"
[[ $RC -eq 0 ]] || die "init --join"
LS2_NODE=$(jqo -r .node)
must node admit "$LS2_NODE" --label "laptop"
# Trust is each node's own decision: the laptop trusts the cluster's cards too.
trust "$LS2" caobang; trust "$LS2" laocai
serve "$LS"
sync_with "$LS2"
assert_eq 0 "$RC" "the admitted node syncs"
assert_json "sync --json"
assert_ne 0 "$(jqo .received)" "the new node received the organisation's records"
assert_eq "$(digest "$LS")" "$(digest "$LS2")" "same records on both nodes of Lạng Sơn"
sync_with "$LS2"
assert_jq .sent 0 "a second sync sends nothing"
assert_jq .received 0 "a second sync receives nothing"
if (( $(jqo .bytes_sent) + $(jqo .bytes_received) < 3000 )); then ok; else fail "a no-op sync is small: $OUT"; fi

step "a key made on the second node, granted on the first"
set_home "$LS2"
run "$VANBAN" --home "$LS2" key request chuyenvien2 --name "Lý Văn Hai" --title "Chuyên viên" -o "$TMP/cv2.req"
[[ $RC -eq 0 ]] || die "key request"
set_home "$LS"
must user add chuyenvien2 --request "$TMP/cv2.req" --roles drafter
sync_with "$LS2"
set_home "$LS2"
cat >"$TMP/note.md" <<'EOF'
---
kind: directive
title: Kế hoạch kiểm tra cửa khẩu năm 2025
recipients:
  - "Lưu: VT"
---
Nội dung ban đầu.
EOF
must --json doc new "$TMP/note.md" --as chuyenvien2
NOTE=$(jqo -r .id)
sync_with "$LS2"
assert_jq .sent 1 "the new document goes to the first node"
set_home "$LS"
must --json doc show "$NOTE"
assert_jq .creator "chuyenvien2" "the first node shows the second node's person"

step "concurrent offline revisions on both nodes"
sed 's/Nội dung ban đầu./Sửa tại máy văn phòng./' "$TMP/note.md" >"$TMP/note-a.md"
sed 's/Nội dung ban đầu./Sửa trên máy xách tay./' "$TMP/note.md" >"$TMP/note-b.md"
set_home "$LS"; must doc edit "$NOTE" "$TMP/note-a.md" --as chuyenvien
set_home "$LS2"; must doc edit "$NOTE" "$TMP/note-b.md" --as chuyenvien2
sync_with "$LS2"
assert_jq .sent 1 "one revision each way"
assert_jq .received 1 "one revision each way"
for h in "$LS" "$LS2"; do
  run "$VANBAN" --home "$h" --json doc show "$NOTE"
  assert_jq '.revisions | length' 3 "both revisions kept on $(basename "$h")"
  assert_jq '.heads | length' 2 "two heads on $(basename "$h")"
done
run "$VANBAN" --home "$LS" --json doc show "$NOTE"; A_SHOW=$OUT
run "$VANBAN" --home "$LS2" --json doc show "$NOTE"; B_SHOW=$OUT
assert_eq "$A_SHOW" "$B_SHOW" "the same document on both nodes, byte for byte"
assert_eq "$(digest "$LS")" "$(digest "$LS2")" "digests equal after concurrent edits"

step "a record altered on one node is refused by the other, with the reason"
set_home "$LS2"
printf -- '---\nkind: report\ntitle: Báo cáo sẽ bị sửa\nrecipients:\n  - "Lưu: VT"\n---\nNội dung gốc ABC.\n' >"$TMP/forge.md"
must --json doc new "$TMP/forge.md" --as chuyenvien2
FORGE=$(jqo -r .id)
sqlite3 "$LS2/vanban.db" "UPDATE records SET bytes = CAST(replace(CAST(bytes AS TEXT), 'gốc ABC', 'gốc XYZ') AS BLOB) WHERE id='$FORGE'"
sync_with "$LS2"
assert_eq 0 "$RC" "the session itself succeeds"
assert_jq .peer_refused 1 "the other node refused the altered record"
assert_contains "$(jqo -c .peer_refusals)" "signature" "and says why"
set_home "$LS"; assert_vb 4 doc show "$FORGE"
# Put the second node right again: the altered record goes, its views are rebuilt.
sqlite3 "$LS2/vanban.db" "DELETE FROM records WHERE id='$FORGE'"
set_home "$LS2"; assert_vb 0 check --repair
assert_eq "$(digest "$LS")" "$(digest "$LS2")" "both nodes hold the same records again"

step "a draft and a pledge in Lạng Sơn"
set_home "$LS"
cat >"$TMP/secret.md" <<'EOF'
---
kind: directive
title: DỰ THẢO NỘI BỘ KHÔNG CHIA SẺ ZQX7
recipients:
  - "Lưu: VT"
---
Văn bản nội bộ MẬT-ZQX7.
EOF
must --json doc new "$TMP/secret.md" --as chuyenvien
SECRET=$(jqo -r .id)
must route "$SECRET" --to tphc --as chuyenvien
must comment "$SECRET" "Ý KIẾN NỘI BỘ QWX9" --as tphc
cat >"$TMP/pledge.md" <<'EOF'
---
kind: pledge
title: Giao ước thi đua năm 2025 của Cụm thi đua số 1
recipients:
  - "Lưu: VT"
parties: [caobang, laocai]
---
Các bên cùng thi đua thực hiện tốt nhiệm vụ năm 2025.
EOF
must --json doc new "$TMP/pledge.md" --as chuyenvien
PLG=$(jqo -r .id)
must route "$PLG" --to tphc --as chuyenvien
must comment "$PLG" "GÓP Ý NỘI BỘ GIAO ƯỚC WQ5" --as tphc
must submit "$PLG" --to giamdoc --as chuyenvien
must sign "$PLG"

step "the untrusted organisation's node is refused"
run "$VANBAN" --home "$XX" sync "127.0.0.1:$PORT" --timeout 5
assert_eq 5 "$RC" "an untrusted node: exit 5"
assert_contains "$ERR" "refused" "the refusal is explained"

step "garbage, truncated and silent connections do not stop the server"
exec 7<>"/dev/tcp/127.0.0.1/$PORT" && printf 'GET / HTTP/1.0\r\n\r\n' >&7 && exec 7>&-
exec 8<>"/dev/tcp/127.0.0.1/$PORT" && printf 'vanban-sync\001short' >&8 && exec 8>&-
exec 9<>"/dev/tcp/127.0.0.1/$PORT"  # stays silent while others sync
head -c 5000 /dev/urandom >"$TMP/junk" && exec 6<>"/dev/tcp/127.0.0.1/$PORT" && cat "$TMP/junk" >&6 && exec 6>&-

step "the parties receive the pledge, in their scope only"
sync_with "$CB"
assert_eq 0 "$RC" "Cao Bằng syncs with Lạng Sơn"
assert_jq '.refused | length' 0 "nothing refused on Cao Bằng"
set_home "$CB"
must --json doc show "$PLG"
assert_jq .state partially_signed "Cao Bằng sees the pledge partially signed"
assert_jq '.comments | length' 0 "no internal comments travel"
must --json inbox
assert_jq '[.[] | select(.action == "sign")] | length' 1 "Cao Bằng's director is asked to sign"
assert_vb 4 doc show "$SECRET"
exec 9>&-
# Whole phrases: a marker of three or four ASCII letters turns up by chance in
# megabytes of keys, signatures and compressed PDF streams (a false "leak").
for secret in "SẺ ZQX7" "MẬT-ZQX7" "NỘI BỘ QWX9" "GIAO ƯỚC WQ5" "Sửa trên máy" "Kế hoạch kiểm tra"; do
  if grep -rqa "$secret" "$CB" "$LC"; then fail "'$secret' leaked to another organisation's files"; else ok; fi
done

step "each party signs on its own node, in any order of syncs"
set_home "$CB"; must sign "$PLG"
assert_eq "" "$ERR" "a party's signature prints nothing on stderr"
sync_with "$LC"                 # Lào Cai first gets the pledge from Lạng Sơn, without Cao Bằng's signature
set_home "$LC"; assert_vb 3 sign "$PLG"
assert_contains "$ERR" "Cao Bằng" "Lào Cai waits for Cao Bằng's signature"
stop_serve
serve "$CB"                     # Lào Cai syncs with Cao Bằng directly
sync_with "$LC"
assert_eq 0 "$RC" "Lào Cai syncs with Cao Bằng"
set_home "$LC"; must sign "$PLG"
sync_with "$LC"
stop_serve
serve "$LS"
sync_with "$CB"
for h in "$LS" "$CB" "$LC"; do
  run "$VANBAN" --home "$h" --json doc show "$PLG"
  assert_jq .state signed "signed on $(basename "$h")"
  assert_jq '[.signatures[] | select(.valid)] | length' 3 "three valid signatures on $(basename "$h")"
  jqo -c '{state, title, signatures: [.signatures[] | {signer, org, valid}]}' >"$TMP/plg.$(basename "$h")"
done
if cmp -s "$TMP/plg.langson" "$TMP/plg.caobang" && cmp -s "$TMP/plg.langson" "$TMP/plg.laocai"; then ok
else fail "the pledge is not the same on every node"; fi
set_home "$LC"
must export pdf "$PLG" -o "$TMP/pledge.pdf"
must --json verify "$TMP/pledge.pdf"
assert_jq .valid true "the pledge's PDF signed on three nodes verifies"
assert_jq '.signatures | length' 3 "three signatures in the PDF"
if command -v pdftotext >/dev/null; then  # each party's name printed under its signature, 14 pt bold
  bbox=$(pdftotext -bbox "$TMP/pledge.pdf" - 2>/dev/null)
  for last in Bằng Cai; do
    tall=$(grep -o "yMin=\"[0-9.]*\" xMax=\"[0-9.]*\" yMax=\"[0-9.]*\">$last</word>" <<<"$bbox" |
      sed -E 's/yMin="([0-9.]+)".*yMax="([0-9.]+)".*/\1 \2/' | awk '$2 - $1 >= 12 {n++} END {print n + 0}')
    [[ $tall -ge 1 ]] && ok || fail "the party's name ending '$last' is printed under its signature"
  done
fi

step "a directive issued to Cao Bằng reaches its incoming register"
set_home "$CB"
must user add vanthu --name "Bế Thị Lan" --title "Văn thư" --roles clerk
set_home "$LS"
cat >"$TMP/directive.md" <<'EOF'
---
kind: directive
title: Kế hoạch phối hợp tuần tra biên giới năm 2025
recipients:
  - org:caobang
  - "Lưu: VT"
---
Sở Ngoại vụ tỉnh Lạng Sơn đề nghị Sở Ngoại vụ tỉnh Cao Bằng phối hợp.
EOF
must --json doc new "$TMP/directive.md" --as chuyenvien
DIRV=$(jqo -r .id)
must route "$DIRV" --to tphc --as chuyenvien
must comment "$DIRV" "Ý KIẾN NỘI BỘ CHỈ THỊ K8J" --as tphc
must submit "$DIRV" --to giamdoc --as chuyenvien
must sign "$DIRV"
must --json issue "$DIRV" --as vanthu
NUM=$(jqo -r .number)
sync_with "$CB"
sync_with "$LC"
set_home "$CB"
must --json register --incoming
assert_jq 'length' 1 "one document in Cao Bằng's incoming register"
assert_jq '.[0].their_number' "$NUM" "the issuer's number"
assert_jq '.[0].received' false "not received yet"
must --json inbox --as vanthu
assert_jq '[.[] | select(.action == "receive")] | length' 1 "Cao Bằng's clerk is asked to receive it"
must --json receive "$DIRV" --as vanthu
assert_jq .number 1 "incoming number 1"
must --json register --incoming
assert_jq '.[0].received' true "received"
set_home "$LC"
assert_vb 4 doc show "$DIRV"
if grep -rqa "CHỈ THỊ K8J" "$CB" "$LC"; then fail "an internal comment leaked to another organisation's files"; else ok; fi
sync_with "$CB"
set_home "$LS"
must --json register
assert_jq "[.[] | select(.number == \"$NUM\") | .receipts[]] | length" 1 "Lạng Sơn sees Cao Bằng's receipt"

step "several peers at once"
pids=()
for h in "$LS2" "$CB" "$LC"; do
  "$VANBAN" --home "$h" sync "127.0.0.1:$PORT" --timeout 20 >"$TMP/par.$(basename "$h").out" 2>&1 &
  pids+=($!)
done
for p in "${pids[@]}"; do
  if wait "$p"; then ok; else fail "a concurrent sync failed: $(cat "$TMP"/par.*.out)"; fi
done
assert_eq "$(digest "$LS")" "$(digest "$LS2")" "concurrent sessions leave both nodes of Lạng Sơn equal"

step "kill -9 of the client or the server mid-sync, then a resync"
records_in() { sqlite3 "$1/vanban.db" "SELECT count(*) FROM records" 2>/dev/null || echo 0; }
# under_way HOME N PID: waits until HOME holds more than N records (a batch of the
# transfer is in) while process PID still runs; fails if PID ends first.
under_way() {
  local _
  for _ in $(seq 6000); do
    (( $(records_in "$1") > $2 )) && return 0
    kill -0 "$3" 2>/dev/null || return 1
    sleep 0.01
  done
  return 1
}
# Reports of 1.5 MB each: about three to a 4 MiB batch, so a sync takes many batches.
set_home "$LS"
yes "Nội dung báo cáo tuần, dài để một lần đồng bộ phải chuyển nhiều lô bản ghi." | head -c 1500000 >"$TMP/long.txt"
for i in $(seq 1 30); do
  { printf -- '---\nkind: report\ntitle: Báo cáo tuần %s\nrecipients:\n  - "Lưu: VT"\n---\n' "$i"; cat "$TMP/long.txt"; echo; } >"$TMP/r.md"
  run "$VANBAN" --home "$LS" doc new "$TMP/r.md" --as chuyenvien
  [[ $RC -eq 0 ]] || die "doc new (a long report): $ERR"
done
TOTAL=$(records_in "$LS")
# The client (the vanban process itself, not a shell), killed once its first batch is in.
HAD=$(records_in "$LS2")
"$VANBAN" --home "$LS2" sync "127.0.0.1:$PORT" --timeout 60 >"$TMP/killed-client.out" 2>&1 &
CPID=$!
if under_way "$LS2" "$HAD" "$CPID"; then kill -9 "$CPID"; ok; else fail "the client's transfer was never seen under way"; fi
wait "$CPID" 2>/dev/null
GOT=$(records_in "$LS2")
(( GOT > HAD && GOT < TOTAL )) && ok || fail "kill -9 of the client did not cut a transfer ($HAD, then $GOT of $TOTAL)"
assert_vb 0 check
set_home "$LS2"; assert_vb 0 check
# The server, killed once the first batch the client sends it is in.
stop_serve
serve "$LS2"
HAD=$(records_in "$LS2")
"$VANBAN" --home "$LS" sync "127.0.0.1:$PORT" --timeout 60 >"$TMP/killed-server.out" 2>&1 &
CPID=$!
if under_way "$LS2" "$HAD" "$SPID"; then kill -9 "$SPID"; ok; else fail "the server's transfer was never seen under way"; fi
wait "$SPID" 2>/dev/null
if wait "$CPID"; then fail "the client's sync succeeded though its server was killed"; else ok; fi
GOT=$(records_in "$LS2")
(( GOT > HAD && GOT < TOTAL )) && ok || fail "kill -9 of the server did not cut a transfer ($HAD, then $GOT of $TOTAL)"
set_home "$LS2"; assert_vb 0 check
set_home "$LS"; assert_vb 0 check
serve "$LS2"
sync_with "$LS"
assert_eq 0 "$RC" "the resync after the kills"
assert_eq "$(digest "$LS")" "$(digest "$LS2")" "nothing lost, nothing doubled"
stop_serve
grep -q "Stopped\|received" "$SERVE_LOG" && ok || fail "the server logs its sessions"

step "bundles: by USB stick"
set_home "$LS"
cat >"$TMP/pledge2.md" <<'EOF'
---
kind: pledge
title: Giao ước phối hợp quản lý biên giới năm 2025
recipients:
  - "Lưu: VT"
parties: [caobang]
---
Hai bên phối hợp tuần tra biên giới.
EOF
must --json doc new "$TMP/pledge2.md" --as chuyenvien
PLG2=$(jqo -r .id)
must submit "$PLG2" --to giamdoc --as chuyenvien
must sign "$PLG2"
must --json bundle export -o "$TMP/for-caobang.bundle" --for caobang
assert_ne 0 "$(jqo .records)" "the bundle holds records"
if grep -qa "MẬT-ZQX7" "$TMP/for-caobang.bundle"; then fail "the draft is in the bundle for Cao Bằng"; else ok; fi
set_home "$CB"
cp "$TMP/for-caobang.bundle" "$TMP/damaged.bundle"
# Damage one byte inside the last record: every other record still comes in.
size=$(stat -c %s "$TMP/damaged.bundle")
printf 'X' | dd of="$TMP/damaged.bundle" bs=1 seek=$((size - 40)) conv=notrunc 2>/dev/null
assert_vb 1 --json bundle import "$TMP/damaged.bundle"
assert_ne 0 "$(jqo '.damaged | length')" "the damage is reported"
assert_vb 0 --json bundle import "$TMP/for-caobang.bundle"
assert_jq .ok true "the intact bundle imports cleanly"
must --json doc show "$PLG2"
assert_jq .state partially_signed "the pledge came by bundle"
assert_vb 2 bundle import "$TMP/note.md"
set_home "$LC"
assert_vb 3 bundle import "$TMP/for-caobang.bundle"
assert_contains "$ERR" "Cao Bằng" "a bundle for another organisation is refused"
# Lạng Sơn's bundle for its own nodes (drafts, comments, returns), its for-org line made
# Cao Bằng's (the 64 hex digits at byte 173): the header no longer verifies, nothing comes in.
set_home "$LS"; must bundle export -o "$TMP/own.bundle"
CBKEY=$(head -c 400 "$TMP/for-caobang.bundle" | sed -n 's/^for-org //p')
[[ ${#CBKEY} -eq 64 ]] || die "no for-org line in the bundle for Cao Bằng"
cp "$TMP/own.bundle" "$TMP/forged.bundle"
printf '%s' "$CBKEY" | dd of="$TMP/forged.bundle" bs=1 seek=173 conv=notrunc 2>/dev/null
[[ $(head -c 400 "$TMP/forged.bundle" | sed -n 's/^for-org //p') == "$CBKEY" ]] || die "the forged header does not name Cao Bằng"
set_home "$CB"
HAD=$(records_in "$CB")
assert_vb 3 bundle import "$TMP/forged.bundle"
assert_contains "$ERR" "signature does not verify" "a forged bundle header is refused"
assert_eq "$HAD" "$(records_in "$CB")" "a bundle with a forged header imports nothing"
assert_vb 0 check
set_home "$CB"; must sign "$PLG2"
must bundle export -o "$TMP/for-langson.bundle" --for langson
set_home "$LS"
assert_vb 0 bundle import "$TMP/for-langson.bundle"
must --json doc show "$PLG2"
assert_jq .state signed "Cao Bằng's signature came back by bundle"
assert_vb 0 check

step "serve stops cleanly on SIGTERM"
serve "$LS"
kill -TERM "$SPID"
wait "$SPID"
assert_eq 0 "$?" "serve exits 0 on SIGTERM"
set_home "$LS"; assert_vb 0 check

finish
