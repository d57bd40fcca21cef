#include "http/range.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <initializer_list>
#include <limits>
#include <ostream>
#include <random>
#include <string>
#include <string_view>
#include <vector>

namespace simplefs::http {

void PrintTo(const byte_range& r, std::ostream* os) {
    *os << "{" << r.offset << ", " << r.length << "}";
}

void PrintTo(range_outcome o, std::ostream* os) {
    switch (o) {
        case range_outcome::ignore:
            *os << "ignore";
            return;
        case range_outcome::satisfiable:
            *os << "satisfiable";
            return;
        case range_outcome::unsatisfiable:
            *os << "unsatisfiable";
            return;
    }
    *os << "?";
}

namespace {

using namespace std::string_view_literals;

constexpr std::uint64_t max_u64 = std::numeric_limits<std::uint64_t>::max();
constexpr std::uint64_t rfc_size = 10000;

struct select_case {
    std::string_view header;
    std::vector<byte_range> ranges;
};

void expect_satisfiable(std::uint64_t size, std::initializer_list<select_case> cases) {
    for (const auto& c : cases) {
        const auto got = select_ranges(c.header, size);
        EXPECT_EQ(got.outcome, range_outcome::satisfiable)
            << "header: \"" << c.header << "\" size " << size;
        EXPECT_EQ(got.ranges, c.ranges) << "header: \"" << c.header << "\" size " << size;
    }
}

void expect_outcome(std::uint64_t size, range_outcome expected,
                    std::initializer_list<std::string_view> headers) {
    for (const auto header : headers) {
        const auto got = select_ranges(header, size);
        EXPECT_EQ(got.outcome, expected) << "header: \"" << header << "\" size " << size;
        EXPECT_TRUE(got.ranges.empty()) << "header: \"" << header << "\" size " << size;
    }
}

std::string many_ranges(std::size_t n) {
    std::string header = "bytes=";
    for (std::size_t i = 0; i < n; ++i) {
        if (i != 0) {
            header += ',';
        }
        header += std::to_string(2 * i) + "-" + std::to_string(2 * i);
    }
    return header;
}

TEST(SelectRanges, Rfc9110Examples) {
    expect_satisfiable(rfc_size, {
                                     {"bytes=0-499", {{0, 500}}},
                                     {"bytes=500-999", {{500, 500}}},
                                     {"bytes=-500", {{9500, 500}}},
                                     {"bytes=9500-", {{9500, 500}}},
                                     {"bytes=0-0,-1", {{0, 1}, {9999, 1}}},
                                     {"bytes=500-600,601-999", {{500, 500}}},
                                     {"bytes=500-700,601-999", {{500, 500}}},
                                 });
}

TEST(SelectRanges, ClipsToTheRepresentation) {
    expect_satisfiable(rfc_size, {
                                     {"bytes=-20000", {{0, 10000}}},
                                     {"bytes=-10000", {{0, 10000}}},
                                     {"bytes=0-20000", {{0, 10000}}},
                                     {"bytes=9999-10000", {{9999, 1}}},
                                     {"bytes=0-", {{0, 10000}}},
                                     {"bytes=9999-", {{9999, 1}}},
                                 });
}

TEST(SelectRanges, UnsatisfiableWhenNothingOverlaps) {
    expect_outcome(rfc_size, range_outcome::unsatisfiable,
                   {
                       "bytes=10000-",
                       "bytes=10000-10000",
                       "bytes=20000-30000",
                       "bytes=-0",
                       "bytes=-0,10000-,12345-99999",
                       "bytes=-00000",
                   });
}

TEST(SelectRanges, KeepsOnlySatisfiableRanges) {
    expect_satisfiable(rfc_size, {
                                     {"bytes=10000-,0-9,20000-30000,-0,20-29", {{0, 10}, {20, 10}}},
                                     {"bytes=-0,9990-", {{9990, 10}}},
                                 });
}

TEST(SelectRanges, KeepsRequestOrder) {
    expect_satisfiable(rfc_size,
                       {
                           {"bytes=20-29,0-9", {{20, 10}, {0, 10}}},
                           {"bytes=-1,0-0", {{9999, 1}, {0, 1}}},
                           {"bytes=300-399,100-199,201-298", {{300, 100}, {100, 100}, {201, 98}}},
                       });
}

TEST(SelectRanges, CoalescesOverlappingAndAdjacentRanges) {
    expect_satisfiable(rfc_size, {
                                     {"bytes=0-9,10-19", {{0, 20}}},
                                     {"bytes=0-9,0-9", {{0, 10}}},
                                     {"bytes=0-9,5-7", {{0, 10}}},
                                     {"bytes=10-19,0-9", {{0, 20}}},
                                     {"bytes=0-9,20-29,5-24", {{0, 30}}},
                                     {"bytes=50-59,0-9,5-14,60-69", {{50, 20}, {0, 15}}},
                                     {"bytes=0-9,11-19", {{0, 10}, {11, 9}}},
                                     {"bytes=9000-,-500", {{9000, 1000}}},
                                     {"bytes=0-,-500", {{0, 10000}}},
                                 });
}

TEST(SelectRanges, UnitIsCaseInsensitive) {
    expect_satisfiable(rfc_size, {
                                     {"Bytes=0-0", {{0, 1}}},
                                     {"BYTES=0-0", {{0, 1}}},
                                     {"bYtEs=-1", {{9999, 1}}},
                                 });
}

TEST(SelectRanges, IgnoresOtherUnitsAndAbsentHeader) {
    expect_outcome(rfc_size, range_outcome::ignore,
                   {
                       "",
                       " \t ",
                       "items=0-1",
                       "byte=0-1",
                       "bytesx=0-1",
                       "none",
                       "=0-1",
                       "bytes",
                   });
}

TEST(SelectRanges, IgnoresInvalidSyntax) {
    expect_outcome(rfc_size, range_outcome::ignore,
                   {
                       "bytes=",        "bytes=,",       "bytes=, ,,",       "bytes= ,0-1",
                       "bytes= 0-1",    "bytes =0-1",    "bytes = 0-1",      " bytes=\t0-1",
                       "bytes:0-1",     "bytes=abc",     "bytes=1",          "bytes=-",
                       "bytes=--1",     "bytes=1--2",    "bytes=0-1-2",      "bytes=+1-2",
                       "bytes=1-+2",    "bytes=-+1",     "bytes=- 1",        "bytes=1 -2",
                       "bytes=1- 2",    "bytes=0x1-2",   "bytes=1.5-2",      "bytes=1e3-",
                       "bytes=0-1;2-3", "bytes=0-1 2-3", "bytes=0-1,x",      "bytes=0-1,bytes=2-3",
                       "bytes=0-1\r\n", "bytes=0-1\0"sv, "bytes=\xd9\xa1-2", "bytes=\xef\xbc\x91-2",
                   });
}

TEST(SelectRanges, IgnoresFirstPosAfterLastPos) {
    expect_outcome(rfc_size, range_outcome::ignore,
                   {
                       "bytes=5-4",
                       "bytes=0-1,5-4",
                       "bytes=5-4,0-1",
                       "bytes=20000-10000",
                       "bytes=5-0000000000000000000004",
                   });
}

TEST(SelectRanges, AcceptsOwsAroundCommasAndEmptyElements) {
    expect_satisfiable(rfc_size, {
                                     {"bytes=0-0 , 2-2", {{0, 1}, {2, 1}}},
                                     {"bytes=0-0,\t2-2", {{0, 1}, {2, 1}}},
                                     {"bytes=0-0\t,2-2", {{0, 1}, {2, 1}}},
                                     {"bytes=0-1,,2-3", {{0, 4}}},
                                     {"bytes=0-0,,4-4", {{0, 1}, {4, 1}}},
                                     {"bytes=0-0, ,4-4", {{0, 1}, {4, 1}}},
                                     {"bytes=,0-0", {{0, 1}}},
                                     {"bytes=, 0-0", {{0, 1}}},
                                     {"bytes=,,0-0,,,", {{0, 1}}},
                                     {"bytes=0-0,", {{0, 1}}},
                                     {" bytes=0-0 ", {{0, 1}}},
                                     {"\tbytes=0-0, \t", {{0, 1}}},
                                     {"bytes=007-0009", {{7, 3}}},
                                 });
}

TEST(SelectRanges, NumbersBeyondUint64) {
    expect_satisfiable(rfc_size, {
                                     {"bytes=0-99999999999999999999999", {{0, 10000}}},
                                     {"bytes=0-18446744073709551615", {{0, 10000}}},
                                     {"bytes=0-18446744073709551616", {{0, 10000}}},
                                     {"bytes=-99999999999999999999999", {{0, 10000}}},
                                     {"bytes=-18446744073709551616", {{0, 10000}}},
                                     {"bytes=000000000000000000000000001-2", {{1, 2}}},
                                 });
    expect_outcome(rfc_size, range_outcome::unsatisfiable,
                   {
                       "bytes=99999999999999999999999-",
                       "bytes=18446744073709551615-",
                       "bytes=18446744073709551616-",
                       "bytes=99999999999999999999998-99999999999999999999999",
                       "bytes=18446744073709551615-18446744073709551616",
                   });
    expect_outcome(rfc_size, range_outcome::ignore,
                   {
                       "bytes=99999999999999999999999-99999999999999999999998",
                       "bytes=18446744073709551616-18446744073709551615",
                   });
}

TEST(SelectRanges, HugeRepresentation) {
    expect_satisfiable(max_u64, {
                                    {"bytes=0-", {{0, max_u64}}},
                                    {"bytes=-1", {{max_u64 - 1, 1}}},
                                    {"bytes=18446744073709551614-", {{max_u64 - 1, 1}}},
                                    {"bytes=5-99999999999999999999999", {{5, max_u64 - 5}}},
                                });
    expect_outcome(max_u64, range_outcome::unsatisfiable, {"bytes=18446744073709551615-"});
}

TEST(SelectRanges, EmptyRepresentation) {
    expect_outcome(0, range_outcome::unsatisfiable,
                   {
                       "bytes=0-",
                       "bytes=0-0",
                       "bytes=0-99",
                       "bytes=-0",
                       "bytes=0-,-0",
                   });
    expect_outcome(0, range_outcome::ignore,
                   {
                       "bytes=-1",
                       "bytes=-99999999999999999999999",
                       "bytes=0-,-1",
                       "bytes=-1,5-",
                       "bytes=x",
                       "bytes=5-4",
                       "",
                   });
}

TEST(SelectRanges, TooManyRanges) {
    const auto hundred = many_ranges(100);
    const auto got = select_ranges(hundred, rfc_size);
    ASSERT_EQ(got.outcome, range_outcome::satisfiable);
    ASSERT_EQ(got.ranges.size(), 100u);
    EXPECT_EQ(got.ranges.back(), (byte_range{198, 1}));

    expect_outcome(rfc_size, range_outcome::ignore, {many_ranges(101)});
    expect_outcome(rfc_size, range_outcome::ignore, {many_ranges(100) + ",20000-"});
    expect_satisfiable(rfc_size, {{many_ranges(100) + ",,,", got.ranges}});

    EXPECT_EQ(select_ranges("bytes=0-0,2-2", rfc_size, 2).outcome, range_outcome::satisfiable);
    EXPECT_EQ(select_ranges("bytes=0-0,2-2,4-4", rfc_size, 2).outcome, range_outcome::ignore);
    EXPECT_EQ(select_ranges("bytes=0-0", rfc_size, 0).outcome, range_outcome::ignore);
    EXPECT_EQ(select_ranges("bytes=0-0,", rfc_size, 1).outcome, range_outcome::satisfiable);
}

TEST(SelectRanges, IgnoresRequestsForMoreThanTwiceTheRepresentation) {
    expect_satisfiable(rfc_size, {
                                     {"bytes=0-,0-", {{0, 10000}}},
                                     {"bytes=0-,-10000", {{0, 10000}}},
                                 });
    expect_outcome(rfc_size, range_outcome::ignore,
                   {
                       "bytes=0-,0-,0-0",
                       "bytes=0-,0-,0-",
                       "bytes=-6000,-6000,-6000,-6000",
                   });
    expect_satisfiable(1, {{"bytes=0-0,-1", {{0, 1}}}});
    expect_outcome(1, range_outcome::ignore, {"bytes=0-0,0-0,0-0"});
    expect_satisfiable(max_u64, {{"bytes=0-,0-", {{0, max_u64}}}});
    expect_outcome(max_u64, range_outcome::ignore, {"bytes=0-,0-,0-", "bytes=0-,0-,-1"});
}

TEST(SelectRanges, SatisfiableRangesAreDisjointAndWithinSize) {
    std::mt19937 rng(12345);
    const auto pick = [&](std::uint64_t bound) {
        return std::uniform_int_distribution<std::uint64_t>(0, bound)(rng);
    };
    for (int round = 0; round < 5000; ++round) {
        const auto size = pick(40);
        std::string header = "bytes=";
        const auto specs = 1 + pick(6);
        for (std::uint64_t i = 0; i < specs; ++i) {
            if (i != 0) {
                header += pick(3) == 0 ? " , " : ",";
            }
            const auto first = pick(45);
            switch (pick(2)) {
                case 0:
                    header += std::to_string(first) + "-" + std::to_string(first + pick(10));
                    break;
                case 1:
                    header += std::to_string(first) + "-";
                    break;
                default:
                    header += "-" + std::to_string(pick(45));
                    break;
            }
        }
        const auto got = select_ranges(header, size);
        if (got.outcome != range_outcome::satisfiable) {
            EXPECT_TRUE(got.ranges.empty()) << header;
            continue;
        }
        ASSERT_FALSE(got.ranges.empty()) << header;
        auto sorted = got.ranges;
        std::sort(sorted.begin(), sorted.end(),
                  [](const byte_range& a, const byte_range& b) { return a.offset < b.offset; });
        for (std::size_t i = 0; i < sorted.size(); ++i) {
            EXPECT_GT(sorted[i].length, 0u) << header;
            EXPECT_LE(sorted[i].offset + sorted[i].length, size) << header;
            if (i != 0) {
                EXPECT_GT(sorted[i].offset, sorted[i - 1].offset + sorted[i - 1].length) << header;
            }
        }
    }
}

TEST(ContentRange, Strings) {
    EXPECT_EQ(content_range({0, 100}, 1234), "bytes 0-99/1234");
    EXPECT_EQ(content_range({0, 1}, 1), "bytes 0-0/1");
    EXPECT_EQ(content_range({9999, 1}, 10000), "bytes 9999-9999/10000");
    EXPECT_EQ(content_range({500, 500}, 10000), "bytes 500-999/10000");
    EXPECT_EQ(content_range({0, max_u64}, max_u64),
              "bytes 0-18446744073709551614/18446744073709551615");
    EXPECT_EQ(unsatisfied_content_range(1234), "bytes */1234");
    EXPECT_EQ(unsatisfied_content_range(0), "bytes */0");
    EXPECT_EQ(unsatisfied_content_range(max_u64), "bytes */18446744073709551615");
}

std::string assemble(const byteranges_plan& plan, std::string_view representation) {
    std::string body;
    for (const auto& part : plan.parts) {
        body += part.header;
        body += representation.substr(part.range.offset, part.range.length);
    }
    body += plan.trailer;
    return body;
}

TEST(PlanByteranges, TwoRanges) {
    constexpr std::string_view representation = "abcdefghijklmnopqrst";
    const auto plan =
        plan_byteranges({{0, 5}, {10, 3}}, representation.size(), "text/plain", "THIS_STRING");

    EXPECT_EQ(plan.boundary, "THIS_STRING");
    EXPECT_EQ(plan.content_type, "multipart/byteranges; boundary=THIS_STRING");
    ASSERT_EQ(plan.parts.size(), 2u);
    EXPECT_EQ(plan.parts[0].header,
              "--THIS_STRING\r\nContent-Type: text/plain\r\nContent-Range: bytes 0-4/20\r\n\r\n");
    EXPECT_EQ(plan.parts[0].range, (byte_range{0, 5}));
    EXPECT_EQ(plan.parts[1].header,
              "\r\n--THIS_STRING\r\nContent-Type: text/plain\r\n"
              "Content-Range: bytes 10-12/20\r\n\r\n");
    EXPECT_EQ(plan.parts[1].range, (byte_range{10, 3}));
    EXPECT_EQ(plan.trailer, "\r\n--THIS_STRING--\r\n");

    const auto body = assemble(plan, representation);
    EXPECT_EQ(body,
              "--THIS_STRING\r\n"
              "Content-Type: text/plain\r\n"
              "Content-Range: bytes 0-4/20\r\n"
              "\r\n"
              "abcde\r\n"
              "--THIS_STRING\r\n"
              "Content-Type: text/plain\r\n"
              "Content-Range: bytes 10-12/20\r\n"
              "\r\n"
              "klm\r\n"
              "--THIS_STRING--\r\n");
    EXPECT_EQ(plan.total_length, body.size());
}

TEST(PlanByteranges, TotalLengthCountsEverything) {
    const std::vector<byte_range> ranges = {{9000, 1000}, {0, 1}, {500, 250}};
    const auto plan = plan_byteranges(ranges, rfc_size, "application/octet-stream", "b");
    ASSERT_EQ(plan.parts.size(), ranges.size());
    std::uint64_t expected = plan.trailer.size();
    for (std::size_t i = 0; i < ranges.size(); ++i) {
        EXPECT_EQ(plan.parts[i].range, ranges[i]);
        expected += plan.parts[i].header.size() + ranges[i].length;
    }
    EXPECT_EQ(plan.total_length, expected);
    EXPECT_EQ(plan.total_length, assemble(plan, std::string(rfc_size, 'x')).size());
    EXPECT_EQ(plan.parts[1].header,
              "\r\n--b\r\nContent-Type: application/octet-stream\r\n"
              "Content-Range: bytes 0-0/10000\r\n\r\n");
}

TEST(PlanByteranges, OmitsEmptyContentType) {
    const auto plan = plan_byteranges({{1, 2}}, 3, "", "x");
    ASSERT_EQ(plan.parts.size(), 1u);
    EXPECT_EQ(plan.parts[0].header, "--x\r\nContent-Range: bytes 1-2/3\r\n\r\n");
    EXPECT_EQ(assemble(plan, "abc"), "--x\r\nContent-Range: bytes 1-2/3\r\n\r\nbc\r\n--x--\r\n");
    EXPECT_EQ(plan.total_length, assemble(plan, "abc").size());
}

TEST(PlanByteranges, QuotesBoundaryThatIsNotAToken) {
    EXPECT_EQ(plan_byteranges({{0, 1}}, 1, "", "a b:c").content_type,
              R"(multipart/byteranges; boundary="a b:c")");
    EXPECT_EQ(plan_byteranges({{0, 1}}, 1, "", "a'b+c_d-e.f").content_type,
              "multipart/byteranges; boundary=a'b+c_d-e.f");
}

TEST(MakeBoundary, ThirtyTwoHexDigits) {
    const auto a = make_boundary();
    const auto b = make_boundary();
    EXPECT_EQ(a.size(), 32u);
    EXPECT_EQ(b.size(), 32u);
    const auto is_hex = [](char c) { return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'); };
    EXPECT_TRUE(std::all_of(a.begin(), a.end(), is_hex)) << a;
    EXPECT_TRUE(std::all_of(b.begin(), b.end(), is_hex)) << b;
    EXPECT_NE(a, b);
}

}  // namespace
}  // namespace simplefs::http
