#!/usr/bin/env bash
# Storage failures (the contract's exit status 6): a full disk, a read-only home and
# a damaged database file. Each exits 6 with one line naming the file, changes
# nothing, and the node works again once the disk is mended (`check` passes).
# The home lives on a small tmpfs mounted in a private mount namespace, so the
# test needs root (as CI runs it) and util-linux's unshare; without them it fails.
if [[ -z ${VANBAN_STORAGE_NS:-} ]]; then
  command -v unshare >/dev/null || { echo "FAIL: unshare (util-linux) is required" >&2; exit 1; }
  exec unshare --mount --propagation private env VANBAN_STORAGE_NS=1 bash "$0" "$@"
fi
source "$(dirname "$0")/lib.sh"

DISK="$TMP/disk"
mkdir -p "$DISK"
mount -t tmpfs -o size=32m tmpfs "$DISK" || die "cannot mount a tmpfs on $DISK (root in a mount namespace is needed)"
trap 'rc=$?; umount -l "$DISK" 2>/dev/null; (exit $rc); cleanup' EXIT

clock_set 2021-02-03T08:00:00+07:00
setup_org "$DISK/home"
new_doc chuyenvien "$SAMPLES/directive-2021-thi-dua.md"
FIRST=$DOC
n0=$(records)
[[ $n0 =~ ^[0-9]+$ ]] || die "no record count"

step "a full disk: exit 6, the file named, nothing recorded"
dd if=/dev/zero of="$DISK/filler" bs=1M status=none 2>/dev/null
dd if=/dev/zero of="$DISK/filler2" bs=4k status=none 2>/dev/null
as chuyenvien doc new "$SAMPLES/report-2022-so-ket.md"
assert_eq 6 "$RC" "doc new on a full disk: storage failure"
assert_contains "$ERR" "$DISK/home/" "names the file in the home"
assert_contains "$ERR" "full" "says the disk is full"
assert_one_line_error "one line"
as chuyenvien comment "$FIRST" "Góp ý khi đĩa đầy"
assert_eq 6 "$RC" "a comment on a full disk: storage failure"
rm -f "$DISK/filler" "$DISK/filler2"
vb check
assert_eq 0 "$RC" "check passes once there is room"
assert_eq "$n0" "$(records)" "no record from the failed actions"
vb --json doc list
assert_jq "length" 1 "one document, as before"
as chuyenvien doc new "$SAMPLES/report-2022-so-ket.md"
assert_eq 0 "$RC" "the same action succeeds once there is room"
n1=$(records)

step "a read-only home: exit 6 for a change, reading still works"
mount -o remount,ro "$DISK" || die "cannot remount $DISK read-only"
as chuyenvien comment "$FIRST" "Góp ý khi chỉ đọc"
assert_eq 6 "$RC" "a comment on a read-only home: storage failure"
assert_contains "$ERR" "$DISK/home/" "names the file in the home"
assert_contains "$ERR" "read-only" "says it is read-only"
assert_one_line_error "one line"
vb check
assert_eq 0 "$RC" "check passes on the read-only home"
vb --json doc list
assert_jq "length" 2 "both documents listed"
mount -o remount,rw "$DISK" || die "cannot remount $DISK read-write"
assert_eq "$n1" "$(records)" "no record from the refused comment"
as chuyenvien comment "$FIRST" "Góp ý khi đã ghi được"
assert_eq 0 "$RC" "the comment succeeds on a writable home"

step "a damaged database file: exit 6, naming it"
DB="$DISK/home/vanban.db"
[[ -f $DB ]] || die "no database file $DB"
cp -a "$DISK/home" "$TMP/damaged"
printf 'this is not a database, it was overwritten by mistake...........................................' |
  dd of="$TMP/damaged/$(basename "$DB")" conv=notrunc status=none
run "$VANBAN" --home "$TMP/damaged" doc list
assert_eq 6 "$RC" "a database whose header is overwritten: storage failure"
assert_contains "$ERR" "$TMP/damaged/$(basename "$DB")" "names the database file"
assert_one_line_error "one line"
run "$VANBAN" --home "$TMP/damaged" check
assert_eq 6 "$RC" "check on it: storage failure too, not a verification result"
vb check
assert_eq 0 "$RC" "the original node is untouched"

finish
