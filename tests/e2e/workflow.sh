#!/usr/bin/env bash
# The directive workflow of the contract, end to end, with what every person's
# inbox shows at each step; numbering per register and per year; doc list filters
# and search; revoking a person; require-concurrence.
source "$(dirname "$0")/lib.sh"

DIRECTIVE="$SAMPLES/directive-2021-thi-dua.md"
REPORT="$SAMPLES/report-2022-so-ket.md"
PEOPLE=(giamdoc chuyenvien tp1 tp2 pgd vanthu)

# inbox_is LOGIN "ACTION ..." MESSAGE: the person's inbox actions for document $DOC
# (space-separated, sorted), and nothing about other documents unless listed.
inbox_actions() {  # inbox_actions LOGIN [DOC]: "action:id12 ..." sorted
  run "$VANBAN" --home "$H" --json --as "$1" inbox
  [[ $RC -eq 0 ]] || { fail "inbox --as $1 exited $RC"; return; }
  jqo '[.[] | .action + ":" + .id[0:12]] | sort | join(" ")'
}
expect_inbox() {  # expect_inbox LOGIN "EXPECTED" MESSAGE
  local got
  got=$(inbox_actions "$1")
  assert_eq "$2" "$got" "inbox of $1: $3"
}
# expect_inboxes "STEP" login=expected ...: every person's inbox at once (the people
# not named must have nothing).
expect_inboxes() {
  local label=$1; shift
  local -A want=()
  local kv p
  for kv in "$@"; do want[${kv%%=*}]=${kv#*=}; done
  for p in "${PEOPLE[@]}"; do expect_inbox "$p" "${want[$p]:-}" "$label"; done
}

# Version N of a file: the same front matter and body plus one more paragraph.
revise_file() {  # revise_file SRC DEST TEXT
  cp "$1" "$2"
  printf '\n%s\n' "$3" >>"$2"
}

# All of this happens on known days: 20 December 2024, then 3 January 2025.
clock_set 2024-12-20T08:00:00+07:00

step "the Lạng Sơn organisation"
setup_org "$TMP/home"
expect_inboxes "a new node"

# ---------------------------------------------------------------------------------
step "doc new (draft)"
new_doc chuyenvien "$DIRECTIVE"
D1=$DOC
S1=${D1:0:12}
assert_eq draft "$(state "$D1")" "a new document"
vb --json doc show "$D1"
assert_jq .kind directive "kind from the front matter"
assert_jq .title "Phát động phong trào thi đua yêu nước năm 2021" "title from the front matter"
assert_jq .number null "no number before issue"
assert_jq '.revisions | length' 1 "one revision"
expect_inboxes "a draft"

step "route to tp1, tp2 (in_review)"
must_as chuyenvien --json route "$D1" --to tp1,tp2
assert_jq .state in_review "route --json tells the new state"
assert_eq in_review "$(state "$D1")" "after route"
expect_inboxes "routed" "tp1=review:$S1" "tp2=review:$S1"
vb --json --as tp1 inbox
assert_jq '.[0] | [.id, .kind, .state] | join(" ")' "$D1 directive in_review" "tp1's inbox item"
assert_jq '.[0].title' "Phát động phong trào thi đua yêu nước năm 2021" "tp1's inbox item title"

step "comments"
must_as tp1 comment "$D1" "Đề nghị bổ sung chỉ tiêu cụ thể cho từng phòng."
must_as tp2 comment "$D1" "Mục II.3.b: ghi rõ cặp cửa khẩu Chi Ma - Ái Điểm."
must_as chuyenvien comment "$D1" "Đã tiếp thu, sẽ chỉnh sửa trong bản sau."
vb --json doc show "$D1"
assert_jq '.comments | length' 3 "three comments"
assert_jq '[.comments[].author] | join(",")' "tp1,tp2,chuyenvien" "comment authors, in order"
assert_jq '.comments[1].text' "Mục II.3.b: ghi rõ cặp cửa khẩu Chi Ma - Ái Điểm." "comment text kept (UTF-8)"
assert_jq "[.comments[].rev == \"$D1\"] | all" true "comments are on r1"
expect_inboxes "commented, not approved" "tp1=review:$S1" "tp2=review:$S1"
# Not routed, not the drafter: may not comment.
assert_as 3 vanthu comment "$D1" "Ý kiến văn thư"
assert_as 3 pgd approve "$D1"

step "approvals"
must_as tp1 approve "$D1"
expect_inboxes "tp1 approved" "tp2=review:$S1"
assert_as 3 tp1 approve "$D1"
assert_contains "$ERR" "already approved" "approving twice is refused"
must_as tp2 approve "$D1"
expect_inboxes "both approved" "chuyenvien=submit:$S1"
vb --json doc show "$D1"
assert_jq '[.routed[] | .reviewer + "=" + (.approved_current|tostring)] | sort | join(",")' "tp1=true,tp2=true" "both concur with r1"

step "doc edit: a new revision (r2); the approvals were for r1"
revise_file "$DIRECTIVE" "$TMP/r2.md" "6. Mỗi phòng xây dựng chỉ tiêu thi đua cụ thể, gửi Văn phòng Sở trước ngày 25/02/2021."
must_as chuyenvien --json doc edit "$D1" "$TMP/r2.md"
R2=$(jqo .rev)
assert_jq .id "$D1" "doc edit --json: id"
vb --json doc show "$D1"
assert_jq '.revisions | length' 2 "two revisions"
assert_jq '.revisions[1].rev' "$R2" "r2 is the newest, last"
assert_jq '.revisions[0].rev' "$D1" "r1 is the oldest, first"
assert_jq '.state' in_review "editing keeps the state"
assert_jq '[.routed[] | .approved_current] | any' false "approvals of r1 do not count for r2"
expect_inboxes "after r2" "tp1=review:$S1" "tp2=review:$S1"
vb doc text "$D1"
assert_contains "$OUT" "gửi Văn phòng Sở trước ngày 25/02/2021" "doc text shows r2"
# The same text again is no revision.
assert_as 2 chuyenvien doc edit "$D1" "$TMP/r2.md"
# Only a drafter edits.
revise_file "$TMP/r2.md" "$TMP/r2-tp1.md" "Ý kiến của phòng Hợp tác quốc tế."
assert_as 3 tp1 doc edit "$D1" "$TMP/r2-tp1.md"

step "submit to pgd (submitted)"
must_as chuyenvien submit "$D1" --to pgd
assert_eq submitted "$(state "$D1")" "after submit"
expect_inboxes "submitted to pgd" "pgd=sign:$S1"
assert_as 3 giamdoc sign "$D1"
assert_contains "$ERR" "pgd" "only the signer it was submitted to signs"
assert_as 3 chuyenvien doc edit "$D1" "$DIRECTIVE"
assert_contains "$ERR" "submitted" "no edit while submitted"

step "return with a reason (draft)"
assert_as 2 pgd return "$D1"
assert_as 3 giamdoc return "$D1" --reason "Không phải người được trình"
must_as pgd return "$D1" --reason "Bổ sung dự kiến kinh phí khen thưởng"
assert_eq draft "$(state "$D1")" "after return"
vb --json doc show "$D1"
assert_jq '.returns[0].reason' "Bổ sung dự kiến kinh phí khen thưởng" "the reason is kept"
assert_jq '.returns[0].by' pgd "returned by pgd"
expect_inboxes "returned" "chuyenvien=revise:$S1"
vb --json --as chuyenvien inbox
assert_contains "$(jqo '.[0].detail')" "Bổ sung dự kiến kinh phí" "the drafter's inbox says why"

step "edit (r3), submit again, sign on behalf (signed)"
revise_file "$TMP/r2.md" "$TMP/r3.md" "7. Kinh phí khen thưởng thực hiện theo quy định hiện hành."
must_as chuyenvien --json doc edit "$D1" "$TMP/r3.md"
R3=$(jqo .rev)
# The drafter's "revise" task stays until the document is submitted again.
expect_inboxes "r3 in draft" "chuyenvien=revise:$S1"
must_as chuyenvien submit "$D1" --to pgd
expect_inboxes "submitted again" "pgd=sign:$S1"
run "$VANBAN" --home "$H" --as pgd --passphrase-file "$PASSFILE" --json sign "$D1" --on-behalf
assert_eq 0 "$RC" "pgd signs (--passphrase-file)"
assert_jq .state signed "sign --json tells the new state"
vb --json doc show "$D1"
assert_jq '.signatures | length' 1 "one signature"
assert_jq '.signatures[0] | [.signer, .org, (.valid|tostring), (.on_behalf|tostring)] | join("|")' \
  "pgd|Sở Ngoại vụ tỉnh Lạng Sơn|true|true" "the signature: pgd, the organisation, valid, KT."
assert_jq '.signatures[0].rev' "$R3" "signed r3"
assert_jq '.revisions | length' 3 "three revisions"
expect_inboxes "signed" "vanthu=issue:$S1"
assert_as 3 pgd sign "$D1"
assert_as 3 pgd issue "$D1"
assert_contains "$ERR" "clerk" "only a clerk issues"

step "issue as vanthu: 01/KH-SNgV"
must_as vanthu --json issue "$D1"
assert_jq .number "01/KH-SNgV" "the first directive of 2024"
assert_jq .date "2024-12-20" "issued on the day"
assert_eq issued "$(state "$D1")" "after issue"
expect_inboxes "issued: nothing waits for anybody"

step "doc show, doc log, register, check"
vb --json doc show "$D1"
assert_jq '[.state, .number, .date] | join(" ")' "issued 01/KH-SNgV 2024-12-20" "doc show --json after issue"
assert_jq '.issue.clerk' vanthu "issued by vanthu"
vb doc show "$D1"
assert_contains "$OUT" "Number: 01/KH-SNgV" "doc show: number"
assert_contains "$OUT" "Date: 2024-12-20" "doc show: date"
assert_contains "$OUT" "KT." "doc show: on behalf"
assert_contains "$OUT" "Bổ sung dự kiến kinh phí khen thưởng" "doc show: the return"
assert_contains "$OUT" "valid" "doc show: the signature is valid"
assert_not_contains "$OUT" "INVALID" "doc show: no invalid signature"
vb --json doc log "$D1"
assert_json "doc log --json"
assert_jq '[.[].type] | join(" ")' \
  "doc.create doc.route doc.comment doc.comment doc.comment doc.approve doc.approve doc.revise doc.submit doc.return doc.revise doc.submit doc.sign doc.issue" \
  "doc log: every step, in order"
assert_jq '[.[].author] | join(" ")' \
  "chuyenvien chuyenvien tp1 tp2 chuyenvien tp1 tp2 chuyenvien chuyenvien pgd chuyenvien chuyenvien pgd vanthu" \
  "doc log: who did each step"
assert_jq '[.[].accepted] | all' true "doc log: every step counts"
assert_jq '[.[].at | test("^2024-12-20T0[89]:[0-5][0-9]:00\\+07:00$")] | all' true "doc log: when (+07:00, on the day)"
vb doc log "$D1"
assert_contains "$OUT" "returned it: Bổ sung dự kiến kinh phí khen thưởng" "doc log (text): the return"
assert_contains "$OUT" "signed r3 on behalf (KT.)" "doc log (text): the signature on r3"
assert_contains "$OUT" "issued as 01/KH-SNgV on 2024-12-20" "doc log (text): the issue"
assert_contains "$OUT" "revision r2 from r1" "doc log (text): r2"
vb --json register
assert_jq 'length' 1 "register: one entry"
assert_jq '.[0] | [.number, .date, .kind, .signer] | join("|")' "01/KH-SNgV|2024-12-20|directive|Nông Đức Toàn" "register entry"
vb register
assert_contains "$OUT" "01/KH-SNgV  2024-12-20  directive" "register (text)"
vb --json check
assert_eq 0 "$RC" "check exits 0"
assert_jq .ok true "check ok"
vb check
assert_contains "$OUT" "ok" "check (text) says ok"

# ---------------------------------------------------------------------------------
step "a second directive: 02/KH-SNgV; a report: 01/BC-SNgV"
with_title "$DIRECTIVE" "$TMP/directive2.md" "Tổ chức Hội nghị giao ban công tác biên giới năm 2024"
full_workflow "$TMP/directive2.md"
D2=$DOC
assert_eq "02/KH-SNgV" "$NUMBER" "the second directive"
full_workflow "$REPORT"
R1=$DOC
assert_eq "01/BC-SNgV" "$NUMBER" "the first report has its own register"
vb --json register --year 2024
assert_jq '[.[].number] | join(",")' "01/BC-SNgV,01/KH-SNgV,02/KH-SNgV" "register 2024"
assert_jq ".[] | select(.number==\"01/BC-SNgV\") | .kind" report "register: the report's kind"

step "a new year restarts the numbers"
clock_set 2025-01-03T09:00:00+07:00
with_title "$DIRECTIVE" "$TMP/directive2025.md" "Phát động phong trào thi đua yêu nước năm 2025"
full_workflow "$TMP/directive2025.md"
D3=$DOC
assert_eq "01/KH-SNgV" "$NUMBER" "the first directive of 2025"
vb --json doc show "$D3"
assert_jq .date "2025-01-03" "issued on 3 January 2025"
vb --json register --year 2025
assert_jq '[.[] | .number + " " + .date] | join(",")' "01/KH-SNgV 2025-01-03" "register 2025"
vb --json register --year 2024
assert_jq 'length' 3 "register 2024 unchanged"
vb --json register
assert_jq 'length' 4 "the whole register"
expect_inboxes "every document issued"

# ---------------------------------------------------------------------------------
step "doc list: --query, --state, --kind"
vb --json doc list --query "thi dua"
assert_json "doc list --query --json"
assert_jq "[.[].id] | index(\"$D1\") != null" true "'thi dua' finds the directive titled 'thi đua'"
assert_jq "[.[].id] | index(\"$D3\") != null" true "'thi dua' finds the 2025 directive"
vb --json doc list --query "THI ĐUA yêu nước"
assert_jq "[.[].id] | index(\"$D1\") != null" true "'THI ĐUA yêu nước' (case, diacritics) finds it"
vb --json doc list --query "lang son"
assert_jq "[.[].id] | index(\"$D1\") != null" true "'lang son' finds the directive (Lạng Sơn in its text)"
vb --json doc list --query "Vũ Nông"
assert_jq '[.[].id] | join(",")' "$R1" "'Vũ Nông' finds only the report"
vb --json doc list --query "giao ban 2024"
assert_jq '[.[].id] | join(",")' "$D2" "'giao ban 2024' finds only the second directive"
vb --json doc list --query "khongcotrongvanban"
assert_jq 'length' 0 "a word in no document finds nothing"
vb --json doc list --kind report
assert_jq '[.[].id] | join(",")' "$R1" "--kind report"
vb --json doc list --kind directive
assert_jq 'length' 3 "--kind directive"
vb --json doc list --state issued
assert_jq 'length' 4 "--state issued"
vb --json doc list --state draft
assert_jq 'length' 0 "--state draft"
vb --json doc list --state issued --kind directive --query "2025"
assert_jq '[.[].id] | join(",")' "$D3" "--state, --kind and --query together"
# The same file again at a later minute: a new draft.
new_doc chuyenvien "$REPORT"
R2DOC=$DOC
vb --json doc list --state draft
assert_jq '[.[].id] | join(",")' "$R2DOC" "--state draft finds the new draft"
vb --json doc list --state draft --kind directive
assert_jq 'length' 0 "--state draft --kind directive"

# ---------------------------------------------------------------------------------
step "org set require-concurrence yes: submit waits for every routed reviewer"
must org set require-concurrence yes
vb --json org show
assert_jq .require_concurrence true "org show: require-concurrence"
with_title "$DIRECTIVE" "$TMP/directive-rc.md" "Kế hoạch tuyên truyền biên giới năm 2025"
new_doc chuyenvien "$TMP/directive-rc.md"
DRC=$DOC
must_as chuyenvien route "$DRC" --to tp1,tp2
assert_as 3 chuyenvien submit "$DRC" --to pgd
assert_contains "$ERR" "tp1" "refused: awaiting tp1"
must_as tp1 approve "$DRC"
assert_as 3 chuyenvien --json submit "$DRC" --to pgd
assert_contains "$ERR" "tp2" "refused: awaiting tp2"
assert_not_contains "$ERR" "tp1" "tp1 has concurred"
assert_stdout_empty "refused submit, --json"
assert_eq in_review "$(state "$DRC")" "a refused submit changes nothing"
must_as tp2 approve "$DRC"
# A new revision needs new concurrences.
revise_file "$TMP/directive-rc.md" "$TMP/directive-rc2.md" "8. Phối hợp với Bộ đội Biên phòng tỉnh."
must_as chuyenvien doc edit "$DRC" "$TMP/directive-rc2.md"
assert_as 3 chuyenvien submit "$DRC" --to pgd
must_as tp1 approve "$DRC"
must_as tp2 approve "$DRC"
must_as chuyenvien submit "$DRC" --to pgd
assert_eq submitted "$(state "$DRC")" "submit once every reviewer concurred with the current revision"
must org set require-concurrence no
# Without the setting, one approval of two is enough to submit.
with_title "$DIRECTIVE" "$TMP/directive-norc.md" "Kế hoạch đối ngoại nhân dân năm 2025"
new_doc chuyenvien "$TMP/directive-norc.md"
must_as chuyenvien route "$DOC" --to tp1,tp2
must_as chuyenvien submit "$DOC" --to pgd

# ---------------------------------------------------------------------------------
step "user revoke: the person's later actions are refused (3)"
with_title "$DIRECTIVE" "$TMP/directive-rv.md" "Kế hoạch hợp tác với Quảng Tây năm 2025"
new_doc chuyenvien "$TMP/directive-rv.md"
DRV=$DOC
must_as chuyenvien route "$DRV" --to tp1,tp2
expect_inbox tp2 "review:${DRV:0:12}" "routed before the revocation"
assert_as 3 tp1 user revoke tp2
must user revoke tp2
vb --json user list
assert_jq '.[] | select(.login=="tp2") | .active' false "user list: tp2 revoked"
assert_jq '.[] | select(.login=="tp1") | .active' true "user list: tp1 still active"
N=$(records)
assert_as 3 tp2 approve "$DRV"
assert_contains "$ERR" "revoked" "the refusal says tp2 was revoked"
assert_as 3 tp2 comment "$DRV" "Ý kiến sau khi bị thu hồi"
assert_eq "$N" "$(records)" "a revoked person's actions change nothing"
expect_inbox tp2 "" "a revoked person has nothing to do"
assert_as 3 chuyenvien route "$DRV" --to tp2
assert_contains "$ERR" "reviewer" "cannot route to a revoked reviewer"
# Revoking the clerk removes their seal: issuing is refused. DRC is signed first, so
# the document's state would allow the issue and only the revocation refuses it.
must_as pgd sign "$DRC"
assert_eq signed "$(state "$DRC")" "signed, ready to issue"
must user revoke vanthu
assert_as 3 vanthu issue "$DRC"
assert_contains "$ERR" "revoked" "the refusal says the clerk was revoked"
assert_eq signed "$(state "$DRC")" "not issued by a revoked clerk"
# Others go on.
must_as tp1 approve "$DRV"
must_as chuyenvien submit "$DRV" --to pgd

vb --json check
assert_eq 0 "$RC" "check exits 0 at the end"
assert_jq .ok true "check ok at the end"

finish
