// Timestamps: strict ISO 8601 parsing, offsets, leap years, local dates in +07:00,
// and the VANBAN_NOW override.
#include "core/clock.h"

#include <gtest/gtest.h>

#include <ctime>

#include "tests/core/fixture.h"

namespace vanban {
namespace {

using testing::ScopedNow;

TEST(ClockParse, VietnamTime) {
  auto t = ParseTimestamp("2024-02-05T09:30:00+07:00");
  ASSERT_TRUE(t.ok()) << t.status().message();
  EXPECT_EQ(t->utc, 1707100200);  // 2024-02-05T02:30:00Z
  EXPECT_EQ(t->offset_minutes, 420);
  EXPECT_EQ(t->Iso(), "2024-02-05T09:30:00+07:00");
  EXPECT_EQ(t->Date(), "2024-02-05");
  EXPECT_EQ(t->Year(), 2024);
}

TEST(ClockParse, OtherOffsetsNameTheSameInstant) {
  for (const char* s : {"2024-02-05T02:30:00Z", "2024-02-05T02:30:00+00:00", "2024-02-04T21:30:00-05:00",
                        "2024-02-05T08:00:00+05:30", "2024-02-05T16:30:00+14:00", "2024-02-04T14:30:00-12:00"}) {
    auto t = ParseTimestamp(s);
    ASSERT_TRUE(t.ok()) << s << ": " << t.status().message();
    EXPECT_EQ(t->utc, 1707100200) << s;
    EXPECT_EQ(*t, ParseTimestamp("2024-02-05T09:30:00+07:00").value()) << s;
  }
  auto z = ParseTimestamp("2024-02-05T02:30:00Z");
  EXPECT_EQ(z->offset_minutes, 0);
  EXPECT_EQ(z->Iso(), "2024-02-05T02:30:00+00:00");  // Z is written back as +00:00
  auto ny = ParseTimestamp("2024-02-04T21:30:00-05:00");
  EXPECT_EQ(ny->offset_minutes, -300);
  EXPECT_EQ(ny->Iso(), "2024-02-04T21:30:00-05:00");
}

TEST(ClockParse, IsoRoundTripAcrossYearsAndOffsets) {
  // Every 1,000,003 seconds from 1970-01-02 to about 2100, in several offsets.
  for (int64_t utc = 86400; utc < int64_t{4102444800}; utc += 1000003) {
    for (int off : {420, 0, -300, 345, 840, -720}) {
      Timestamp t{utc, off};
      auto back = ParseTimestamp(t.Iso());
      ASSERT_TRUE(back.ok()) << t.Iso();
      ASSERT_EQ(back->utc, utc) << t.Iso();
      ASSERT_EQ(back->offset_minutes, off) << t.Iso();
    }
  }
}

TEST(ClockParse, Epoch) {
  auto t = ParseTimestamp("1970-01-01T00:00:00Z");
  ASSERT_TRUE(t.ok());
  EXPECT_EQ(t->utc, 0);
  auto vn = ParseTimestamp("1970-01-01T07:00:00+07:00");
  ASSERT_TRUE(vn.ok());
  EXPECT_EQ(vn->utc, 0);
}

TEST(ClockParse, LeapYears) {
  EXPECT_TRUE(ParseTimestamp("2024-02-29T12:00:00+07:00").ok());
  EXPECT_TRUE(ParseTimestamp("2000-02-29T00:00:00Z").ok());  // divisible by 400
  EXPECT_EQ(ParseTimestamp("2000-02-29T00:00:00Z")->utc, 951782400);
  EXPECT_FALSE(ParseTimestamp("2023-02-29T12:00:00+07:00").ok());
  EXPECT_FALSE(ParseTimestamp("2100-02-29T12:00:00+07:00").ok());  // divisible by 100, not 400
  EXPECT_FALSE(ParseTimestamp("2024-02-30T12:00:00+07:00").ok());
  EXPECT_FALSE(ParseTimestamp("2024-04-31T12:00:00+07:00").ok());
  EXPECT_TRUE(ParseTimestamp("2024-12-31T23:59:59+07:00").ok());
  // The day after 28 February in a common year is 1 March; in a leap year, the 29th.
  EXPECT_EQ(ParseTimestamp("2023-02-28T12:00:00Z")->utc + 86400, ParseTimestamp("2023-03-01T12:00:00Z")->utc);
  EXPECT_EQ(ParseTimestamp("2024-02-28T12:00:00Z")->utc + 2 * 86400, ParseTimestamp("2024-03-01T12:00:00Z")->utc);
  Timestamp leap_day{ParseTimestamp("2024-02-28T12:00:00Z")->utc + 86400, 420};
  EXPECT_EQ(leap_day.Date(), "2024-02-29");
}

TEST(ClockLocal, DateAndYearInVietnamNearMidnightUtc) {
  auto t = ParseTimestamp("2023-12-31T20:00:00Z");
  ASSERT_TRUE(t.ok());
  EXPECT_EQ(t->Date(), "2023-12-31");  // in its own offset
  EXPECT_EQ(t->Year(), 2023);
  Timestamp vn = t->InOffset(420);
  EXPECT_EQ(vn.Date(), "2024-01-01");
  EXPECT_EQ(vn.Year(), 2024);
  EXPECT_EQ(vn.Iso(), "2024-01-01T03:00:00+07:00");
  EXPECT_EQ(vn, *t);  // the same instant

  Timestamp before = ParseTimestamp("2024-12-31T16:59:59Z")->InOffset(420);
  EXPECT_EQ(before.Iso(), "2024-12-31T23:59:59+07:00");
  EXPECT_EQ(before.Year(), 2024);
  Timestamp after = ParseTimestamp("2024-12-31T17:00:00Z")->InOffset(420);
  EXPECT_EQ(after.Iso(), "2025-01-01T00:00:00+07:00");
  EXPECT_EQ(after.Date(), "2025-01-01");
  EXPECT_EQ(after.Year(), 2025);
  EXPECT_LT(before, after);

  Timestamp west = ParseTimestamp("2024-01-01T02:00:00Z")->InOffset(-300);
  EXPECT_EQ(west.Iso(), "2023-12-31T21:00:00-05:00");
  EXPECT_EQ(west.Year(), 2023);
}

TEST(ClockParse, BadInputsAreRefused) {
  for (const char* s : {
           "",
           "2024-02-05",
           "2024-02-05T09:30:00",            // no offset
           "2024-02-05 09:30:00+07:00",      // space instead of T
           "2024-02-05t09:30:00+07:00",
           "2024-2-05T09:30:00+07:00",
           "2024-02-05T9:30:00+07:00",
           "2024-02-05T09:30+07:00",
           "2024-02-05T09:30:00.5+07:00",    // fractions are not part of the format
           "2024-02-05T09:30:00+0700",
           "2024-02-05T09:30:00+7:00",
           "2024-02-05T09:30:00+15:00",
           "2024-02-05T09:30:00+07:60",
           "2024-02-05T09:30:00z",
           "2024-02-05T09:30:00+07:00 ",     // trailing bytes
           "2024-02-05T09:30:00+07:00Z",
           "2024-00-05T09:30:00+07:00",
           "2024-13-05T09:30:00+07:00",
           "2024-02-00T09:30:00+07:00",
           "2024-02-05T24:00:00+07:00",
           "2024-02-05T09:60:00+07:00",
           "2024-02-05T09:30:60+07:00",      // no leap seconds
           "1969-12-31T23:59:59Z",
           "２０２４-02-05T09:30:00+07:00",   // full-width digits
       }) {
    auto t = ParseTimestamp(s);
    ASSERT_FALSE(t.ok()) << "accepted '" << s << "'";
    EXPECT_EQ(t.status().code(), Status::Code::kBadInput);
    EXPECT_NE(t.status().message().find("bad timestamp"), std::string::npos) << t.status().message();
    EXPECT_NE(t.status().message().find("expected YYYY-MM-DDTHH:MM:SS+07:00"), std::string::npos);
  }
}

TEST(ClockOffset, ParseAndFormat) {
  EXPECT_EQ(ParseOffset("+07:00").value(), 420);
  EXPECT_EQ(ParseOffset("-05:30").value(), -330);
  EXPECT_EQ(ParseOffset("+00:00").value(), 0);
  EXPECT_EQ(ParseOffset("+14:00").value(), 840);
  for (const char* bad : {"07:00", "+7:00", "+07:0", "+0700", "+15:00", "+07:60", "Z", "", "+07:00:00"}) {
    auto o = ParseOffset(bad);
    ASSERT_FALSE(o.ok()) << bad;
    EXPECT_EQ(o.status().message(), std::string("bad UTC offset '") + bad + "' (expected e.g. +07:00)");
  }
  EXPECT_EQ(FormatOffset(420), "+07:00");
  EXPECT_EQ(FormatOffset(-330), "-05:30");
  EXPECT_EQ(FormatOffset(0), "+00:00");
  EXPECT_EQ(FormatOffset(345), "+05:45");
}

TEST(ClockNow, FixedClockHoldsItsTimeAndRefusesABadOne) {
  auto fixed = FixedClock("2023-12-31T20:00:00Z");
  ASSERT_TRUE(fixed.ok()) << fixed.status().message();
  const Timestamp t{(*fixed)(), 420};
  EXPECT_EQ(t.Iso(), "2024-01-01T03:00:00+07:00");  // given in the node's offset
  EXPECT_EQ(t.Year(), 2024);
  EXPECT_EQ((*fixed)(), t.utc);  // and again

  auto bad = FixedClock("tomorrow");
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.status().code(), Status::Code::kBadInput);
  EXPECT_EQ(bad.status().message().rfind("bad timestamp 'tomorrow'", 0), 0u) << bad.status().message();
}

TEST(ClockNow, SystemClockIsTheMachines) {
  EXPECT_NEAR(static_cast<double>(SystemClock()), static_cast<double>(std::time(nullptr)), 5.0);
}

}  // namespace
}  // namespace vanban
