#!/usr/bin/env bash
# The working-day calendar (issue 16): the admin imports a year's holidays, adds and
# removes a day; anyone else is refused (3), malformed days are bad input (2), and
# nothing is written by either.
source "$(dirname "$0")/lib.sh"

setup_org "$TMP/home"

as giamdoc calendar list
assert_contains "$OUT" "only weekends are off" "an empty calendar says so"

must_as giamdoc calendar import "$SAMPLES/holidays-2026.txt"
as giamdoc --json calendar list --year 2026
assert_eq 11 "$(jq length <<<"$OUT")" "the sample's eleven days"
assert_eq "Tết Nguyên đán (mùng 1)" "$(jq -r '.[] | select(.date == "2026-02-17") | .name' <<<"$OUT")" "Tết by name"

must_as giamdoc calendar add 2026-05-09 --name "Làm bù" --working
must_as giamdoc calendar remove 2026-09-01
as giamdoc --json calendar list
assert_eq 11 "$(jq length <<<"$OUT")" "one added, one removed"
assert_eq working "$(jq -r '.[] | select(.date == "2026-05-09") | .day' <<<"$OUT")" "a weekend day worked"

n=$(records)
assert_as 3 chuyenvien calendar add 2026-12-31 --name "Nghỉ"
assert_contains "$ERR" "admin" "only an admin keeps the calendar"
assert_as 2 giamdoc calendar add 2026-02-30 --name "Ngày không có"
assert_contains "$ERR" "YYYY-MM-DD" "a date that does not exist"
assert_as 2 giamdoc calendar add 2026-05-08 --name "Thứ Sáu" --working
assert_contains "$ERR" "weekday" "a weekday is not a weekend day worked"
printf '2026-01-01 off Tết Dương lịch\n2026-13-01 off Tháng mười ba\n' > "$TMP/bad.txt"
assert_as 2 giamdoc calendar import "$TMP/bad.txt"
assert_contains "$ERR" "bad.txt:2" "the file and the line"
assert_as 4 giamdoc calendar remove 2026-03-03
assert_eq "$n" "$(records)" "nothing written by a refusal or bad input"

must check
finish
