#!/usr/bin/env bash
# The command-line contract (/work/shared/spec/cli-contract.md, docs/cli.md):
# help and version, global options anywhere, $VANBAN_HOME, JSON shapes, errors on
# stderr as one line, and the exit statuses 2, 3 and 4.
#
# Set E2E_STRICT_CONTRACT=1 to also fail on contract commands that do not exist yet.
source "$(dirname "$0")/lib.sh"

DIRECTIVE="$SAMPLES/directive-2021-thi-dua.md"
REPORT="$SAMPLES/report-2022-so-ket.md"

# ---------------------------------------------------------------------------------
step "--help and --version"
assert_exit 0 "$VANBAN" --help
HELP=$OUT
assert_contains "$HELP" "Usage: vanban" "--help prints the usage"
assert_exit 0 "$VANBAN" --version
assert_contains "$OUT" "vanban" "--version names the program"
if [[ "$OUT" =~ [0-9]+\.[0-9]+ ]]; then ok; else fail "--version prints a version number"; fi
assert_exit 2 "$VANBAN" --home "$TMP/nowhere"
assert_one_line_error "no command at all"
assert_exit 2 "$VANBAN" --home "$TMP/nowhere" frobnicate
assert_one_line_error "unknown command"

# Every command of the contract, as command words. A command that exists (its
# --help exits 0) must be listed by the --help of its parent.
CONTRACT_COMMANDS=(
  "init" "user add" "user revoke" "user list" "org card" "org trust" "node id"
  "doc new" "doc edit" "doc show" "doc list" "doc log" "inbox"
  "route" "comment" "approve" "submit" "return" "sign" "issue"
  "export pdf" "verify" "register" "archive export" "check"
  "serve" "sync" "bundle export" "bundle import"
)
MISSING=()
for c in "${CONTRACT_COMMANDS[@]}"; do
  read -r -a words <<<"$c"
  run "$VANBAN" "${words[@]}" --help
  # An unknown command word makes CLI11 print the main help: look for its own usage line.
  if [[ $RC -ne 0 || "$OUT" != *"Usage: vanban $c "* ]]; then
    MISSING+=("$c")
    continue
  fi
  ok
  parent_help=$HELP
  if ((${#words[@]} > 1)); then
    run "$VANBAN" "${words[@]:0:${#words[@]}-1}" --help
    parent_help=$OUT
  fi
  last=${words[${#words[@]}-1]}
  if grep -qE "^[[:space:]]+$last([[:space:]]|$)" <<<"$parent_help"; then ok; else
    SHOW_LAST=0 fail "'vanban $c' exists but is not listed by the --help of its parent command"
  fi
done
if ((${#MISSING[@]})); then
  echo "NOTE: contract commands not implemented yet: ${MISSING[*]}"
  if [[ -n "${E2E_STRICT_CONTRACT:-}" ]]; then SHOW_LAST=0 fail "contract commands missing: ${MISSING[*]}"; fi
fi
# The main help describes the exit statuses.
assert_contains "$HELP" "exit status" "--help describes the exit statuses"

# ---------------------------------------------------------------------------------
step "set up the Lạng Sơn organisation"
setup_org "$TMP/home"
vb --json user list
assert_json "user list --json"
assert_jq '[.[].login] | sort | join(",")' "chuyenvien,giamdoc,pgd,tp1,tp2,vanthu" "user list has every person"
assert_jq '.[] | select(.login=="giamdoc") | .roles | sort | join(",")' "admin,signer" "init gives the admin admin+signer"

# ---------------------------------------------------------------------------------
step "global options before and after the command words"
# Distinct texts: a document is content-addressed (see the same-instant check below).
with_title "$DIRECTIVE" "$TMP/directive-b.md" "Kế hoạch thi đua chuyên đề đối ngoại năm 2021"
with_title "$DIRECTIVE" "$TMP/directive-c.md" "Kế hoạch tổ chức Hội nghị biên giới năm 2021"
N0=$(records)
assert_exit 0 "$VANBAN" --home "$H" --json doc new "$DIRECTIVE" --as chuyenvien
assert_json "options before: doc new --json"
assert_jq '.id | test("^[0-9a-f]{64}$")' true "doc new --json has an id"
assert_jq '.rev | test("^[0-9a-f]{64}$")' true "doc new --json has a rev"
D1=$(jqo .id)
assert_exit 0 "$VANBAN" doc new "$TMP/directive-b.md" --home "$H" --json --as chuyenvien
assert_json "options after: doc new --json"
D2=$(jqo .id)
assert_ne "$D1" "$D2" "two doc new give two documents"
assert_eq "$((N0 + 2))" "$(records)" "each doc new adds one record"
# The documents were made by chuyenvien (--as after the command words counted).
vb --json doc show "$D2"
assert_jq .creator chuyenvien "--as after the command words sets the acting person"
# Mixed: some before, some after; --passphrase-file after the command words.
assert_exit 0 env -u VANBAN_PASSPHRASE "$VANBAN" --json doc new "$REPORT" --home "$H" --passphrase-file "$PASSFILE" --as chuyenvien
assert_json "doc new with --passphrase-file after the command words"
D3=$(jqo .id)
# Text output (no --json) of doc new is the id.
assert_exit 0 "$VANBAN" --home "$H" --as chuyenvien doc new "$TMP/directive-c.md"
if [[ "$OUT" =~ ^[0-9a-f]{64}$ ]]; then ok; else fail "doc new (text) prints the new id"; fi
D4=$OUT

# "doc new FILE prints the NEW document id": the same file twice, by the same person
# in the same second, must still give two documents (not silently the first one).
H_SAVED=$H
set_home "$TMP/home-dup"
cp -a "$H_SAVED" "$H"
N=$(records)
LATER=$(TZ=Asia/Ho_Chi_Minh date -d '+1 day' +%Y-%m-%dT%H:%M:%S+07:00)  # after every grant
assert_exit 0 env VANBAN_NOW="$LATER" "$VANBAN" --home "$H" --json --as chuyenvien doc new "$DIRECTIVE"
DA=$(jqo .id)
assert_exit 0 env VANBAN_NOW="$LATER" "$VANBAN" --home "$H" --json --as chuyenvien doc new "$DIRECTIVE"
DB=$(jqo .id)
assert_ne "$DA" "$DB" "doc new twice at the same instant must give two documents (it printed an existing id)"
assert_eq "$((N + 2))" "$(records)" "doc new twice at the same instant adds two records"
set_home "$H_SAVED"

# ---------------------------------------------------------------------------------
step "\$VANBAN_HOME when --home is absent, ~/.local/share/vanban otherwise"
vb --json node id
NODE=$(jqo .node)
assert_json "node id --json"
if [[ "$NODE" =~ ^[0-9a-f]{64}$ ]]; then ok; else fail "node id --json: 'node' is a 64-hex public key"; fi
assert_exit 0 env VANBAN_HOME="$H" "$VANBAN" --json node id
assert_jq .node "$NODE" "VANBAN_HOME names the node"
assert_exit 0 env VANBAN_HOME="$H" "$VANBAN" --json doc show "$D1"
assert_jq .id "$D1" "VANBAN_HOME: doc show finds the document"
assert_exit 0 env VANBAN_HOME="$TMP/elsewhere" "$VANBAN" --json node id --home "$H"
assert_jq .node "$NODE" "--home wins over VANBAN_HOME"
mkdir -p "$TMP/fakehome"
assert_exit 4 env HOME="$TMP/fakehome" "$VANBAN" --json node id
assert_contains "$ERR" "$TMP/fakehome/.local/share/vanban" "without --home and VANBAN_HOME the default is ~/.local/share/vanban"
assert_stdout_empty "no node, --json"
assert_one_line_error "no node"
# An init through VANBAN_HOME, acting through --home.
assert_exit 0 env VANBAN_HOME="$TMP/home2" "$VANBAN" --json init --org "Sở Ngoại vụ tỉnh Cao Bằng" --code SNgV \
  --place "Cao Bằng" --admin giamdoc --name "Bế Thị Lan" --title "Giám đốc"
assert_json "init --json"
if [[ -f "$TMP/home2/vanban.db" ]]; then ok; else fail "init with VANBAN_HOME creates the node there"; fi
assert_exit 0 "$VANBAN" --home "$TMP/home2" --json user list
assert_jq '.[0].login' giamdoc "the node made through VANBAN_HOME opens with --home"
assert_exit 2 "$VANBAN" --home "$TMP/home2" init --org X --code X --place X --admin a --name A --title T
assert_one_line_error "init twice"

# ---------------------------------------------------------------------------------
step "a document through the workflow, for the JSON shapes"
must_as chuyenvien route "$D1" --to tp1,tp2
must_as tp1 comment "$D1" "Đề nghị bổ sung phần kinh phí"
must_as tp1 approve "$D1"
must_as tp2 approve "$D1"

vb --json --as pgd inbox
assert_json "inbox --json (empty)"
assert_jq 'type' array "inbox --json is an array"
assert_jq 'length' 0 "pgd has nothing before the submission"
vb --json inbox --as tp1
assert_jq 'length' 0 "tp1 approved: nothing waits"

must_as chuyenvien submit "$D1" --to pgd
vb --json inbox --as pgd
assert_json "inbox --json"
assert_jq 'length' 1 "pgd has one item"
assert_jq '.[0] | [.id, .kind, .state, .action] | join(" ")' "$D1 directive submitted sign" "inbox item: id kind state action"
assert_jq '.[0] | has("title") and has("number")' true "inbox item has title and number"
assert_jq '.[0].number' null "inbox: number null before issue"
assert_jq '.[0].title' "Phát động phong trào thi đua yêu nước năm 2021" "inbox: title"

must_as pgd sign "$D1" --on-behalf
vb --json --as vanthu inbox
assert_jq '[.[] | .action] | join(",")' issue "the clerk must issue"
vb --json --as vanthu issue "$D1"
assert_json "issue --json"
assert_jq .number "01/KH-SNgV" "the first directive is 01/KH-SNgV"
NUM=$(jqo .number)

vb --json doc show "$D1"
assert_json "doc show --json"
assert_jq '[.id, .kind, .state, .number] | join(" ")' "$D1 directive issued 01/KH-SNgV" "doc show: id kind state number"
assert_jq .title "Phát động phong trào thi đua yêu nước năm 2021" "doc show: title"
assert_jq '.revisions | type' array "doc show: revisions is an array"
assert_jq '.revisions | length' 1 "doc show: one revision"
assert_jq '.revisions[0].rev' "$D1" "doc show: the first revision is the create record"
assert_jq '.comments | type' array "doc show: comments is an array"
assert_jq '.comments | length' 1 "doc show: one comment"
assert_jq '.signatures | length' 1 "doc show: one signature"
assert_jq '.signatures[0] | [.signer, .org, (.valid|tostring)] | join("|")' "pgd|Sở Ngoại vụ tỉnh Lạng Sơn|true" "doc show: signature signer/org/valid"
vb --json doc show "$D2"
assert_jq .number null "doc show: number is null until issued"
assert_jq .state draft "doc show: a new document is a draft"
assert_jq '.signatures | length' 0 "doc show: no signatures yet"
# A number works as the document reference.
vb --json doc show "$NUM"
assert_jq .id "$D1" "doc show NUMBER finds the document"
# A unique prefix works too.
vb --json doc show "${D1:0:12}"
assert_jq .id "$D1" "doc show PREFIX finds the document"

vb --json doc list
assert_json "doc list --json"
assert_jq 'length' 4 "doc list: four documents"
assert_jq '[.[].id] | sort | join(",")' "$(printf '%s\n' "$D1" "$D2" "$D3" "$D4" | sort | paste -sd,)" "doc list: the four ids"
assert_jq '[.[] | has("id") and has("kind") and has("title") and has("state") and has("number")] | all' true "doc list items have id kind title state number"
assert_jq ".[] | select(.id==\"$D1\") | .number" "01/KH-SNgV" "doc list: the issued number"
assert_jq ".[] | select(.id==\"$D3\") | .kind" report "doc list: kind"
assert_jq "[.[] | select(.number != null)] | length" 1 "doc list: number null for the others"

vb --json register
assert_json "register --json"
assert_jq 'length' 1 "register: one entry"
assert_jq '.[0] | [.number, .kind, .signer] | join("|")' "01/KH-SNgV|directive|Nông Đức Toàn" "register: number kind signer"
assert_jq '.[0].title' "Phát động phong trào thi đua yêu nước năm 2021" "register: title"
assert_jq '.[0].date | test("^[0-9]{4}-[0-9]{2}-[0-9]{2}$")' true "register: date is YYYY-MM-DD"
YEAR=$(jqo '.[0].date[0:4]')
vb --json register --year "$YEAR"
assert_jq 'length' 1 "register --year of the issue"
vb --json register --year 1999
assert_jq 'length' 0 "register --year 1999 is empty"
vb --json register --incoming
assert_json "register --incoming --json"
assert_jq 'type' array "register --incoming --json is an array"

vb --json check
assert_json "check --json"
assert_jq '.ok' true "check: ok"
assert_jq '.records | type' number "check: records is a number"
assert_jq '.digest | test("^[0-9a-f]{16,}$")' true "check: digest is a hash"
assert_jq '.problems' "[]" "check: problems is an empty array"
DIGEST=$(jqo .digest)
vb --json check
assert_jq .digest "$DIGEST" "check: the digest is stable"

vb --json doc log "$D1"
assert_json "doc log --json"
assert_jq 'length' 8 "doc log: create route comment approve approve submit sign issue"
vb doc log "$D1"
assert_contains "$OUT" "issued as 01/KH-SNgV" "doc log (text) tells the issue"

# Every --json output above was checked for being one document; the text outputs
# must not be JSON-only: doc show without --json is readable text.
vb doc show "$D1"
assert_contains "$OUT" "Number: 01/KH-SNgV" "doc show (text) has the number"

# ---------------------------------------------------------------------------------
step "errors: exit 2 for bad usage, on stderr as one line, nothing on stdout"
N=$(records)
assert_vb 2 --json doc new "$DIRECTIVE" --as chuyenvien --no-such-flag
assert_stdout_empty "unknown flag, --json"
assert_one_line_error "unknown flag"
assert_contains "$ERR" "--no-such-flag" "the error names the unknown flag"
assert_vb 2 --json --frobnicate doc list
assert_one_line_error "unknown global flag"
assert_vb 2 --json doc
assert_one_line_error "doc without a subcommand"
assert_vb 2 --json route "$D2"
assert_one_line_error "route without --to"
assert_vb 2 --json doc list --state nonsense
assert_stdout_empty "bad --state, --json"
assert_one_line_error "bad --state"
assert_contains "$ERR" "nonsense" "the error names the bad state"
assert_vb 2 --json doc list --kind memo
assert_one_line_error "bad --kind"
assert_vb 2 --json --as giamdoc user add x1 --name X --title Y --roles drafter,wizard
assert_contains "$ERR" "wizard" "the error names the unknown role"
assert_eq "$N" "$(records)" "bad usage changed nothing"

step "exit 2: missing passphrase (no file, no environment, no terminal)"
# setsid: a new session without a controlling terminal, so /dev/tty cannot be opened.
command -v setsid >/dev/null || die "setsid (util-linux) is needed to run without a terminal"
N=$(records)
assert_exit 2 setsid -w env -u VANBAN_PASSPHRASE "$VANBAN" --home "$H" --json --as chuyenvien doc new "$DIRECTIVE" </dev/null
assert_stdout_empty "missing passphrase, --json"
assert_one_line_error "missing passphrase"
assert_contains "$ERR" "passphrase" "the error says a passphrase is missing"
assert_exit 2 setsid -w env -u VANBAN_PASSPHRASE "$VANBAN" --home "$H" --as chuyenvien comment "$D2" "x" </dev/null
assert_exit 2 setsid -w env VANBAN_PASSPHRASE= "$VANBAN" --home "$H" --as chuyenvien doc new "$DIRECTIVE" </dev/null
assert_eq "$N" "$(records)" "missing passphrase changed nothing"
# Reading needs no passphrase.
assert_exit 0 setsid -w env -u VANBAN_PASSPHRASE "$VANBAN" --home "$H" --json doc list </dev/null
assert_exit 0 setsid -w env -u VANBAN_PASSPHRASE "$VANBAN" --home "$H" --json --as pgd inbox </dev/null
# An empty passphrase file is not a passphrase.
: >"$TMP/empty-pass"
assert_exit 2 env -u VANBAN_PASSPHRASE "$VANBAN" --home "$H" --as chuyenvien --passphrase-file "$TMP/empty-pass" doc new "$DIRECTIVE"
assert_one_line_error "empty passphrase file"
# A passphrase file that does not exist is bad usage too (exit 2): the table keeps
# 4 for documents, persons, organisations and peers.
assert_exit 2 env -u VANBAN_PASSPHRASE "$VANBAN" --home "$H" --as chuyenvien --passphrase-file "$TMP/no-such-file" doc new "$DIRECTIVE"
assert_contains "$ERR" "no-such-file" "the error names the passphrase file"
assert_eq "$N" "$(records)" "bad passphrase files changed nothing"

step "exit 2: wrong passphrase, nothing changed"
N=$(records)
assert_exit 2 env VANBAN_PASSPHRASE="not the passphrase" "$VANBAN" --home "$H" --json --as chuyenvien doc new "$DIRECTIVE"
assert_stdout_empty "wrong passphrase, --json"
assert_one_line_error "wrong passphrase"
assert_contains "$ERR" "passphrase" "the error says the passphrase is wrong"
printf 'wrong one\n' >"$TMP/wrong-pass"
assert_exit 2 "$VANBAN" --home "$H" --as chuyenvien --passphrase-file "$TMP/wrong-pass" comment "$D2" "không được ghi"
assert_exit 2 env VANBAN_PASSPHRASE="nope" "$VANBAN" --home "$H" user add khach --name "Khách" --title "Khách" --roles drafter
if [[ ! -e "$H/keys/person-khach.key" ]]; then ok; else fail "a refused user add leaves no key file behind"; fi
assert_eq "$N" "$(records)" "wrong passphrase: the record count did not change"
vb --json doc show "$D2"
assert_jq '.comments | length' 0 "wrong passphrase: no comment was added"
# The file wins over the environment.
assert_exit 0 env VANBAN_PASSPHRASE="not the passphrase" "$VANBAN" --home "$H" --as chuyenvien --passphrase-file "$PASSFILE" comment "$D2" "Đã xem"
assert_eq "$((N + 1))" "$(records)" "--passphrase-file is used before VANBAN_PASSPHRASE"

step "exit 3: refused by role or state, nothing changed"
N=$(records)
assert_as 3 tp1 --json doc new "$DIRECTIVE"
assert_stdout_empty "wrong role, --json"
assert_one_line_error "wrong role"
assert_contains "$ERR" "drafter" "the error names the missing role"
assert_as 3 chuyenvien --json sign "$D2"
assert_one_line_error "sign by a drafter"
assert_as 3 vanthu issue "$D2"
assert_contains "$ERR" "draft" "issuing a draft: the error names the state"
assert_as 3 chuyenvien --json submit "$D1" --to pgd
assert_contains "$ERR" "issued" "submitting an issued document: the error names the state"
assert_as 3 pgd return "$D2" --reason "Chưa đạt"
assert_as 3 tp1 approve "$D2"
assert_as 3 chuyenvien route "$D2" --to vanthu
assert_contains "$ERR" "reviewer" "routing to a non-reviewer: the error names the role"
assert_as 3 chuyenvien submit "$D2" --to tp1
assert_contains "$ERR" "signer" "submitting to a non-signer: the error names the role"
assert_as 3 vanthu issue "$D1"
assert_contains "$ERR" "already issued" "issuing twice is refused"
step "user add and user revoke need the role admin (exit 3)"
assert_as 3 chuyenvien --json user add khach --name "Khách" --title "Chuyên viên" --roles drafter
assert_stdout_empty "user add by a non-admin, --json"
assert_one_line_error "user add by a non-admin"
assert_contains "$ERR" "admin" "the error names the role admin"
if [[ ! -e "$H/keys/person-khach.key" ]]; then ok; else fail "a refused user add leaves no key file behind"; fi
assert_as 3 pgd user revoke tp2
assert_as 3 vanthu org set require-concurrence yes
assert_eq "$N" "$(records)" "refusals changed nothing"

step "exit 4: unknown document or person"
assert_vb 4 --json doc show 0123456789abcdef
assert_stdout_empty "unknown document, --json"
assert_one_line_error "unknown document"
assert_contains "$ERR" "0123456789abcdef" "the error names the document"
assert_vb 4 --json doc show 99/KH-SNgV
assert_one_line_error "unknown number"
assert_as 4 tp1 comment ffffffffffff "x"
assert_as 4 chuyenvien approve abcd0000
assert_vb 4 doc log ffff0000
assert_as 4 chuyenvien --json route "$D2" --to khongai
assert_contains "$ERR" "khongai" "the error names the unknown person"
assert_as 4 chuyenvien submit "$D2" --to khongai
assert_as 4 khongai --json doc new "$DIRECTIVE"
assert_stdout_empty "unknown acting person, --json"
assert_contains "$ERR" "khongai" "the error names the unknown acting person"
assert_vb 4 user revoke khongai
assert_as 4 khongai inbox
assert_eq "$N" "$(records)" "not-found errors changed nothing"

step "user add: --new-passphrase-file gives the new person their own passphrase"
printf 'mật khẩu riêng\n' >"$TMP/own-pass"
assert_vb 0 --json user add tp3 --name "Hà Văn Ba" --title "Phó Trưởng phòng" --roles reviewer,drafter --new-passphrase-file "$TMP/own-pass"
assert_json "user add --json"
assert_jq '.roles | sort | join(",")' "drafter,reviewer" "user add --json: roles"
assert_as 2 tp3 doc new "$DIRECTIVE"
assert_contains "$ERR" "passphrase" "tp3's key is not under the admin's passphrase"
assert_exit 0 "$VANBAN" --home "$H" --as tp3 --passphrase-file "$TMP/own-pass" --json doc new "$DIRECTIVE"
assert_json "doc new by tp3 with their own passphrase"

step "the node is sound after all of this"
vb --json check
assert_jq .ok true "check after the contract tests"
assert_eq 0 "$RC" "check exits 0"

finish
