# Shared helpers for the end-to-end tests of vanban (sourced, not run).
#
# Every test script is run as:   bash SCRIPT.sh /path/to/vanban /path/to/repo-root
# and exits 0 when every assertion held, 1 otherwise (with one "FAIL:" line per
# failed assertion on stderr, followed by the command, its exit code and output).
#
# Assertions record a failure and carry on, so that one run reports every broken
# promise; `must` and `die` stop the script when nothing after can make sense.
#
# The last command run through `run`/`vb`/`assert_exit` leaves its result in
#   RC (exit status), OUT (stdout), ERR (stderr), CMD (the command, printable).

set -uo pipefail

if [[ $# -lt 2 ]]; then
  echo "usage: bash $(basename "$0") /path/to/vanban /path/to/repo-root" >&2
  exit 2
fi
VANBAN=$(realpath "$1")
ROOT=$(realpath "$2")
SAMPLES="$ROOT/samples"
TEST_NAME=$(basename "$0" .sh)
[[ -x "$VANBAN" ]] || { echo "FAIL: $VANBAN is not an executable" >&2; exit 2; }
command -v jq >/dev/null || { echo "FAIL: jq is required (apt-get install -y jq)" >&2; exit 2; }
[[ -f "$SAMPLES/directive-2021-thi-dua.md" ]] || { echo "FAIL: no samples in $SAMPLES" >&2; exit 2; }

# --- a fresh temporary folder per test, removed on exit -------------------------

TMP=$(mktemp -d "${TMPDIR:-/tmp}/vanban-e2e-$TEST_NAME.XXXXXX")
cleanup() {
  local rc=$?
  # Only this shell's jobs that are still running (never a reaped, maybe reused pid).
  local p
  for p in $(jobs -p); do kill -9 "$p" 2>/dev/null; done
  wait 2>/dev/null
  # Nothing a test starts may outlive it: a process still naming this test's folder
  # escaped (e.g. a server started in a backgrounded function, whose kill reached only
  # the subshell). It is stopped, and the test fails.
  local stray
  stray=$(pgrep -f -- "$TMP" | tr '\n' ' ')
  if [[ -n "$stray" ]]; then
    echo "FAIL: $TEST_NAME left processes running: $(ps -o pid=,args= -p "${stray// /,}" 2>/dev/null | tr '\n' ';')" >&2
    kill -9 $stray 2>/dev/null
    rc=1
  fi
  if [[ -n "${KEEP_TMP:-}" ]]; then echo "(kept $TMP)" >&2; else rm -rf "$TMP"; fi
  exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# Nothing from the caller's environment may leak into the program under test.
unset VANBAN_HOME VANBAN_PASSPHRASE VANBAN_NOW VANBAN_PIN
export LC_ALL=C.UTF-8

H="$TMP/home"                   # the node the helpers act on (set_home changes it)
PASS="mật khẩu thử nghiệm 2021"  # every person's passphrase (non-ASCII on purpose)
PASSFILE="$TMP/passphrase"
printf '%s\n' "$PASS" >"$PASSFILE"
chmod 600 "$PASSFILE"
export VANBAN_PASSPHRASE="$PASS"

set_home() { H="$1"; }

# --- failures ----------------------------------------------------------------------

FAILS=0
CHECKS=0
T0=${EPOCHREALTIME/./}

# fail MESSAGE: records a failure (and shows the last command when there was one).
fail() {
  FAILS=$((FAILS + 1))
  echo "FAIL: [$TEST_NAME] $*" >&2
  if [[ -n "${CMD:-}" && "${SHOW_LAST:-1}" == 1 ]]; then
    {
      echo "      last command: $CMD"
      echo "      exit status:  ${RC:-?}"
      [[ -n "${OUT:-}" ]] && printf '      stdout: %s\n' "$(printf '%s' "$OUT" | head -c 1500)"
      [[ -n "${ERR:-}" ]] && printf '      stderr: %s\n' "$(printf '%s' "$ERR" | head -c 1500)"
    } >&2
  fi
  return 0
}
ok() { CHECKS=$((CHECKS + 1)); }

# die MESSAGE: a failure after which the script cannot go on.
die() {
  fail "$*"
  echo "ABORT: [$TEST_NAME] stopping after $FAILS failure(s)" >&2
  exit 1
}

step() { echo "--- $*"; }

# finish: the last line of every script.
finish() {
  if [[ -n "${E2E_PROFILE:-}" ]]; then
    local k
    for k in "${!PROF_N[@]}"; do printf 'profile: %-12s %4d calls %8d ms\n' "$k" "${PROF_N[$k]}" $(( PROF_US[$k] / 1000 )); done | sort -k5 -n
  fi
  local us t
  us=$(( ${EPOCHREALTIME/./} - T0 ))
  t="$((us / 1000000)).$(printf '%03d' $((us / 1000 % 1000)))"
  if ((FAILS > 0)); then
    echo "$TEST_NAME: $FAILS of $CHECKS check(s) FAILED (${t}s)" >&2
    exit 1
  fi
  echo "$TEST_NAME: all $CHECKS checks passed (${t}s)"
  exit 0
}

# --- running commands -------------------------------------------------------------

# Fake clock: when CLOCK is set (epoch seconds), every `vb` call runs with
# VANBAN_NOW=CLOCK (in +07:00) and moves CLOCK on by one minute, so records get
# distinct, increasing times on a known day.
CLOCK=""
clock_set() {  # clock_set 2024-12-20T08:00:00+07:00   (or "" for the real clock)
  if [[ -z "$1" ]]; then CLOCK=""; else CLOCK=$(date -d "$1" +%s) || die "bad date $1"; fi
}
clock_iso() { TZ=Asia/Ho_Chi_Minh date -d "@$CLOCK" +%Y-%m-%dT%H:%M:%S+07:00; }

# run CMD...: runs any command, capturing RC/OUT/ERR.
declare -A PROF_N=() PROF_US=()
run() {
  CMD=$(printf '%q ' "$@")
  local t0=${EPOCHREALTIME/./}
  if [[ -n "$CLOCK" ]]; then
    VANBAN_NOW=$(clock_iso) "$@" >"$TMP/.out" 2>"$TMP/.err"
    RC=$?
    CLOCK=$((CLOCK + 60))
  else
    "$@" >"$TMP/.out" 2>"$TMP/.err"
    RC=$?
  fi
  OUT=$(<"$TMP/.out")
  ERR=$(<"$TMP/.err")
  if [[ -n "${E2E_PROFILE:-}" ]]; then
    local k="${CMD#*--home * }"; k=${k%% *}
    [[ "$k" == --* ]] && k=$(awk '{for(i=1;i<=NF;i++) if ($i !~ /^--/ && $(i-1) !~ /^--(home|as|passphrase-file)$/) {print $i; exit}}' <<<"${CMD#*--home * }")
    PROF_N[$k]=$(( ${PROF_N[$k]:-0} + 1 ))
    PROF_US[$k]=$(( ${PROF_US[$k]:-0} + ${EPOCHREALTIME/./} - t0 ))
  fi
  return 0
}

# vb ARGS...: vanban on the current home.
vb() { run "$VANBAN" --home "$H" "$@"; }
# as LOGIN ARGS...: vanban on the current home, acting as LOGIN.
as() { local who=$1; shift; run "$VANBAN" --home "$H" --as "$who" "$@"; }

# must ARGS...: `vb ARGS` that has to succeed for the script to go on.
must() {
  vb "$@"
  [[ $RC -eq 0 ]] || die "vanban $* exited $RC (expected 0)"
  ok
}
# must_as LOGIN ARGS...
must_as() {
  as "$@"
  [[ $RC -eq 0 ]] || die "vanban --as $* exited $RC (expected 0)"
  ok
}

# --- assertions -------------------------------------------------------------------

assert_eq() {  # assert_eq EXPECTED ACTUAL MESSAGE
  if [[ "$1" == "$2" ]]; then ok; else SHOW_LAST=0 fail "$3: expected '$1', got '$2'"; fi
}
assert_ne() {  # assert_ne UNEXPECTED ACTUAL MESSAGE
  if [[ "$1" != "$2" ]]; then ok; else SHOW_LAST=0 fail "$3: got '$2'"; fi
}

assert_contains() {  # assert_contains HAYSTACK NEEDLE MESSAGE   (case-insensitive)
  if [[ "${1,,}" == *"${2,,}"* ]]; then ok; else
    SHOW_LAST=0 fail "$3: '$(printf '%s' "$1" | head -c 600)' does not contain '$2'"
  fi
}
assert_not_contains() {
  if [[ "${1,,}" != *"${2,,}"* ]]; then ok; else
    SHOW_LAST=0 fail "$3: '$(printf '%s' "$1" | head -c 600)' contains '$2'"
  fi
}

# assert_exit CODE CMD...: runs CMD (a full command, e.g. "$VANBAN" --home ...) and
# checks its exit status. Use assert_vb for vanban on the current home.
assert_exit() {
  local want=$1; shift
  run "$@"
  if [[ $RC -eq $want ]]; then ok; else fail "expected exit $want"; fi
}
assert_vb() {  # assert_vb CODE ARGS...   (vanban --home H ARGS...)
  local want=$1; shift
  assert_exit "$want" "$VANBAN" --home "$H" "$@"
}
assert_as() {  # assert_as CODE LOGIN ARGS...
  local want=$1 who=$2; shift 2
  assert_exit "$want" "$VANBAN" --home "$H" --as "$who" "$@"
}

# assert_one_line_error MESSAGE: the last command wrote exactly one non-empty line
# on stderr, starting with "vanban:".
assert_one_line_error() {
  local n
  n=$(printf '%s\n' "$ERR" | wc -l)
  if [[ -n "$ERR" && $n -eq 1 ]]; then ok; else fail "$1: stderr should be one line, has $n line(s)"; fi
}
# assert_stdout_empty MESSAGE
assert_stdout_empty() {
  if [[ -z "$OUT" ]]; then ok; else fail "$1: stdout should be empty"; fi
}
# assert_json MESSAGE: stdout of the last command is exactly one JSON document.
assert_json() {
  local n
  n=$(printf '%s' "$OUT" | jq -s 'length' 2>/dev/null)
  if [[ "$n" == 1 ]]; then ok; else fail "$1: stdout is not one JSON document"; fi
}
# assert_jq FILTER EXPECTED MESSAGE: jq -r FILTER over the last stdout.
assert_jq() {
  local got
  got=$(printf '%s' "$OUT" | jq -r "$1" 2>&1)
  if [[ "$got" == "$2" ]]; then ok; else fail "$3: jq '$1' gave '$got', expected '$2'"; fi
}
# assert_jq_true FILTER MESSAGE
assert_jq_true() { assert_jq "$1" true "$2"; }

jqo() { printf '%s' "$OUT" | jq -r "$@"; }  # jq over the last stdout

# --- the node ---------------------------------------------------------------------

# records: the node's record count (from check --json), without touching RC/OUT/ERR.
records() {
  "$VANBAN" --home "$H" --json check 2>/dev/null | jq -r '.records'
}

# setup_org [HOME]: the Lạng Sơn organisation with its people.
#   giamdoc    admin, signer   (Trịnh Tuyết Mai, Giám đốc)
#   chuyenvien drafter
#   tp1, tp2   reviewer
#   pgd        signer          (Phó Giám đốc)
#   vanthu     clerk
setup_org() {
  [[ $# -ge 1 ]] && set_home "$1"
  run "$VANBAN" --home "$H" --passphrase-file "$PASSFILE" init --org "Sở Ngoại vụ tỉnh Lạng Sơn" --code SNgV \
    --place "Lạng Sơn" --admin giamdoc --name "Trịnh Tuyết Mai" --title "Giám đốc"
  [[ $RC -eq 0 ]] || die "init failed"
  ok
  must user add chuyenvien --name "Hoàng Văn Chuyên" --title "Chuyên viên" --roles drafter
  must user add tp1 --name "Lương Thị Hoa" --title "Trưởng phòng Hợp tác quốc tế" --roles reviewer
  must user add tp2 --name "Vi Văn Thắng" --title "Trưởng phòng Quản lý biên giới" --roles reviewer
  must user add pgd --name "Nông Đức Toàn" --title "Phó Giám đốc" --roles signer
  must user add vanthu --name "Lăng Thị Thư" --title "Văn thư" --roles clerk
}

# new_doc LOGIN FILE: creates a document; sets DOC to its id.
new_doc() {
  run "$VANBAN" --home "$H" --json --as "$1" doc new "$2"
  [[ $RC -eq 0 ]] || die "doc new $2 failed"
  DOC=$(jqo .id)
  [[ "$DOC" =~ ^[0-9a-f]{64}$ ]] || die "doc new gave no id"
  ok
}

# full_workflow FILE: draft -> review -> approve -> submit -> sign -> issue.
# Sets DOC and NUMBER.
full_workflow() {
  new_doc chuyenvien "$1"
  must_as chuyenvien route "$DOC" --to tp1,tp2
  must_as tp1 comment "$DOC" "Đề nghị bổ sung chỉ tiêu cụ thể"
  must_as tp1 approve "$DOC"
  must_as tp2 approve "$DOC"
  must_as chuyenvien submit "$DOC" --to pgd
  must_as pgd sign "$DOC" --on-behalf
  must_as vanthu --json issue "$DOC"
  NUMBER=$(jqo .number)
}

# start_test_tsa: a time-stamping authority on 127.0.0.1 (tests/tools/test_tsa.cc)
# with its own certificate $TMP/tsa.pem; sets TSA_URL (its /refuse and /broken paths
# refuse or answer garbage). Stopped by cleanup like every job of the test.
start_test_tsa() {
  local bin
  bin="$(dirname "$VANBAN")/vanban_test_tsa"
  [[ -x $bin ]] || die "$bin is missing (built with the tests)"
  openssl req -x509 -newkey rsa:2048 -nodes -keyout "$TMP/tsa.key" -out "$TMP/tsa.pem" -days 30 \
    -subj "/C=VN/O=Test/CN=Test TSA" -addext "extendedKeyUsage=critical,timeStamping" \
    -addext "keyUsage=critical,digitalSignature" >"$TMP/tsa.log" 2>&1 || die "openssl req failed: $(cat "$TMP/tsa.log")"
  "$bin" "$TMP/tsa.pem" "$TMP/tsa.key" "$TMP/tsa.port" >"$TMP/tsa.log" 2>&1 &
  for _ in $(seq 50); do [[ -s $TMP/tsa.port ]] && break; sleep 0.1; done
  [[ -s $TMP/tsa.port ]] || die "the test TSA did not start: $(cat "$TMP/tsa.log")"
  TSA_URL="http://127.0.0.1:$(<"$TMP/tsa.port")/"
}

# state ID: the document's state (doc show --json), without touching RC/OUT/ERR.
state() { "$VANBAN" --home "$H" --json doc show "$1" 2>/dev/null | jq -r .state; }

# A copy of SRC with the front matter's "title:" line replaced.
with_title() {  # with_title SRC DEST NEW_TITLE
  sed "0,/^title:.*/s//title: $3/" "$1" >"$2"
}
