// vanban/core — time as the records and registers need it.
//
// Record timestamps are ISO 8601 with an explicit offset ("2024-02-05T09:30:00+07:00").
// Dates on documents and registers are in the organisation's zone, a fixed offset
// (Vietnam has kept +07:00 without daylight saving since 1975), whatever the
// machine's zone. Which clock a node reads is an option of its opening
// (NodeOptions::clock): the interfaces give a fixed one when VANBAN_NOW is set
// (tests, re-creating a document set; docs/cli.md); core never reads the environment.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <string_view>

#include "core/status.h"

namespace vanban {

struct Timestamp {
  int64_t utc = 0;          // seconds since 1970-01-01T00:00:00Z
  int offset_minutes = 420; // +07:00

  // "YYYY-MM-DDTHH:MM:SS+HH:MM" in its own offset.
  std::string Iso() const;
  // Local calendar date "YYYY-MM-DD" and year in its own offset.
  std::string Date() const;
  int Year() const;
  Timestamp InOffset(int minutes) const { return {utc, minutes}; }
  auto operator<=>(const Timestamp& o) const { return utc <=> o.utc; }
  bool operator==(const Timestamp& o) const { return utc == o.utc; }
};

// Strict parse of the form above (also accepts "Z" as +00:00).
Result<Timestamp> ParseTimestamp(std::string_view s);
// "+07:00" -> 420.
Result<int> ParseOffset(std::string_view s);
std::string FormatOffset(int minutes);

// A source of the current time, in seconds since 1970-01-01T00:00:00Z.
using Clock = std::function<int64_t()>;
// The machine's clock: the production default.
int64_t SystemClock();
// A clock that always reads `iso` (a timestamp of the form above).
Result<Clock> FixedClock(std::string_view iso);

}  // namespace vanban
