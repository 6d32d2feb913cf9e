#include "core/clock.h"

#include <chrono>
#include <cstdio>
#include <cstdlib>

namespace vanban {
namespace {

// Howard Hinnant's civil-date algorithms (public domain), days since the epoch.
int64_t DaysFromCivil(int64_t y, unsigned m, unsigned d) {
  y -= m <= 2;
  const int64_t era = (y >= 0 ? y : y - 399) / 400;
  const unsigned yoe = static_cast<unsigned>(y - era * 400);
  const unsigned doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
  const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + static_cast<int64_t>(doe) - 719468;
}

void CivilFromDays(int64_t z, int64_t* y, unsigned* m, unsigned* d) {
  z += 719468;
  const int64_t era = (z >= 0 ? z : z - 146096) / 146097;
  const unsigned doe = static_cast<unsigned>(z - era * 146097);
  const unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  const unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  const unsigned mp = (5 * doy + 2) / 153;
  *d = doy - (153 * mp + 2) / 5 + 1;
  *m = mp < 10 ? mp + 3 : mp - 9;
  *y = static_cast<int64_t>(yoe) + era * 400 + (*m <= 2);
}

struct Civil {
  int64_t y;
  unsigned mo, d, h, mi, s;
};

Civil Split(const Timestamp& t) {
  int64_t local = t.utc + int64_t{t.offset_minutes} * 60;
  int64_t days = local >= 0 ? local / 86400 : (local - 86399) / 86400;
  int64_t secs = local - days * 86400;
  Civil c{};
  CivilFromDays(days, &c.y, &c.mo, &c.d);
  c.h = static_cast<unsigned>(secs / 3600);
  c.mi = static_cast<unsigned>(secs / 60 % 60);
  c.s = static_cast<unsigned>(secs % 60);
  return c;
}

bool Digits(std::string_view s, size_t at, size_t n, unsigned* out) {
  if (at + n > s.size()) return false;
  unsigned v = 0;
  for (size_t i = at; i < at + n; ++i) {
    if (s[i] < '0' || s[i] > '9') return false;
    v = v * 10 + static_cast<unsigned>(s[i] - '0');
  }
  *out = v;
  return true;
}

}  // namespace

std::string FormatOffset(int minutes) {
  char buf[8];
  int a = minutes < 0 ? -minutes : minutes;
  std::snprintf(buf, sizeof buf, "%c%02d:%02d", minutes < 0 ? '-' : '+', a / 60, a % 60);
  return buf;
}

Result<int> ParseOffset(std::string_view s) {
  unsigned h = 0, m = 0;
  if (s.size() != 6 || (s[0] != '+' && s[0] != '-') || s[3] != ':' || !Digits(s, 1, 2, &h) ||
      !Digits(s, 4, 2, &m) || h > 14 || m > 59)
    return Status::BadInput("bad UTC offset '" + std::string(s) + "' (expected e.g. +07:00)");
  int v = static_cast<int>(h * 60 + m);
  return s[0] == '-' ? -v : v;
}

std::string Timestamp::Iso() const {
  Civil c = Split(*this);
  char buf[40];
  std::snprintf(buf, sizeof buf, "%04lld-%02u-%02uT%02u:%02u:%02u", static_cast<long long>(c.y), c.mo, c.d,
                c.h, c.mi, c.s);
  return std::string(buf) + FormatOffset(offset_minutes);
}

std::string Timestamp::Date() const {
  Civil c = Split(*this);
  char buf[16];
  std::snprintf(buf, sizeof buf, "%04lld-%02u-%02u", static_cast<long long>(c.y), c.mo, c.d);
  return buf;
}

int Timestamp::Year() const { return static_cast<int>(Split(*this).y); }

Result<Timestamp> ParseTimestamp(std::string_view s) {
  auto bad = [&] {
    return Status::BadInput("bad timestamp '" + std::string(s.substr(0, 40)) +
                            "' (expected YYYY-MM-DDTHH:MM:SS+07:00)");
  };
  unsigned y, mo, d, h, mi, sec;
  if (s.size() < 20 || !Digits(s, 0, 4, &y) || s[4] != '-' || !Digits(s, 5, 2, &mo) || s[7] != '-' ||
      !Digits(s, 8, 2, &d) || s[10] != 'T' || !Digits(s, 11, 2, &h) || s[13] != ':' ||
      !Digits(s, 14, 2, &mi) || s[16] != ':' || !Digits(s, 17, 2, &sec))
    return bad();
  int off = 0;
  std::string_view rest = s.substr(19);
  if (rest == "Z") {
    off = 0;
  } else {
    auto o = ParseOffset(rest);
    if (!o.ok()) return bad();
    off = *o;
  }
  static const unsigned kDays[] = {31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  if (y < 1970 || mo < 1 || mo > 12 || d < 1 || d > kDays[mo - 1] || h > 23 || mi > 59 || sec > 59) return bad();
  bool leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
  if (mo == 2 && d == 29 && !leap) return bad();
  int64_t local = DaysFromCivil(y, mo, d) * 86400 + h * 3600 + mi * 60 + sec;
  return Timestamp{local - int64_t{off} * 60, off};
}

int64_t SystemClock() {
  auto now = std::chrono::system_clock::now();
  return std::chrono::duration_cast<std::chrono::seconds>(now.time_since_epoch()).count();
}

Result<Clock> FixedClock(std::string_view iso) {
  VB_ASSIGN_OR_RETURN(Timestamp t, ParseTimestamp(iso));
  return Clock([utc = t.utc] { return utc; });
}

}  // namespace vanban
