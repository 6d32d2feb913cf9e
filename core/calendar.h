// vanban/core — working days (ngày làm việc). The deadlines of incoming documents
// count them (Decree 30/2020 Art. 24): Saturdays and Sundays are off, and so are the
// public holidays and days off in lieu of the calendar an organisation keeps; a
// weekend day worked in exchange for one (ngày làm bù) counts as a working day.
#pragma once

#include <chrono>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/status.h"

namespace vanban {

// A calendar day, without time or zone (dates on documents are the organisation's).
using Day = std::chrono::sys_days;

// "YYYY-MM-DD" exactly, a real date of the years 1900 to 9999; nullopt otherwise.
std::optional<Day> ParseDay(std::string_view s);
std::string DayIso(Day d);

// What a calendar says of one day (an org.calendar record's line, docs/records.md).
struct CalendarDay {
  enum class Kind { kOff, kWorking, kNone };  // a day off; a weekend day worked; neither any more
  Day day;
  Kind kind = Kind::kOff;
  std::string name;  // "" only for kNone
};
// Lines "YYYY-MM-DD off NAME", "YYYY-MM-DD working NAME" or "YYYY-MM-DD none";
// blank lines and lines starting with '#' are skipped. Strict: the first line that
// is not of this form (a weekday marked working, a name over 200 bytes, a date given
// twice) is BadInput naming `where` and the line. At most 1000 days.
Result<std::vector<CalendarDay>> ParseCalendar(std::string_view text, const std::string& where);
// The rules of one day, as ParseCalendar applies them to each line: a name (NFC UTF-8,
// at most 200 bytes) for a day off or worked, none for `none`, and only a weekend day
// worked. BadInput saying which.
Status CheckCalendarDay(const CalendarDay& d);
std::string CalendarText(const std::vector<CalendarDay>& days);

bool IsWeekend(Day d);

class WorkCalendar {
 public:
  // Applies what the line says of its day.
  void Set(const CalendarDay& d);
  // A day off that would otherwise be a working day (a public holiday, a day off in
  // lieu). On a weekend day it changes nothing but its name.
  void AddHoliday(Day d, std::string name);
  // A Saturday or Sunday worked in exchange for a day off; false on a weekday.
  bool AddWorkingWeekend(Day d, std::string name);
  // The day is what the week makes it again.
  void Forget(Day d);
  // The days it names, in order.
  std::vector<CalendarDay> Days() const;

  bool IsWorkingDay(Day d) const;
  // The holiday's or the exchange's name, if the calendar names the day.
  std::optional<std::string> NameOf(Day d) const;
  // The first working day on or after `d`: a deadline that lands on a day off
  // (Tết) moves past it.
  Day OnOrAfter(Day d) const;
  // The day `n` working days after `from` (n >= 0; 0: OnOrAfter(from)).
  Day After(Day from, int n) const;
  // How many working days come after `from`, up to and including `to`; negative
  // (the days from `to` to `from`, counted the same way) when `to` is before `from`.
  // Not day by day: an item overdue for years costs as little as one due tomorrow.
  int Between(Day from, Day to) const;

 private:
  // Working days in (from, to], from <= to.
  int CountAfter(Day from, Day to) const;

  std::map<Day, std::string> off_, worked_;
};

}  // namespace vanban
