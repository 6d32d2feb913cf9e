#!/usr/bin/env bash
# Concurrent revisions (two heads, refused until merged) and parallel invocations
# of vanban on one home: each succeeds or fails cleanly, and the node checks clean.
source "$(dirname "$0")/lib.sh"

DIRECTIVE="$SAMPLES/directive-2021-thi-dua.md"
REPORT="$SAMPLES/report-2022-so-ket.md"

revise_file() {  # revise_file SRC DEST TEXT
  cp "$1" "$2"
  printf '\n%s\n' "$3" >>"$2"
}

# parallel NAME 'ARGS...' ...: starts `vanban --home H ARGS` for every argument
# string at once (words split by the shell, as written), waits for all; leaves
# P_RC[i], P_OUT[i], P_ERR[i]. Every process must end with an exit status of the
# contract (0-5) and, when it fails, one line on stderr.
P_RC=() P_OUT=() P_ERR=()
parallel() {
  local name=$1; shift
  local -a pids=()
  local i=0 a
  for a in "$@"; do
    eval "set -- $a"
    "$VANBAN" --home "$H" "$@" >"$TMP/p-$name-$i.out" 2>"$TMP/p-$name-$i.err" &
    pids+=($!)
    i=$((i + 1))
  done
  P_RC=() P_OUT=() P_ERR=()
  for i in "${!pids[@]}"; do
    wait "${pids[$i]}"
    P_RC[$i]=$?
    P_OUT[$i]=$(<"$TMP/p-$name-$i.out")
    P_ERR[$i]=$(<"$TMP/p-$name-$i.err")
    if ((P_RC[i] > 5)); then
      SHOW_LAST=0 fail "$name #$i: exit ${P_RC[$i]} is not a contract status: ${P_ERR[$i]}"
    elif ((P_RC[i] == 1)); then
      # Only check/verify exit 1, and only when they found something.
      SHOW_LAST=0 fail "$name #$i: exit 1 (a verification failed) while nothing was tampered with: $(printf '%s' "${P_OUT[$i]}" | jq -c .problems 2>/dev/null | head -c 600)"
    elif ((P_RC[i] != 0)); then
      local n
      n=$(printf '%s\n' "${P_ERR[$i]}" | wc -l)
      if [[ -n "${P_ERR[$i]}" && $n -eq 1 ]]; then ok; else SHOW_LAST=0 fail "$name #$i: failed without one line on stderr"; fi
    else
      ok
    fi
  done
}
# all_ok NAME: every process of the last `parallel` exited 0. SQLite waits for the
# write lock (busy timeout), so actions that are each allowed must all succeed when
# run at once; one FAIL line per batch says how many did not and why.
P_SUCC=0
all_ok() {
  local i n=0 why="" code=""
  P_SUCC=0
  for i in "${!P_RC[@]}"; do
    if ((P_RC[i] == 0)); then P_SUCC=$((P_SUCC + 1)); else n=$((n + 1)); why=${P_ERR[$i]}; code=${P_RC[$i]}; fi
  done
  if ((n == 0)); then ok; else SHOW_LAST=0 fail "$1: $n of ${#P_RC[@]} failed when run at once (e.g. exit $code: $why)"; fi
}
check_clean() {  # check_clean MESSAGE
  vb --json check
  assert_eq 0 "$RC" "check exits 0 $1"
  assert_jq .ok true "check ok $1"
  if [[ "$(jqo '.problems | length')" != 0 ]]; then fail "check problems $1: $(jqo '.problems | join(" || ")')"; fi
}

setup_org "$TMP/home"

# ---------------------------------------------------------------------------------
step "two concurrent revisions from r1 (doc edit --base r1, twice)"
new_doc chuyenvien "$DIRECTIVE"
D1=$DOC
S1=${D1:0:12}
must_as chuyenvien route "$D1" --to tp1,tp2
revise_file "$DIRECTIVE" "$TMP/a.md" "6. Phòng Hợp tác quốc tế bổ sung chỉ tiêu đoàn ra, đoàn vào."
revise_file "$DIRECTIVE" "$TMP/b.md" "6. Phòng Quản lý biên giới bổ sung chỉ tiêu tuần tra song phương."
must_as chuyenvien --json doc edit "$D1" "$TMP/a.md" --base r1
RA=$(jqo .rev)
must_as chuyenvien --json doc edit "$D1" "$TMP/b.md" --base r1
RB=$(jqo .rev)
assert_ne "$RA" "$RB" "two revisions"
vb --json doc show "$D1"
assert_jq '.heads | length' 2 "doc show --json: two heads"
assert_jq '.heads | sort | join(",")' "$(printf '%s\n' "$RA" "$RB" | sort | paste -sd,)" "the heads are the two revisions"
assert_jq '.revisions | length' 3 "three revisions"
assert_jq "[.revisions[] | select(.rev==\"$RA\" or .rev==\"$RB\") | .bases[0] == \"$D1\"] | all" true "both continue r1"
assert_jq .state in_review "the state is unchanged"
vb doc show "$D1"
assert_contains "$OUT" "concurrent revisions" "doc show (text) tells the conflict"
N=$(records)
assert_as 3 chuyenvien --json submit "$D1" --to pgd
assert_stdout_empty "refused submit, --json"
assert_one_line_error "refused submit"
assert_contains "$ERR" "merge" "the refusal says to merge"
assert_as 3 tp1 approve "$D1"
assert_contains "$ERR" "merge" "approving is refused until the merge too"
assert_eq "$N" "$(records)" "the refusals wrote nothing"
vb --json --as chuyenvien inbox
assert_jq '[.[] | .action + ":" + .id[0:12]] | join(" ")' "merge:$S1" "the drafter's inbox asks for a merge"

step "doc edit without --base merges"
revise_file "$TMP/a.md" "$TMP/merged.md" "7. Phòng Quản lý biên giới bổ sung chỉ tiêu tuần tra song phương."
must_as chuyenvien --json doc edit "$D1" "$TMP/merged.md"
RM=$(jqo .rev)
vb --json doc show "$D1"
assert_jq '.heads | length' 1 "one head after the merge"
assert_jq '.heads[0]' "$RM" "the merge is the head"
assert_jq ".revisions[] | select(.rev==\"$RM\") | .bases | sort | join(\",\")" "$(printf '%s\n' "$RA" "$RB" | sort | paste -sd,)" "the merge continues both"
assert_jq '.revisions | length' 4 "four revisions"
vb --json --as chuyenvien inbox
assert_jq 'length' 0 "no merge task after the merge"
must_as tp1 approve "$D1"
must_as chuyenvien submit "$D1" --to pgd
assert_eq submitted "$(state "$D1")" "submit works after the merge"
must_as pgd sign "$D1"

# ---------------------------------------------------------------------------------
step "two concurrent revisions made at the same time (two processes)"
new_doc chuyenvien "$REPORT"
D2=$DOC
revise_file "$REPORT" "$TMP/ra.md" "Phụ lục 1. Số liệu giải ngân viện trợ."
revise_file "$REPORT" "$TMP/rb.md" "Phụ lục 2. Danh sách đoàn khách quốc tế."
parallel edits "--as chuyenvien --json doc edit $D2 $TMP/ra.md --base r1" "--as chuyenvien --json doc edit $D2 $TMP/rb.md --base r1"
all_ok "parallel doc edit --base r1"
vb --json doc show "$D2"
assert_jq '.heads | length' "$P_SUCC" "one head per revision made"
check_clean "with two heads"
revise_file "$TMP/ra.md" "$TMP/rm.md" "Phụ lục 2. Danh sách đoàn khách quốc tế."
must_as chuyenvien doc edit "$D2" "$TMP/rm.md"
vb --json doc show "$D2"
assert_jq '.heads | length' 1 "merged"

# ---------------------------------------------------------------------------------
step "5 comments at once on one home"
with_title "$DIRECTIVE" "$TMP/c.md" "Kế hoạch hợp tác với Khu tự trị Quảng Tây năm 2021"
new_doc chuyenvien "$TMP/c.md"
D3=$DOC
must_as chuyenvien route "$D3" --to tp1,tp2
N=$(records)
parallel comments \
  "--as tp1 comment $D3 'Ý kiến 1 của tp1'" \
  "--as tp2 comment $D3 'Ý kiến 2 của tp2'" \
  "--as chuyenvien comment $D3 'Ý kiến 3 của chuyên viên'" \
  "--as tp1 comment $D3 'Ý kiến 4 của tp1'" \
  "--as tp2 --passphrase-file $PASSFILE comment $D3 'Ý kiến 5 của tp2'"
all_ok "parallel comment"
SUCC=$P_SUCC
echo "    $SUCC of 5 succeeded"
assert_eq "$((N + SUCC))" "$(records)" "one record per successful comment"
vb --json doc show "$D3"
assert_jq '.comments | length' "$SUCC" "every successful comment is shown"
check_clean "after 5 parallel comments"

step "two reviewers approve at once"
parallel approvals "--as tp1 approve $D3" "--as tp2 approve $D3"
all_ok "parallel approve"
check_clean "after 2 parallel approvals"
# (whatever failed is done again, one at a time, so the views can be compared)
((P_RC[0] == 0)) || must_as tp1 approve "$D3"
((P_RC[1] == 0)) || must_as tp2 approve "$D3"
vb --json doc show "$D3"
assert_jq '[.routed[] | .approved_current] | all' true "both approvals count"
vb --json --as chuyenvien inbox
assert_jq "[.[] | select(.id==\"$D3\") | .action] | join(\",\")" submit "the drafter's inbox: submit (both approved)"
vb --json --as tp1 inbox
assert_jq "[.[] | select(.id==\"$D3\")] | length" 0 "tp1's inbox is empty"
vb --json --as tp2 inbox
assert_jq "[.[] | select(.id==\"$D3\")] | length" 0 "tp2's inbox is empty"
vb --json doc list --state in_review
assert_jq "[.[] | select(.id==\"$D3\")] | length" 1 "doc list: in review"

# ---------------------------------------------------------------------------------
step "the records office issues two documents at once: two numbers"
must_as chuyenvien submit "$D3" --to pgd
must_as pgd sign "$D3"
BASE=$H
# On a copy of the node (a collision would stay in the register of this one).
set_home "$TMP/home-issue"
cp -a "$BASE" "$H"
# D1 and D3 are both signed directives.
parallel issues "--as vanthu --json issue $D1" "--as vanthu --json issue $D3"
all_ok "parallel issue"
check_clean "after 2 parallel issues"
((P_RC[0] == 0)) || must_as vanthu issue "$D1"
((P_RC[1] == 0)) || must_as vanthu issue "$D3"
vb --json register
assert_jq '[.[].number] | sort | join(",")' "01/KH-SNgV,02/KH-SNgV" "two documents issued at once get two numbers"
assert_jq '[.[] | select(.collides_with)] | length' 0 "no collision in the register"
set_home "$BASE"

# ---------------------------------------------------------------------------------
step "different actions at once: doc new x3, user add x2, doc list, check, inbox"
set_home "$TMP/home-mixed"
cp -a "$BASE" "$H"
for i in 1 2 3; do with_title "$DIRECTIVE" "$TMP/n$i.md" "Kế hoạch số $i về công tác lãnh sự năm 2021"; done
N=$(records)
parallel mixed \
  "--as chuyenvien --json doc new $TMP/n1.md" \
  "--as chuyenvien --json doc new $TMP/n2.md" \
  "--as chuyenvien --json doc new $TMP/n3.md" \
  "user add tp4 --name 'Hà Thị Bốn' --title 'Phó Trưởng phòng' --roles reviewer" \
  "user add vt2 --name 'Lý Văn Năm' --title 'Văn thư' --roles clerk" \
  "--json doc list" \
  "--json check" \
  "--json --as pgd inbox"
all_ok "mixed parallel actions"
for i in 0 1 2 5 6 7; do
  ((P_RC[i] == 0)) || continue
  if printf '%s' "${P_OUT[$i]}" | jq -e . >/dev/null 2>&1; then ok; else SHOW_LAST=0 fail "mixed #$i: stdout is not JSON"; fi
done
WROTE=0
for i in 0 1 2 3 4; do ((P_RC[i] == 0)) && WROTE=$((WROTE + 1)); done
assert_eq "$((N + WROTE))" "$(records)" "one record per successful doc new / user add"
check_clean "after mixed parallel actions"
((P_RC[3] == 0)) || must user add tp4 --name 'Hà Thị Bốn' --title 'Phó Trưởng phòng' --roles reviewer
((P_RC[4] == 0)) || must user add vt2 --name 'Lý Văn Năm' --title 'Văn thư' --roles clerk
vb --json user list
assert_jq '[.[].login] | map(select(. == "tp4" or . == "vt2")) | sort | join(",")' "tp4,vt2" "both people exist"
# The people added at once can act.
with_title "$DIRECTIVE" "$TMP/n4.md" "Kế hoạch bảo hộ công dân năm 2021"
new_doc chuyenvien "$TMP/n4.md"
must_as chuyenvien route "$DOC" --to tp4
must_as tp4 approve "$DOC"
set_home "$BASE"

# ---------------------------------------------------------------------------------
step "a burst: 8 comments at once by the same person"
with_title "$DIRECTIVE" "$TMP/n5.md" "Kế hoạch thông tin đối ngoại năm 2021"
new_doc chuyenvien "$TMP/n5.md"
D5=$DOC
must_as chuyenvien route "$D5" --to tp1
N=$(records)
args=()
for i in $(seq 1 8); do args+=("--as tp1 comment $D5 'Góp ý lần $i'"); done
parallel burst "${args[@]}"
all_ok "8 parallel comments"
assert_eq "$((N + P_SUCC))" "$(records)" "one record per successful comment"
vb --json doc show "$D5"
assert_jq '.comments | length' "$P_SUCC" "every successful comment is shown"
check_clean "after the burst"

finish
