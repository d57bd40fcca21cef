#include "http/http_date.hpp"

#include <gtest/gtest.h>

#include <chrono>
#include <cstdlib>
#include <ctime>
#include <optional>
#include <string>
#include <string_view>

namespace simplefs::http {
namespace {

using namespace std::chrono;
using namespace std::chrono_literals;

constexpr system_clock::time_point at(year_month_day date, seconds time_of_day = 0s,
                                      nanoseconds fraction = 0ns) {
    return system_clock::time_point{sys_days{date}} + time_of_day + fraction;
}

constexpr system_clock::time_point rfc_example = at(1994y / November / 6, 8h + 49min + 37s);
constexpr system_clock::time_point now_2025 = at(2025y / June / 1, 12h);

TEST(FormatHttpDate, ImfFixdate) {
    struct format_case {
        system_clock::time_point t;
        std::string_view expected;
    };
    const format_case cases[] = {
        {rfc_example, "Sun, 06 Nov 1994 08:49:37 GMT"},
        {at(1970y / January / 1), "Thu, 01 Jan 1970 00:00:00 GMT"},
        {at(1969y / December / 31, 23h + 59min + 59s), "Wed, 31 Dec 1969 23:59:59 GMT"},
        {at(2000y / February / 29, 12h), "Tue, 29 Feb 2000 12:00:00 GMT"},
        {at(2024y / March / 4, 1h + 2min + 3s, 999'999'999ns), "Mon, 04 Mar 2024 01:02:03 GMT"},
        {at(1970y / January / 1) - 1ns, "Wed, 31 Dec 1969 23:59:59 GMT"},
        {at(1969y / December / 31, 23h + 59min + 59s, 500ms), "Wed, 31 Dec 1969 23:59:59 GMT"},
        {at(2038y / January / 19, 3h + 14min + 8s), "Tue, 19 Jan 2038 03:14:08 GMT"},
        {at(2099y / December / 31, 23h + 59min + 59s), "Thu, 31 Dec 2099 23:59:59 GMT"},
        {at(1900y / January / 1), "Mon, 01 Jan 1900 00:00:00 GMT"},
        {at(2023y / July / 15), "Sat, 15 Jul 2023 00:00:00 GMT"},
        {at(2023y / August / 18), "Fri, 18 Aug 2023 00:00:00 GMT"},
        {at(2023y / September / 13), "Wed, 13 Sep 2023 00:00:00 GMT"},
        {at(2023y / October / 3), "Tue, 03 Oct 2023 00:00:00 GMT"},
        {at(2023y / April / 30), "Sun, 30 Apr 2023 00:00:00 GMT"},
        {at(2023y / May / 1), "Mon, 01 May 2023 00:00:00 GMT"},
        {at(2023y / June / 22), "Thu, 22 Jun 2023 00:00:00 GMT"},
    };
    for (const auto& c : cases) {
        EXPECT_EQ(format_http_date(c.t), c.expected);
    }
}

TEST(FormatHttpDate, ExtremesOfTheClock) {
    const auto min_text = format_http_date(system_clock::time_point::min());
    const auto max_text = format_http_date(system_clock::time_point::max());
    EXPECT_EQ(min_text.size(), 29U) << min_text;
    EXPECT_EQ(max_text.size(), 29U) << max_text;
    EXPECT_EQ(parse_http_date(max_text), floor<seconds>(system_clock::time_point::max()));
}

struct parse_case {
    std::string_view text;
    std::optional<system_clock::time_point> expected;
};

void expect_parses(std::initializer_list<parse_case> cases) {
    for (const auto& c : cases) {
        const auto parsed = parse_http_date(c.text, now_2025);
        if (c.expected) {
            ASSERT_TRUE(parsed.has_value()) << "text: \"" << c.text << '"';
            EXPECT_EQ(format_http_date(*parsed), format_http_date(*c.expected))
                << "text: \"" << c.text << '"';
            EXPECT_EQ(*parsed, *c.expected) << "text: \"" << c.text << '"';
        } else {
            EXPECT_FALSE(parsed.has_value())
                << "text: \"" << c.text << "\" parsed as " << format_http_date(*parsed);
        }
    }
}

TEST(ParseHttpDate, ThreeFormsOfTheRfcExample) {
    expect_parses({
        {"Sun, 06 Nov 1994 08:49:37 GMT", rfc_example},
        {"Sunday, 06-Nov-94 08:49:37 GMT", rfc_example},
        {"Sun Nov  6 08:49:37 1994", rfc_example},
        {"Sun Nov 06 08:49:37 1994", rfc_example},
    });
}

TEST(ParseHttpDate, ImfFixdate) {
    expect_parses({
        {"Thu, 01 Jan 1970 00:00:00 GMT", at(1970y / January / 1)},
        {"Wed, 31 Dec 1969 23:59:59 GMT", at(1969y / December / 31, 23h + 59min + 59s)},
        {"Tue, 29 Feb 2000 12:00:00 GMT", at(2000y / February / 29, 12h)},
        {"Sat, 31 Dec 2016 23:59:60 GMT", at(2017y / January / 1)},
        {"Mon, 06 Nov 1994 08:49:37 GMT", rfc_example},
        {"Sat, 15 Jul 2023 10:20:30 GMT", at(2023y / July / 15, 10h + 20min + 30s)},
    });
}

TEST(ParseHttpDate, AsctimeDate) {
    expect_parses({
        {"Thu Jan  1 00:00:00 1970", at(1970y / January / 1)},
        {"Fri Dec 31 23:59:59 1999", at(1999y / December / 31, 23h + 59min + 59s)},
        {"Wed Feb 29 00:00:00 2024", at(2024y / February / 29)},
    });
}

TEST(ParseHttpDate, Rfc850TwoDigitYearsRelativeToNow) {
    expect_parses({
        {"Thursday, 01-Jan-70 00:00:00 GMT", at(2070y / January / 1)},
        {"Thursday, 01-Jan-75 00:00:00 GMT", at(2075y / January / 1)},
        {"Thursday, 01-Jan-76 00:00:00 GMT", at(1976y / January / 1)},
        {"Thursday, 01-Jan-99 00:00:00 GMT", at(1999y / January / 1)},
        {"Thursday, 01-Jan-00 00:00:00 GMT", at(2000y / January / 1)},
        {"Thursday, 01-Jan-25 00:00:00 GMT", at(2025y / January / 1)},
        {"Friday, 29-Feb-00 00:00:00 GMT", at(2000y / February / 29)},
    });
}

TEST(ParseHttpDate, Rfc850CenturyFollowsTheCurrentYear) {
    struct century_case {
        system_clock::time_point now;
        std::string_view text;
        system_clock::time_point expected;
    };
    const century_case cases[] = {
        {at(1999y / January / 1), "Monday, 01-Jan-49 00:00:00 GMT", at(2049y / January / 1)},
        {at(1999y / January / 1), "Monday, 01-Jan-50 00:00:00 GMT", at(1950y / January / 1)},
        {at(2001y / January / 1), "Monday, 01-Jan-98 00:00:00 GMT", at(1998y / January / 1)},
        {at(2060y / January / 1), "Monday, 01-Jan-10 00:00:00 GMT", at(2110y / January / 1)},
        {at(2060y / January / 1), "Monday, 01-Jan-11 00:00:00 GMT", at(2011y / January / 1)},
    };
    for (const auto& c : cases) {
        EXPECT_EQ(parse_http_date(c.text, c.now), c.expected) << c.text;
    }
}

TEST(ParseHttpDate, DayNameIsCheckedForFormOnly) {
    expect_parses({
        {"Fri, 06 Nov 1994 08:49:37 GMT", rfc_example},
        {"Monday, 06-Nov-94 08:49:37 GMT", rfc_example},
        {"Tue Nov  6 08:49:37 1994", rfc_example},
    });
}

TEST(ParseHttpDate, RejectsMalformedValues) {
    expect_parses({
        {"", std::nullopt},
        {"Sun, 06 Nov 1994 08:49:37", std::nullopt},
        {"Sun, 06 Nov 1994 08:49:37 UTC", std::nullopt},
        {"Sun, 06 Nov 1994 08:49:37 gmt", std::nullopt},
        {"Sun, 06 Nov 1994 08:49:37 GMT ", std::nullopt},
        {" Sun, 06 Nov 1994 08:49:37 GMT", std::nullopt},
        {"Sun, 06 Nov 1994 08:49:37 GMTx", std::nullopt},
        {"sun, 06 Nov 1994 08:49:37 GMT", std::nullopt},
        {"SUN, 06 Nov 1994 08:49:37 GMT", std::nullopt},
        {"Sun, 06 nov 1994 08:49:37 GMT", std::nullopt},
        {"Sun, 06 November 1994 08:49:37 GMT", std::nullopt},
        {"Sun, 6 Nov 1994 08:49:37 GMT", std::nullopt},
        {"Sun,  6 Nov 1994 08:49:37 GMT", std::nullopt},
        {"Sun, 06 Nov 94 08:49:37 GMT", std::nullopt},
        {"Sun, 06 Nov 01994 08:49:37 GMT", std::nullopt},
        {"Sun, 06 Nov 1994 8:49:37 GMT", std::nullopt},
        {"Sun, 06 Nov 1994 08:49 GMT", std::nullopt},
        {"Sun, 06 Nov 1994 08:49:37.5 GMT", std::nullopt},
        {"Sun, 06 Nov 1994 08.49.37 GMT", std::nullopt},
        {"Sun, 06 Nov 1994 08:49:37 +0000", std::nullopt},
        {"Sun,06 Nov 1994 08:49:37 GMT", std::nullopt},
        {"Sun 06 Nov 1994 08:49:37 GMT", std::nullopt},
        {"Sun, 06  Nov 1994 08:49:37 GMT", std::nullopt},
        {"Sun, 06-Nov-1994 08:49:37 GMT", std::nullopt},
        {"Sun, +6 Nov 1994 08:49:37 GMT", std::nullopt},
        {"Sun, 06 Nov 1994 08:49:37 GMT\r\n", std::nullopt},
        {"Sunday, 06-Nov-94 08:49:37", std::nullopt},
        {"Sunday, 06 Nov 94 08:49:37 GMT", std::nullopt},
        {"Sunday, 6-Nov-94 08:49:37 GMT", std::nullopt},
        {"Sunday, 06-Nov-1994 08:49:37 GMT", std::nullopt},
        {"Sun, 06-Nov-94 08:49:37 GMT", std::nullopt},
        {"Sundae, 06-Nov-94 08:49:37 GMT", std::nullopt},
        {"Sun Nov 6 08:49:37 1994", std::nullopt},
        {"Sun Nov   6 08:49:37 1994", std::nullopt},
        {"Sun Nov  6 08:49:37 94", std::nullopt},
        {"Sun Nov  6 08:49:37 1994 GMT", std::nullopt},
        {"Sun Nov 6  08:49:37 1994", std::nullopt},
        {"Sunday Nov  6 08:49:37 1994", std::nullopt},
        {"Sun, Nov  6 08:49:37 1994", std::nullopt},
        {"1994-11-06T08:49:37Z", std::nullopt},
        {"784111777", std::nullopt},
    });
}

TEST(ParseHttpDate, RejectsImpossibleDatesAndTimes) {
    expect_parses({
        {"Mon, 29 Feb 2100 00:00:00 GMT", std::nullopt},
        {"Fri, 29 Feb 2019 00:00:00 GMT", std::nullopt},
        {"Mon, 30 Feb 2024 00:00:00 GMT", std::nullopt},
        {"Mon, 31 Apr 2024 00:00:00 GMT", std::nullopt},
        {"Mon, 32 Jan 2024 00:00:00 GMT", std::nullopt},
        {"Mon, 00 Jan 2024 00:00:00 GMT", std::nullopt},
        {"Mon, 01 Jan 2024 24:00:00 GMT", std::nullopt},
        {"Mon, 01 Jan 2024 23:60:00 GMT", std::nullopt},
        {"Mon, 01 Jan 2024 23:59:61 GMT", std::nullopt},
        {"Mon, 01 Jan 2024 99:99:99 GMT", std::nullopt},
        {"Monday, 30-Feb-24 00:00:00 GMT", std::nullopt},
        {"Monday, 29-Feb-01 00:00:00 GMT", std::nullopt},
        {"Mon Feb 30 00:00:00 2024", std::nullopt},
        {"Mon Jan  0 00:00:00 2024", std::nullopt},
        {"Mon Jan 01 24:00:00 2024", std::nullopt},
    });
}

TEST(ParseHttpDate, RejectsDatesTheClockCannotHold) {
    expect_parses({
        {"Fri, 31 Dec 9999 23:59:59 GMT", std::nullopt},
        {"Sat, 01 Jan 0000 00:00:00 GMT", std::nullopt},
        {"Mon, 01 Jan 1001 00:00:00 GMT", std::nullopt},
    });
}

TEST(ParseHttpDate, RoundTripsFormattedDates) {
    for (auto t = at(1900y / January / 1, 1s); t < at(2200y / January / 1); t += 86'399s * 37) {
        const auto text = format_http_date(t);
        EXPECT_EQ(parse_http_date(text), t) << text;
    }
}

TEST(ParseHttpDate, WithoutNowUsesTheSystemClock) {
    EXPECT_EQ(parse_http_date("Sun, 06 Nov 1994 08:49:37 GMT"), rfc_example);
    EXPECT_EQ(parse_http_date("Sunday, 06-Nov-94 08:49:37 GMT"), rfc_example);
}

class scoped_tz {
public:
    explicit scoped_tz(const char* zone) {
        if (const char* old = std::getenv("TZ")) {
            saved_ = old;
        }
        ::setenv("TZ", zone, 1);
        ::tzset();
    }
    scoped_tz(const scoped_tz&) = delete;
    scoped_tz& operator=(const scoped_tz&) = delete;
    ~scoped_tz() {
        if (saved_) {
            ::setenv("TZ", saved_->c_str(), 1);
        } else {
            ::unsetenv("TZ");
        }
        ::tzset();
    }

private:
    std::optional<std::string> saved_;
};

TEST(FormatCompactLocal, UsesTheLocalZone) {
    struct local_case {
        const char* zone;
        system_clock::time_point t;
        std::string_view expected;
    };
    const local_case cases[] = {
        {"UTC0", rfc_example, "19941106084937"},
        {"UTC0", at(2024y / January / 2, 3h + 4min + 5s, 999ms), "20240102030405"},
        {"UTC0", at(1970y / January / 1), "19700101000000"},
        {"UTC0", at(1970y / January / 1) - 1ns, "19691231235959"},
        {"EST5", at(2024y / January / 1, 3h), "20231231220000"},
        {"JST-9", at(2023y / December / 31, 15h + 30min), "20240101003000"},
        {"NPT-5:45", at(2024y / June / 1), "20240601054500"},
    };
    for (const auto& c : cases) {
        const scoped_tz zone{c.zone};
        EXPECT_EQ(format_compact_local(c.t), c.expected) << c.zone;
    }
}

TEST(CurrentHttpDate, IsTheFormattedPresent) {
    const auto before = format_http_date(std::chrono::system_clock::now());
    const std::string current(current_http_date());
    const auto after = format_http_date(std::chrono::system_clock::now());
    EXPECT_TRUE(current == before || current == after) << current;
}

}  // namespace
}  // namespace simplefs::http
