#include "core/calendar.h"

#include <algorithm>
#include <cstdio>
#include <set>

#include "core/text.h"

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

bool IsWeekend(Day d) {
  const chr::weekday w(d);
  return w == chr::Saturday || w == chr::Sunday;
}

Status CheckCalendarDay(const CalendarDay& d) {
  constexpr size_t kMaxName = 200;
  const std::string& name = d.name;
  if (d.kind == CalendarDay::Kind::kNone && !name.empty()) return Status::BadInput("'none' takes no name");
  if (d.kind != CalendarDay::Kind::kNone && (name.empty() || name.front() == ' '))
    return Status::BadInput("a day off or a day worked has a name (\"Tết Nguyên đán\")");
  if (name.size() > kMaxName) return Status::BadInput("a name is at most " + std::to_string(kMaxName) + " bytes");
  if (!text::CheckUtf8(name).ok()) return Status::BadInput("the name is not UTF-8 text");
  if (auto nfc = text::Normalize(name); !nfc.ok() || *nfc != name)
    return Status::BadInput("the name is not in Unicode NFC (vanban writes text in NFC)");
  if (d.kind == CalendarDay::Kind::kWorking && !IsWeekend(d.day))
    return Status::BadInput(DayIso(d.day) + " is a weekday: only a Saturday or Sunday is marked 'working'");
  return Status::Ok();
}

Result<std::vector<CalendarDay>> ParseCalendar(std::string_view text, const std::string& where) {
  constexpr size_t kMaxDays = 1000;
  std::vector<CalendarDay> out;
  std::set<Day> seen;
  size_t line_no = 0;
  for (size_t at = 0; at <= text.size();) {
    size_t eol = std::min(text.find('\n', at), text.size());
    std::string_view line = text.substr(at, eol - at);
    at = eol + 1;
    ++line_no;
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    if (line.empty() || line[0] == '#') continue;
    auto bad = [&](const std::string& why) {
      return Status::BadInput(where + ":" + std::to_string(line_no) + ": " + why);
    };
    auto day = ParseDay(line.substr(0, 10));
    if (!day || (line.size() > 10 && line[10] != ' ')) return bad("a line begins with a date, YYYY-MM-DD");
    std::string_view rest = line.size() > 11 ? line.substr(11) : std::string_view{};
    size_t sp = rest.find(' ');
    std::string_view word = rest.substr(0, sp), name = sp == std::string_view::npos ? "" : rest.substr(sp + 1);
    CalendarDay d{*day, CalendarDay::Kind::kOff, std::string(name)};
    if (word == "off") d.kind = CalendarDay::Kind::kOff;
    else if (word == "working") d.kind = CalendarDay::Kind::kWorking;
    else if (word == "none") d.kind = CalendarDay::Kind::kNone;
    else return bad("after the date comes 'off', 'working' or 'none'");
    if (Status s = CheckCalendarDay(d); !s.ok()) return bad(s.message());
    if (!seen.insert(*day).second) return bad(DayIso(*day) + " is given twice");
    if (out.size() == kMaxDays) return bad("at most " + std::to_string(kMaxDays) + " days at once");
    out.push_back(std::move(d));
  }
  if (out.empty()) return Status::BadInput(where + ": no days");
  return out;
}

std::string CalendarText(const std::vector<CalendarDay>& days) {
  std::string out;
  for (const CalendarDay& d : days) {
    out += DayIso(d.day);
    out += d.kind == CalendarDay::Kind::kOff ? " off " : d.kind == CalendarDay::Kind::kWorking ? " working " : " none";
    out += d.name + "\n";
  }
  return out;
}

void WorkCalendar::Set(const CalendarDay& d) {
  if (d.kind == CalendarDay::Kind::kOff) AddHoliday(d.day, d.name);
  else if (d.kind == CalendarDay::Kind::kWorking) (void)AddWorkingWeekend(d.day, d.name);
  else Forget(d.day);
}

void WorkCalendar::Forget(Day d) {
  off_.erase(d);
  worked_.erase(d);
}

std::vector<CalendarDay> WorkCalendar::Days() const {
  std::vector<CalendarDay> out;
  for (const auto& [d, name] : off_) out.push_back({d, CalendarDay::Kind::kOff, name});
  for (const auto& [d, name] : worked_) out.push_back({d, CalendarDay::Kind::kWorking, name});
  std::sort(out.begin(), out.end(), [](const CalendarDay& a, const CalendarDay& b) { return a.day < b.day; });
  return out;
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
