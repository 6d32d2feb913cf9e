// WorkCalendar: deadlines in working days over weekends, Tết 2026 (days off from
// Monday 16 to Friday 20 February, as the Ministry of Home Affairs announced) and a
// weekend day worked in exchange; Between agrees with counting day by day.
#include "core/calendar.h"

#include <gtest/gtest.h>

#include <random>

namespace vanban {
namespace {

Day D(const char* iso) {
  auto d = ParseDay(iso);
  EXPECT_TRUE(d.has_value()) << iso;
  return d.value_or(Day{});
}

WorkCalendar Tet2026() {
  WorkCalendar c;
  for (const char* d : {"2026-02-16", "2026-02-17", "2026-02-18", "2026-02-19", "2026-02-20"})
    c.AddHoliday(D(d), "Tết Nguyên đán");
  c.AddHoliday(D("2026-01-01"), "Tết Dương lịch");
  return c;
}

TEST(CalendarTest, DaysAreReadStrictly) {
  EXPECT_EQ(DayIso(D("2026-02-17")), "2026-02-17");
  EXPECT_EQ(DayIso(D("2024-02-29")), "2024-02-29");
  for (const char* bad : {"2026-02-30", "2025-02-29", "2026-2-17", "2026-02-17x", " 2026-02-17", "2026/02/17",
                          "17-02-2026", "2026-13-01", "2026-00-10", "1899-12-31", "", "２０２６-02-17"})
    EXPECT_FALSE(ParseDay(bad).has_value()) << bad;
}

TEST(CalendarTest, WeekendsAndHolidaysAreNotWorkingDays) {
  WorkCalendar c = Tet2026();
  EXPECT_TRUE(c.IsWorkingDay(D("2026-02-13")));   // Friday
  EXPECT_FALSE(c.IsWorkingDay(D("2026-02-14")));  // Saturday
  EXPECT_FALSE(c.IsWorkingDay(D("2026-02-17")));  // Tết
  EXPECT_TRUE(c.IsWorkingDay(D("2026-02-23")));   // Monday after
  EXPECT_EQ(c.NameOf(D("2026-02-17")), "Tết Nguyên đán");
  EXPECT_EQ(c.NameOf(D("2026-02-23")), std::nullopt);
}

TEST(CalendarTest, ADeadlineOnTetMovesPastIt) {
  WorkCalendar c = Tet2026();
  EXPECT_EQ(DayIso(c.OnOrAfter(D("2026-02-17"))), "2026-02-23");
  EXPECT_EQ(DayIso(c.OnOrAfter(D("2026-02-14"))), "2026-02-23");
  EXPECT_EQ(DayIso(c.OnOrAfter(D("2026-02-13"))), "2026-02-13");
  // Arrived on Thursday 12 February with 3 working days: Friday, then past Tết.
  EXPECT_EQ(DayIso(c.After(D("2026-02-12"), 3)), "2026-02-24");
  // Arrived on a Saturday, due the same day (urgent): the next working day.
  EXPECT_EQ(DayIso(c.After(D("2026-01-03"), 0)), "2026-01-05");
  // Over New Year's Day (a Thursday) and a weekend.
  EXPECT_EQ(DayIso(c.After(D("2025-12-31"), 2)), "2026-01-05");
}

TEST(CalendarTest, AWeekendWorkedInExchangeCounts) {
  WorkCalendar c;
  c.AddHoliday(D("2026-05-04"), "Nghỉ bù");  // a Monday off ...
  EXPECT_TRUE(c.AddWorkingWeekend(D("2026-05-09"), "Làm bù"));  // ... worked on a Saturday
  EXPECT_FALSE(c.AddWorkingWeekend(D("2026-05-08"), "a Friday"));
  EXPECT_TRUE(c.IsWorkingDay(D("2026-05-09")));
  EXPECT_EQ(DayIso(c.After(D("2026-05-07"), 2)), "2026-05-09");  // Friday, then the Saturday worked
  EXPECT_EQ(c.Between(D("2026-05-01"), D("2026-05-10")), 5);     // Tuesday 5 to Saturday 9; Monday 4 off
}

TEST(CalendarTest, BetweenCountsWorkingDaysBothWays) {
  WorkCalendar c = Tet2026();
  EXPECT_EQ(c.Between(D("2026-02-13"), D("2026-02-13")), 0);
  EXPECT_EQ(c.Between(D("2026-02-13"), D("2026-02-23")), 1);   // only Monday 23: Tết and weekends between
  EXPECT_EQ(c.Between(D("2026-02-23"), D("2026-02-13")), -1);  // overdue by one working day
  EXPECT_EQ(c.Between(D("2026-02-02"), D("2026-03-02")), 15);  // 3 February to 2 March: 20, less Tết's 5
}

TEST(CalendarTest, BetweenAgreesWithCountingDayByDay) {
  WorkCalendar c = Tet2026();
  std::mt19937 rng(15);
  const Day base = D("2025-06-01");
  for (int i = 0; i < 40; ++i) {
    Day day = base + std::chrono::days(rng() % 700);
    if (c.IsWorkingDay(day) && (rng() % 4 == 0)) c.AddHoliday(day, "một ngày nghỉ");
    if (rng() % 3 == 0) (void)c.AddWorkingWeekend(day, "làm bù");
  }
  for (int i = 0; i < 2000; ++i) {
    Day a = base + std::chrono::days(rng() % 800), b = base + std::chrono::days(rng() % 800);
    int naive = 0;
    for (Day d = std::min(a, b) + std::chrono::days(1); d <= std::max(a, b); d += std::chrono::days(1))
      naive += c.IsWorkingDay(d);
    ASSERT_EQ(c.Between(a, b), a <= b ? naive : -naive) << DayIso(a) << " .. " << DayIso(b);
    // After and Between agree: n working days after a day is n working days later.
    const int n = static_cast<int>(rng() % 30);
    Day due = c.After(a, n);
    ASSERT_EQ(c.Between(c.OnOrAfter(a), due), n) << DayIso(a) << " + " << n;
  }
}

TEST(CalendarTest, ACalendarTextIsReadStrictlyAndWrittenBackTheSame) {
  const std::string text =
      "# Tết\n2026-02-17 off Tết Nguyên đán (mùng 1)\n\n2026-05-09 working Làm bù\r\n2026-09-01 none\n";
  auto days = ParseCalendar(text, "list.txt");
  ASSERT_TRUE(days.ok()) << days.status().message();
  ASSERT_EQ(days->size(), 3u);
  EXPECT_EQ((*days)[1].kind, CalendarDay::Kind::kWorking);
  EXPECT_EQ((*days)[0].name, "Tết Nguyên đán (mùng 1)");
  EXPECT_EQ(CalendarText(*days), "2026-02-17 off Tết Nguyên đán (mùng 1)\n2026-05-09 working Làm bù\n2026-09-01 none\n");
  EXPECT_EQ(ParseCalendar(CalendarText(*days), "again")->size(), 3u);
  struct Bad {
    const char* text;
    const char* says;
  };
  for (const Bad& b : {Bad{"2026-02-30 off Ngày lạ", "list.txt:1: a line begins with a date"},
                       Bad{"2026-02-17 holiday Tết", "'off', 'working' or 'none'"},
                       Bad{"2026-02-17 off", "has a name"},
                       Bad{"2026-02-17 none Tết", "takes no name"},
                       Bad{"2026-05-08 working Thứ Sáu", "is a weekday"},
                       Bad{"2026-02-17 off Tết\n2026-02-17 off Tết", "list.txt:2: 2026-02-17 is given twice"},
                       Bad{"2026-02-17 off Te\xcc\x82\xcc\x81t", "NFC"},
                       Bad{"2026-02-17 off \xff", "UTF-8"},
                       Bad{"2026-02-17off Tết", "a line begins with a date"},
                       Bad{"# nothing\n", "no days"}}) {
    auto r = ParseCalendar(b.text, "list.txt");
    ASSERT_FALSE(r.ok()) << b.text;
    EXPECT_EQ(r.status().code(), Status::Code::kBadInput);
    EXPECT_NE(r.status().message().find(b.says), std::string::npos) << r.status().message();
  }
}

TEST(CalendarTest, WhatALineSaysIsApplied) {
  WorkCalendar c;
  auto days = ParseCalendar("2026-02-17 off Tết\n2026-05-09 working Làm bù\n", "a");
  for (const CalendarDay& d : *days) c.Set(d);
  EXPECT_FALSE(c.IsWorkingDay(D("2026-02-17")));
  EXPECT_TRUE(c.IsWorkingDay(D("2026-05-09")));
  auto none = ParseCalendar("2026-02-17 none\n2026-05-09 none\n", "b");
  for (const CalendarDay& d : *none) c.Set(d);
  EXPECT_TRUE(c.IsWorkingDay(D("2026-02-17")));
  EXPECT_FALSE(c.IsWorkingDay(D("2026-05-09")));
  EXPECT_TRUE(c.Days().empty());
}

}  // namespace
}  // namespace vanban
