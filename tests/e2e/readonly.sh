#!/usr/bin/env bash
# A home that cannot be written (a backup mounted read-only, an archive copy): the
# commands that only read still work, and nothing in the home changes. Run as root
# (CI), permission bits do not stop anything, so the home is made read-only by a
# read-only bind mount in a mount namespace of its own (unshare -m); where that is not
# allowed, as the unprivileged user nobody (setpriv) on a home made chmod -R a-w.
source "$(dirname "$0")/lib.sh"

clock_set 2021-02-03T08:00:00+07:00
setup_org "$TMP/langson"
full_workflow "$SAMPLES/directive-2021-thi-dua.md"
ID=$DOC

step "a copy of the home, made read-only"
RO="$TMP/ro/home"
mkdir -p "$TMP/ro" "$TMP/out"
cp -a "$H" "$RO"
snapshot() { (cd "$RO" && find . -printf '%p %s %T@\n' | sort && find . -type f -exec sha256sum {} + | sort); }
before=$(snapshot)

# ro ARGS...: vanban ARGS on the read-only home; leaves RC, OUT, ERR.
if [[ $(id -u) -eq 0 ]] && unshare -m sh -c 'mount --bind "$1" "$1" && mount -o remount,bind,ro "$1" && ! test -w "$1"' \
  sh "$RO" 2>/dev/null; then
  echo "(a read-only bind mount)"
  ro() { run unshare -m sh -c 'd=$1; shift; mount --bind "$d" "$d" && mount -o remount,bind,ro "$d" && exec "$@"' \
    sh "$RO" "$VANBAN" --home "$RO" "$@"; }
elif command -v setpriv >/dev/null; then
  echo "(user nobody on a home without write permission)"
  chmod -R a-w "$RO"
  chmod a+rwx "$TMP/out"
  chmod a+rx "$TMP" "$TMP/ro"
  ro() { run setpriv --reuid=65534 --regid=65534 --clear-groups "$VANBAN" --home "$RO" "$@"; }
  ro --json doc list
  [[ $RC -ne 0 && "$ERR" == *"Permission denied"* ]] && die "the user nobody cannot run $VANBAN here: $ERR"
else
  die "neither a read-only bind mount (unshare -m, as root) nor setpriv is available to make a read-only home"
fi

step "the commands that only read work on it"
ro --json doc list
assert_eq 0 "$RC" "doc list: $ERR"
assert_jq 'length' 1 "doc list lists the document"
ro --json doc show "$ID"
assert_eq 0 "$RC" "doc show: $ERR"
assert_jq '.number' "$NUMBER" "doc show: the number"
ro --json doc log "$ID"
assert_eq 0 "$RC" "doc log: $ERR"
ro --json --as pgd inbox
assert_eq 0 "$RC" "inbox: $ERR"
ro --json check
assert_eq 0 "$RC" "check: $ERR"
assert_jq '.ok' true "check: ok"
ro --json register
assert_eq 0 "$RC" "register: $ERR"
assert_jq '.[0].number' "$NUMBER" "register: the number"
ro --json user list
assert_eq 0 "$RC" "user list: $ERR"
ro --json node id
assert_eq 0 "$RC" "node id: $ERR"
ro --json verify "$NUMBER"
assert_eq 0 "$RC" "verify: $ERR"
assert_jq '.valid' true "verify: valid"
ro export pdf "$NUMBER" -o "$TMP/out/issued.pdf"
assert_eq 0 "$RC" "export pdf: $ERR"
[[ -s "$TMP/out/issued.pdf" ]] && ok || fail "export pdf wrote the PDF outside the home"

step "a command that writes says why it cannot"
ro --as chuyenvien doc new "$SAMPLES/directive-2021-thi-dua.md"
assert_eq 6 "$RC" "doc new on a read-only home: a storage failure (exit 6)"
assert_contains "$ERR" "$RO/" "names the file in the home"
assert_one_line_error "one line"

step "nothing in the home changed"
chmod -R u+w "$RO" 2>/dev/null
assert_eq "$before" "$(snapshot)" "same files, sizes, times and bytes"

finish
