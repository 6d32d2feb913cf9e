#!/usr/bin/env bash
# `check` re-verifies every stored record and view: after a full workflow it exits 0;
# after the SQLite file is altered behind vanban's back (a record's bytes, a view, a
# deleted record) it exits 1 and says what. A kill -9 at random moments leaves a
# node that checks clean and on which the workflow goes on.
source "$(dirname "$0")/lib.sh"

command -v sqlite3 >/dev/null || die "the sqlite3 command-line program is required"
DIRECTIVE="$SAMPLES/directive-2021-thi-dua.md"
REPORT="$SAMPLES/report-2022-so-ket.md"

step "a full workflow, then check exits 0"
setup_org "$TMP/home"
BASE=$H
full_workflow "$DIRECTIVE"
D1=$DOC
assert_eq "01/KH-SNgV" "$NUMBER" "the directive is issued"
new_doc chuyenvien "$REPORT"
D2=$DOC
must_as chuyenvien route "$D2" --to tp1,tp2
must_as tp1 comment "$D2" "Số liệu giải ngân cần đối chiếu lại."
must_as tp2 comment "$D2" "Đề nghị bổ sung phụ lục."
must_as tp1 approve "$D2"
vb --json check
assert_eq 0 "$RC" "check exits 0 after the workflow"
assert_jq .ok true "check ok"
assert_jq '.problems | length' 0 "no problems"
RECORDS=$(jqo .records)
DIGEST=$(jqo .digest)

# tamper NAME SQL: a copy of the node with SQL applied to its database; H is the copy.
tamper() {
  set_home "$TMP/case-$1"
  rm -rf "$H"
  cp -a "$BASE" "$H"
  # The node runs in WAL mode; the sqlite3 program writes through the same WAL.
  if ! sqlite3 "$H/vanban.db" "$2" >"$TMP/.sql.out" 2>&1; then die "sqlite3 failed on case $1: $(cat "$TMP/.sql.out")"; fi
  step "tamper: $1"
}
# expect_problem NEEDLE...: check exits 1; --json ok=false and a problem contains
# every NEEDLE; the text output says PROBLEM.
expect_problem() {
  local needle
  vb --json check
  assert_eq 1 "$RC" "check exits 1"
  assert_json "check --json after tampering"
  assert_jq .ok false "check --json: ok is false"
  assert_jq '.problems | length > 0' true "check --json: problems"
  for needle in "$@"; do
    assert_contains "$(jqo '.problems | join(" || ")')" "$needle" "check --json problems"
  done
  vb check
  assert_eq 1 "$RC" "check (text) exits 1"
  assert_contains "$OUT$ERR" "PROBLEM" "check (text) names the problem"
}
# repair_fixes: a damaged view is rebuilt from the records by `check --repair`.
repair_fixes() {
  vb --json check --repair
  assert_eq 0 "$RC" "check --repair rebuilds the views from the records"
  assert_jq .ok true "check --repair: ok"
  vb --json check
  assert_eq 0 "$RC" "check exits 0 after check --repair"
  assert_jq .records "$RECORDS" "check --repair: the same records"
  assert_jq .digest "$DIGEST" "check --repair: the same digest"
}
# repair_cannot_fix: a damaged record stays a problem (records are never rewritten).
repair_cannot_fix() {
  vb --json check --repair
  assert_eq 1 "$RC" "check --repair cannot make an altered or missing record valid"
  assert_jq .ok false "check --repair: still not ok"
}
rec_id() {  # rec_id SQL-WHERE: the id of the (first) record matching
  sqlite3 "$BASE/vanban.db" "SELECT id FROM records WHERE $1 ORDER BY seq LIMIT 1"
}

# --- a record's bytes ------------------------------------------------------------
SIGN_ID=$(rec_id "type='doc.sign'")
[[ -n "$SIGN_ID" ]] || die "no doc.sign record"
tamper sign-bytes "UPDATE records SET bytes = CAST(replace(CAST(bytes AS TEXT), 'Nông Đức Toàn', 'Nông Đức Tuấn') AS BLOB) WHERE id='$SIGN_ID'"
[[ "$(sqlite3 "$H/vanban.db" "SELECT instr(CAST(bytes AS TEXT), 'Tuấn') > 0 FROM records WHERE id='$SIGN_ID'")" == 1 ]] || die "the tampering did not apply"
expect_problem "${SIGN_ID:0:12}" "altered"
repair_cannot_fix
vb --json doc show "$D1"
assert_jq '.signatures[0].valid' false "doc show: the altered signature is not valid"

CREATE_ID=$D1
tamper text-bytes "UPDATE records SET bytes = CAST(replace(CAST(bytes AS TEXT), 'khen thưởng kịp thời', 'khen thưởng tùy ý') AS BLOB) WHERE id='$CREATE_ID'"
expect_problem "${CREATE_ID:0:12}"

# One byte flipped in the signature line (same length, still decodes).
ISSUE_ID=$(rec_id "type='doc.issue'")
tamper sig-byte "UPDATE records SET bytes = CAST(substr(CAST(bytes AS TEXT), 1, length(CAST(bytes AS TEXT)) - 3) || (CASE substr(CAST(bytes AS TEXT), -3, 1) WHEN '0' THEN '1' ELSE '0' END) || substr(CAST(bytes AS TEXT), -2) AS BLOB) WHERE id='$ISSUE_ID'"
expect_problem "${ISSUE_ID:0:12}"

# The stored bytes replaced by another record's (the id column no longer matches).
COMMENT_ID=$(rec_id "type='doc.comment' AND doc='$D2'")
tamper swapped-bytes "UPDATE records SET bytes = (SELECT bytes FROM records WHERE id='$CREATE_ID') WHERE id='$COMMENT_ID'"
expect_problem "${COMMENT_ID:0:12}"

# --- a view ----------------------------------------------------------------------
tamper view-state "UPDATE documents SET state='draft' WHERE doc='$D1'"
expect_problem "documents" "state" "draft" "issued"
repair_fixes
vb --json doc show "$D1"
assert_jq .state issued "after check --repair the document is issued again"

tamper view-number "UPDATE register_out SET number='7/KH-SNgV', seq=7 WHERE doc='$D1'"
expect_problem "register_out" "7/KH-SNgV"
repair_fixes

tamper view-title "UPDATE documents SET title='Kế hoạch đã bị sửa' WHERE doc='$D2'"
expect_problem "documents" "title"
repair_fixes

tamper view-task "DELETE FROM tasks WHERE doc='$D2'"
expect_problem "tasks"
repair_fixes

tamper view-person "UPDATE persons SET roles='admin,clerk,drafter,reviewer,signer' WHERE login='chuyenvien'"
expect_problem "persons"
repair_fixes

tamper view-orphan "INSERT INTO documents SELECT docno + 100000, 'ab' || substr(doc, 3), org, kind, symbol, title, state, number, creator, created, since, heads FROM documents WHERE doc='$D2'"
expect_problem "has no records"
repair_fixes

# --- a deleted record ------------------------------------------------------------
tamper delete-comment "DELETE FROM records WHERE id='$COMMENT_ID'"
expect_problem "${COMMENT_ID:0:12}" "missing"
repair_cannot_fix
vb --json check
assert_eq "$((RECORDS - 1))" "$(jqo .records)" "check counts one record less"
assert_ne "$DIGEST" "$(jqo .digest)" "the digest changes with the set of records"

tamper delete-issue "DELETE FROM records WHERE id='$ISSUE_ID'"
expect_problem "documents" "register_out"

GRANT_ID=$(rec_id "type='person.grant' AND instr(CAST(bytes AS TEXT), 'login tp2') > 0")
[[ -n "$GRANT_ID" ]] || die "no grant record for tp2"
tamper delete-grant "DELETE FROM records WHERE id='$GRANT_ID'"
expect_problem "persons"

# The untouched node is still clean.
set_home "$BASE"
vb --json check
assert_eq 0 "$RC" "the original node still checks clean"
assert_jq .digest "$DIGEST" "the original node's digest is unchanged"

# --- kill -9 at random moments ---------------------------------------------------
step "kill -9 in the middle of a loop of commands (20 times)"
set_home "$BASE"
with_title "$DIRECTIVE" "$TMP/d3.md" "Kế hoạch công tác đối ngoại năm 2021"
new_doc chuyenvien "$TMP/d3.md"
D3=$DOC
must_as chuyenvien route "$D3" --to tp1,tp2
KILLED=0 FINISHED=0
for i in $(seq 1 20); do
  case $((i % 4)) in
    0) cp "$TMP/d3.md" "$TMP/d3-$i.md"; printf '\n%s\n' "$i. Đoạn bổ sung lần $i." >>"$TMP/d3-$i.md"
       "$VANBAN" --home "$H" --as chuyenvien doc edit "$D3" "$TMP/d3-$i.md" >/dev/null 2>"$TMP/kill-$i.err" & ;;
    1) "$VANBAN" --home "$H" --as tp1 comment "$D3" "Ý kiến số $i của tp1" >/dev/null 2>"$TMP/kill-$i.err" & ;;
    2) "$VANBAN" --home "$H" --as tp2 comment "$D3" "Ý kiến số $i của tp2" >/dev/null 2>"$TMP/kill-$i.err" & ;;
    3) "$VANBAN" --home "$H" --as chuyenvien route "$D3" --to tp1,tp2 >/dev/null 2>"$TMP/kill-$i.err" & ;;
  esac
  pid=$!
  # 0 to 349 ms: an action takes about 150-300 ms, mostly unlocking the key.
  sleep "0.$(printf '%03d' $((RANDOM % 350)))"
  if kill -9 "$pid" 2>/dev/null; then KILLED=$((KILLED + 1)); else FINISHED=$((FINISHED + 1)); fi
  wait "$pid" 2>/dev/null
  rc=$?
  # Either killed (137) or finished: 0, or a clean refusal (e.g. the same text again).
  if [[ $rc -ne 137 && $rc -ne 0 ]]; then
    SHOW_LAST=0 fail "iteration $i: exit $rc: $(cat "$TMP/kill-$i.err")"
  fi
  # After every kill the node opens and checks clean.
  run "$VANBAN" --home "$H" --json check
  if [[ $RC -ne 0 ]]; then fail "check after kill -9 number $i"; else ok; fi
done
echo "    killed $KILLED, finished before the kill $FINISHED"
vb --json check
assert_eq 0 "$RC" "check exits 0 after the kills"
assert_jq .ok true "check ok after the kills"
vb --json doc show "$D3"
assert_json "doc show after the kills"
assert_jq '.heads | length' 1 "one current revision after the kills"

step "the workflow goes on after the kills"
must_as tp1 approve "$D3"
must_as tp2 approve "$D3"
must_as chuyenvien submit "$D3" --to pgd
must_as pgd sign "$D3"
must_as vanthu --json issue "$D3"
assert_jq .number "02/KH-SNgV" "the next number after the kills"
vb --json check
assert_eq 0 "$RC" "check exits 0 at the end"
assert_jq .ok true "check ok at the end"
vb --json register
assert_jq '[.[].number] | join(",")' "01/KH-SNgV,02/KH-SNgV" "the register after the kills"

# ---------------------------------------------------------------------------------
step "kill -9 of 'user add' after its key file is written, before its record is"
# The key file is written inside the action's transaction; for a clerk, the seal is then
# unlocked (Argon2id) and copied before the record is signed and committed. The kill
# lands when the key file appears (polled, not timed). Should the add still win the race
# and commit first, that is seen (the person exists) and tried again with another login:
# at most 5 tries, each waiting for events only.
KILLED_LOGIN=""
for k in 1 2 3 4 5; do
  login="nvmoi$k"
  "$VANBAN" --home "$H" user add "$login" --name "Nhân viên mới" --title "Văn thư" --roles clerk >/dev/null 2>&1 &
  ADD_PID=$!
  while kill -0 "$ADD_PID" 2>/dev/null && [[ ! -e "$H/keys/person-$login.key" ]]; do :; done
  kill -9 "$ADD_PID" 2>/dev/null
  wait "$ADD_PID" 2>/dev/null
  vb --json user list
  if [[ -e "$H/keys/person-$login.key" && "$(jq "[.[] | select(.login==\"$login\")] | length" <<<"$OUT")" == 0 ]]; then
    KILLED_LOGIN=$login
    break
  fi
done
[[ -n "$KILLED_LOGIN" ]] || SHOW_LAST=0 fail "no 'user add' was killed between its key file and its record in 5 tries"
login=${KILLED_LOGIN:-nvmoi1}
vb --json user list
assert_jq "[.[] | select(.login==\"$login\")] | length" 0 "the killed user add added nobody"
vb --json check
assert_eq 0 "$RC" "check exits 0 after the killed user add"
assert_vb 0 user add "$login" --name "Nhân viên mới" --title "Văn thư" --roles clerk
if [[ $RC -eq 0 ]]; then
  assert_as 0 "$login" --json inbox
  vb --json user list
  assert_jq "[.[] | select(.login==\"$login\")] | length" 1 "$login can be added after the killed attempt"
fi

finish
