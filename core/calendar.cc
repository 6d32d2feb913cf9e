#include "core/calendar.h"

#include <cstdio>

namespace vanban {

namespace chr = std::chrono;

std::optional<Day> ParseDay(std::string_view s) {
  if (s.size() != 10 || s[4] != '-' || s[7] != '-') return std::nullopt;
  int v[3] = {0, 0, 0};
  const size_t at[3] = {0, 5, 8}, len[3] = {4, 2, 2};
  for (int i = 0; i < 3; ++i)
    for (size_t j = at[i]; j < at[i] + len[i]; ++j) {
      if (s[j] < '0' || s[j] > '9') return std::nullopt;
      v[i] = v[i] * 10 + (s[j] - '0');
    }
  if (v[0] < 1900) return std::nullopt;
  chr::year_month_day ymd{chr::year(v[0]), chr::month(static_cast<unsigned>(v[1])),
                          chr::day(static_cast<unsigned>(v[2]))};
  if (!ymd.ok()) return std::nullopt;
  return Day(ymd);
}

std::string DayIso(Day d) {
  chr::year_month_day ymd(d);
  char buf[16];
  std::snprintf(buf, sizeof buf, "%04d-%02u-%02u", static_cast<int>(ymd.year()), static_cast<unsigned>(ymd.month()),
                static_cast<unsigned>(ymd.day()));
  return buf;
}

bool WorkCalendar::IsWeekend(Day d) {
  const chr::weekday w(d);
  return w == chr::Saturday || w == chr::Sunday;
}

void WorkCalendar::AddHoliday(Day d, std::string name) {
  worked_.erase(d);
  off_[d] = std::move(name);
}

bool WorkCalendar::AddWorkingWeekend(Day d, std::string name) {
  if (!IsWeekend(d)) return false;
  off_.erase(d);
  worked_[d] = std::move(name);
  return true;
}

bool WorkCalendar::IsWorkingDay(Day d) const {
  if (IsWeekend(d)) return worked_.count(d) > 0;
  return off_.count(d) == 0;
}

std::optional<std::string> WorkCalendar::NameOf(Day d) const {
  if (auto it = off_.find(d); it != off_.end()) return it->second;
  if (auto it = worked_.find(d); it != worked_.end()) return it->second;
  return std::nullopt;
}

Day WorkCalendar::OnOrAfter(Day d) const {
  // Ends: the calendar names finitely many days, and past them every week has five.
  while (!IsWorkingDay(d)) d += chr::days(1);
  return d;
}

Day WorkCalendar::After(Day from, int n) const {
  Day d = OnOrAfter(from);
  for (int i = 0; i < n; ++i) d = OnOrAfter(d + chr::days(1));
  return d;
}

int WorkCalendar::CountAfter(Day from, Day to) const {
  const int64_t span = (to - from).count();
  // Monday to Friday in (from, to]: whole weeks, then the days left one by one.
  int64_t weekdays = span / 7 * 5;
  for (Day d = from + chr::days(span / 7 * 7 + 1); d <= to; d += chr::days(1)) weekdays += !IsWeekend(d);
  for (auto it = off_.upper_bound(from); it != off_.end() && it->first <= to; ++it) weekdays -= !IsWeekend(it->first);
  for (auto it = worked_.upper_bound(from); it != worked_.end() && it->first <= to; ++it) ++weekdays;
  return static_cast<int>(weekdays);
}

int WorkCalendar::Between(Day from, Day to) const { return to >= from ? CountAfter(from, to) : -CountAfter(to, from); }

}  // namespace vanban
