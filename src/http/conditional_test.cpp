#include "http/conditional.hpp"

#include "http/http_date.hpp"

#include <gtest/gtest.h>

#include <chrono>
#include <initializer_list>
#include <optional>
#include <string>
#include <string_view>
#include <utility>

namespace simplefs::http {
namespace {

using namespace std::chrono;
using namespace std::chrono_literals;

constexpr system_clock::time_point noon =
    system_clock::time_point{sys_days{2024y / March / 1}} + 12h;
constexpr system_clock::time_point modified = noon + 500ms;

constexpr std::string_view at_noon = "Fri, 01 Mar 2024 12:00:00 GMT";
constexpr std::string_view second_before = "Fri, 01 Mar 2024 11:59:59 GMT";
constexpr std::string_view second_after = "Fri, 01 Mar 2024 12:00:01 GMT";
constexpr std::string_view at_noon_rfc850 = "Friday, 01-Mar-24 12:00:00 GMT";
constexpr std::string_view before_rfc850 = "Friday, 01-Mar-24 11:59:59 GMT";
constexpr std::string_view at_noon_asctime = "Fri Mar  1 12:00:00 2024";
constexpr std::string_view before_asctime = "Fri Mar  1 11:59:59 2024";
constexpr std::string_view far_future = "Thu, 31 Dec 2099 23:59:59 GMT";
constexpr std::string_view two_dates =
    "Fri, 01 Mar 2024 12:00:00 GMT, Fri, 01 Mar 2024 12:00:00 GMT";

/// The request's method and whether it carries a Range field.
enum class request { get, get_with_range, put, put_with_range };

entity_tag tag(std::string opaque, bool weak = false) {
    entity_tag t;
    t.opaque = std::move(opaque);
    t.weak = weak;
    return t;
}

/// An existing file with strong ETag "abc", modified at 12:00:00.5.
resource_state file() {
    return {.exists = true, .etag = tag("abc"), .last_modified = modified};
}

resource_state file_with_weak_etag() {
    return {.exists = true, .etag = tag("abc", true), .last_modified = modified};
}

resource_state file_modified_at(system_clock::time_point t) {
    return {.exists = true, .etag = tag("abc"), .last_modified = t};
}

resource_state file_without_validators() {
    return {.exists = true, .etag = std::nullopt, .last_modified = std::nullopt};
}

resource_state missing() {
    return {};
}

/// Validators left over from an earlier state must not count for a missing resource.
resource_state missing_with_stale_validators() {
    return {.exists = false, .etag = tag("abc"), .last_modified = modified};
}

precondition_outcome make(precondition_result result, bool honour_range) {
    precondition_outcome out;
    out.result = result;
    out.honour_range = honour_range;
    return out;
}

const precondition_outcome proceed = make(precondition_result::proceed, true);
/// Proceed, but send the whole representation: If-Range did not match.
const precondition_outcome proceed_whole = make(precondition_result::proceed, false);
const precondition_outcome not_modified = make(precondition_result::not_modified, true);
const precondition_outcome failed = make(precondition_result::precondition_failed, true);

std::string_view name_of(precondition_result r) {
    switch (r) {
        case precondition_result::proceed:
            return "proceed";
        case precondition_result::not_modified:
            return "304";
        case precondition_result::precondition_failed:
            return "412";
    }
    return "?";
}

struct precondition_case {
    std::string_view name;
    conditional_headers headers;
    resource_state state;
    request req;
    precondition_outcome expected;
};

void expect_all(std::initializer_list<precondition_case> cases) {
    for (const auto& c : cases) {
        const bool get_or_head = c.req == request::get || c.req == request::get_with_range;
        const bool has_range = c.req == request::get_with_range || c.req == request::put_with_range;
        const auto got = evaluate_preconditions(c.headers, c.state, get_or_head, has_range);
        EXPECT_EQ(name_of(got.result), name_of(c.expected.result)) << c.name;
        EXPECT_EQ(got.honour_range, c.expected.honour_range) << c.name;
    }
}

TEST(EvaluatePreconditions, TestDatesMatchTheModificationTime) {
    EXPECT_EQ(format_http_date(modified), at_noon);
    EXPECT_EQ(parse_http_date(at_noon_rfc850), noon);
    EXPECT_EQ(parse_http_date(at_noon_asctime), noon);
    EXPECT_FALSE(parse_http_date(two_dates));
}

TEST(EvaluatePreconditions, NoConditions) {
    expect_all({
        {"existing GET", {}, file(), request::get, proceed},
        {"existing GET with range", {}, file(), request::get_with_range, proceed},
        {"existing PUT", {}, file(), request::put, proceed},
        {"missing PUT", {}, missing(), request::put, proceed},
        {"blank fields are absent",
         {.if_match = " ",
          .if_none_match = "\t",
          .if_modified_since = "  ",
          .if_unmodified_since = " \t",
          .if_range = " "},
         missing(),
         request::get_with_range,
         proceed},
    });
}

TEST(EvaluatePreconditions, IfMatch) {
    expect_all({
        {"* on existing", {.if_match = "*"}, file(), request::put, proceed},
        {"* on existing GET", {.if_match = "*"}, file(), request::get, proceed},
        {"* on existing without validators",
         {.if_match = "*"},
         file_without_validators(),
         request::put,
         proceed},
        {"* with OWS", {.if_match = " * "}, file(), request::put, proceed},
        {"* on missing", {.if_match = "*"}, missing(), request::put, failed},
        {"* on missing GET", {.if_match = "*"}, missing(), request::get, failed},
        {"* on missing with stale validators",
         {.if_match = "*"},
         missing_with_stale_validators(),
         request::put,
         failed},
        {"matching tag", {.if_match = R"("abc")"}, file(), request::put, proceed},
        {"matching tag later in list",
         {.if_match = R"("xyz", "abc")"},
         file(),
         request::put,
         proceed},
        {"list with empty elements",
         {.if_match = R"( , "xyz",, "abc" ,)"},
         file(),
         request::put,
         proceed},
        {"other tag", {.if_match = R"("xyz")"}, file(), request::put, failed},
        {"other tag on GET", {.if_match = R"("xyz")"}, file(), request::get, failed},
        {"weak tag never strongly matches",
         {.if_match = R"(W/"abc")"},
         file(),
         request::put,
         failed},
        {"list of weak and other tags",
         {.if_match = R"(W/"abc", "xyz")"},
         file(),
         request::put,
         failed},
        {"strong tag against weak current",
         {.if_match = R"("abc")"},
         file_with_weak_etag(),
         request::put,
         failed},
        {"tag case matters", {.if_match = R"("ABC")"}, file(), request::put, failed},
        {"resource without ETag",
         {.if_match = R"("abc")"},
         file_without_validators(),
         request::put,
         failed},
        {"tag on missing", {.if_match = R"("abc")"}, missing(), request::put, failed},
        {"tag on missing with stale validators",
         {.if_match = R"("abc")"},
         missing_with_stale_validators(),
         request::put,
         failed},
        {"only empty elements", {.if_match = ", ,"}, file(), request::put, failed},
        {"unquoted tag is invalid", {.if_match = "abc"}, file(), request::put, failed},
        {"bad member poisons a matching list",
         {.if_match = R"("abc", xyz)"},
         file(),
         request::put,
         failed},
        {"* mixed with tags is invalid", {.if_match = R"(*, "abc")"}, file(), request::put, failed},
    });
}

TEST(EvaluatePreconditions, IfMatchWinsOverIfUnmodifiedSince) {
    expect_all({
        {"If-Match true, If-Unmodified-Since false",
         {.if_match = R"("abc")", .if_unmodified_since = second_before},
         file(),
         request::put,
         proceed},
        {"If-Match * true, If-Unmodified-Since false",
         {.if_match = "*", .if_unmodified_since = second_before},
         file(),
         request::put,
         proceed},
        {"If-Match false, If-Unmodified-Since true",
         {.if_match = R"("xyz")", .if_unmodified_since = second_after},
         file(),
         request::put,
         failed},
        {"invalid If-Match, If-Unmodified-Since true",
         {.if_match = "abc", .if_unmodified_since = second_after},
         file(),
         request::put,
         failed},
    });
}

TEST(EvaluatePreconditions, IfUnmodifiedSince) {
    expect_all({
        {"same second as sub-second mtime",
         {.if_unmodified_since = at_noon},
         file(),
         request::put,
         proceed},
        {"later date", {.if_unmodified_since = second_after}, file(), request::put, proceed},
        {"earlier date", {.if_unmodified_since = second_before}, file(), request::put, failed},
        {"earlier date on GET",
         {.if_unmodified_since = second_before},
         file(),
         request::get,
         failed},
        {"earlier date, RFC 850 form",
         {.if_unmodified_since = before_rfc850},
         file(),
         request::put,
         failed},
        {"earlier date, asctime form",
         {.if_unmodified_since = before_asctime},
         file(),
         request::put,
         failed},
        {"same second, RFC 850 form",
         {.if_unmodified_since = at_noon_rfc850},
         file(),
         request::put,
         proceed},
        {"same second, asctime form",
         {.if_unmodified_since = at_noon_asctime},
         file(),
         request::put,
         proceed},
        {"OWS around an earlier date",
         {.if_unmodified_since = " Fri, 01 Mar 2024 11:59:59 GMT\t"},
         file(),
         request::put,
         failed},
        {"mtime one second later",
         {.if_unmodified_since = at_noon},
         file_modified_at(noon + 1s),
         request::put,
         failed},
        {"mtime at the last nanosecond of the second",
         {.if_unmodified_since = at_noon},
         file_modified_at(noon + 999'999'999ns),
         request::put,
         proceed},
        {"invalid date ignored",
         {.if_unmodified_since = "yesterday"},
         file(),
         request::put,
         proceed},
        {"wrong zone ignored",
         {.if_unmodified_since = "Fri, 01 Mar 2024 11:59:59 UTC"},
         file(),
         request::put,
         proceed},
        {"ISO 8601 ignored",
         {.if_unmodified_since = "2024-03-01T11:59:59Z"},
         file(),
         request::put,
         proceed},
        {"list of dates ignored",
         {.if_unmodified_since = two_dates},
         file_modified_at(noon + 1h),
         request::put,
         proceed},
        {"no modification time",
         {.if_unmodified_since = second_before},
         file_without_validators(),
         request::put,
         proceed},
        {"missing resource",
         {.if_unmodified_since = second_before},
         missing(),
         request::put,
         proceed},
        {"missing resource with stale validators",
         {.if_unmodified_since = second_before},
         missing_with_stale_validators(),
         request::put,
         proceed},
    });
}

TEST(EvaluatePreconditions, IfNoneMatch) {
    expect_all({
        {"* on existing PUT", {.if_none_match = "*"}, file(), request::put, failed},
        {"* on existing PUT without validators",
         {.if_none_match = "*"},
         file_without_validators(),
         request::put,
         failed},
        {"* on missing PUT", {.if_none_match = "*"}, missing(), request::put, proceed},
        {"* on missing PUT with stale validators",
         {.if_none_match = "*"},
         missing_with_stale_validators(),
         request::put,
         proceed},
        {"* on existing GET", {.if_none_match = "*"}, file(), request::get, not_modified},
        {"* on missing GET", {.if_none_match = "*"}, missing(), request::get, proceed},
        {"strong tag on GET", {.if_none_match = R"("abc")"}, file(), request::get, not_modified},
        {"weak tag matches weakly on GET",
         {.if_none_match = R"(W/"abc")"},
         file(),
         request::get,
         not_modified},
        {"strong tag against weak current",
         {.if_none_match = R"("abc")"},
         file_with_weak_etag(),
         request::get,
         not_modified},
        {"weak tag later in list",
         {.if_none_match = R"("xyz", W/"abc")"},
         file(),
         request::get,
         not_modified},
        {"list with OWS and empty elements",
         {.if_none_match = "\t,\"xyz\" ,, W/\"abc\",  "},
         file(),
         request::get,
         not_modified},
        {"other tag on GET", {.if_none_match = R"("xyz")"}, file(), request::get, proceed},
        {"other tags on GET",
         {.if_none_match = R"("xyz", W/"xyz")"},
         file(),
         request::get,
         proceed},
        {"strong tag on PUT", {.if_none_match = R"("abc")"}, file(), request::put, failed},
        {"weak tag on PUT", {.if_none_match = R"(W/"abc")"}, file(), request::put, failed},
        {"other tag on PUT", {.if_none_match = R"("xyz")"}, file(), request::put, proceed},
        {"resource without ETag",
         {.if_none_match = R"("abc")"},
         file_without_validators(),
         request::get,
         proceed},
        {"missing resource", {.if_none_match = R"("abc")"}, missing(), request::get, proceed},
        {"missing resource with stale validators",
         {.if_none_match = R"("abc")"},
         missing_with_stale_validators(),
         request::get,
         proceed},
        {"only empty elements on GET", {.if_none_match = ","}, file(), request::get, proceed},
        {"only empty elements on PUT", {.if_none_match = ","}, file(), request::put, proceed},
        {"invalid value on GET", {.if_none_match = "abc"}, file(), request::get, proceed},
        {"invalid member on GET",
         {.if_none_match = R"("abc", xyz)"},
         file(),
         request::get,
         proceed},
        {"invalid value on PUT", {.if_none_match = "abc"}, file(), request::put, failed},
        {"invalid value on PUT to missing",
         {.if_none_match = "* ,"},
         missing(),
         request::put,
         failed},
    });
}

TEST(EvaluatePreconditions, IfNoneMatchAfterIfMatchAndIfUnmodifiedSince) {
    expect_all({
        {"If-Match true then If-None-Match matches on GET",
         {.if_match = R"("abc")", .if_none_match = R"("abc")"},
         file(),
         request::get,
         not_modified},
        {"If-Match true then If-None-Match matches on PUT",
         {.if_match = R"("abc")", .if_none_match = R"("abc")"},
         file(),
         request::put,
         failed},
        {"If-Match false before If-None-Match on GET",
         {.if_match = R"("xyz")", .if_none_match = R"("abc")"},
         file(),
         request::get,
         failed},
        {"If-Unmodified-Since true then If-None-Match matches on GET",
         {.if_none_match = R"("abc")", .if_unmodified_since = second_after},
         file(),
         request::get,
         not_modified},
        {"If-Unmodified-Since false before If-None-Match on GET",
         {.if_none_match = R"("abc")", .if_unmodified_since = second_before},
         file(),
         request::get,
         failed},
    });
}

TEST(EvaluatePreconditions, IfNoneMatchTakesPrecedenceOverIfModifiedSince) {
    expect_all({
        {"no tag matches, date not modified",
         {.if_none_match = R"("xyz")", .if_modified_since = at_noon},
         file(),
         request::get,
         proceed},
        {"tag matches, date modified",
         {.if_none_match = R"("abc")", .if_modified_since = second_before},
         file(),
         request::get,
         not_modified},
        {"invalid If-None-Match still suppresses If-Modified-Since",
         {.if_none_match = "abc", .if_modified_since = at_noon},
         file(),
         request::get,
         proceed},
        {"empty-element If-None-Match still suppresses If-Modified-Since",
         {.if_none_match = ",", .if_modified_since = at_noon},
         file(),
         request::get,
         proceed},
        {"blank If-None-Match is absent",
         {.if_none_match = " ", .if_modified_since = at_noon},
         file(),
         request::get,
         not_modified},
    });
}

TEST(EvaluatePreconditions, IfModifiedSince) {
    expect_all({
        {"same second as sub-second mtime",
         {.if_modified_since = at_noon},
         file(),
         request::get,
         not_modified},
        {"later date", {.if_modified_since = second_after}, file(), request::get, not_modified},
        {"earlier date", {.if_modified_since = second_before}, file(), request::get, proceed},
        {"same second, RFC 850 form",
         {.if_modified_since = at_noon_rfc850},
         file(),
         request::get,
         not_modified},
        {"same second, asctime form",
         {.if_modified_since = at_noon_asctime},
         file(),
         request::get,
         not_modified},
        {"earlier, RFC 850 form",
         {.if_modified_since = before_rfc850},
         file(),
         request::get,
         proceed},
        {"earlier, asctime form",
         {.if_modified_since = before_asctime},
         file(),
         request::get,
         proceed},
        {"OWS around the date",
         {.if_modified_since = "  Fri, 01 Mar 2024 12:00:00 GMT "},
         file(),
         request::get,
         not_modified},
        {"whole-second mtime",
         {.if_modified_since = at_noon},
         file_modified_at(noon),
         request::get,
         not_modified},
        {"mtime at the last nanosecond of the second",
         {.if_modified_since = at_noon},
         file_modified_at(noon + 999'999'999ns),
         request::get,
         not_modified},
        {"mtime in the next second",
         {.if_modified_since = at_noon},
         file_modified_at(noon + 1s),
         request::get,
         proceed},
        {"sub-second mtime before 1970 rounds toward the past",
         {.if_modified_since = "Wed, 31 Dec 1969 23:59:59 GMT"},
         file_modified_at(system_clock::time_point{} - 500ms),
         request::get,
         not_modified},
        {"date in the future is not rejected",
         {.if_modified_since = far_future},
         file(),
         request::get,
         not_modified},
        {"ignored for PUT", {.if_modified_since = at_noon}, file(), request::put, proceed},
        {"invalid date ignored", {.if_modified_since = "yesterday"}, file(), request::get, proceed},
        {"impossible date ignored",
         {.if_modified_since = "Fri, 30 Feb 2024 12:00:00 GMT"},
         file(),
         request::get,
         proceed},
        {"lowercase month ignored",
         {.if_modified_since = "Fri, 01 mar 2024 12:00:00 GMT"},
         file(),
         request::get,
         proceed},
        {"list of dates ignored", {.if_modified_since = two_dates}, file(), request::get, proceed},
        {"no modification time",
         {.if_modified_since = at_noon},
         file_without_validators(),
         request::get,
         proceed},
        {"missing resource", {.if_modified_since = at_noon}, missing(), request::get, proceed},
        {"missing resource with stale validators",
         {.if_modified_since = at_noon},
         missing_with_stale_validators(),
         request::get,
         proceed},
        {"not modified beats If-Range",
         {.if_modified_since = at_noon, .if_range = R"("xyz")"},
         file(),
         request::get_with_range,
         not_modified},
    });
}

TEST(EvaluatePreconditions, IfRangeWithEntityTag) {
    expect_all({
        {"matching tag", {.if_range = R"("abc")"}, file(), request::get_with_range, proceed},
        {"matching tag with OWS",
         {.if_range = " \"abc\"\t"},
         file(),
         request::get_with_range,
         proceed},
        {"other tag", {.if_range = R"("xyz")"}, file(), request::get_with_range, proceed_whole},
        {"weak tag never matches",
         {.if_range = R"(W/"abc")"},
         file(),
         request::get_with_range,
         proceed_whole},
        {"strong tag against weak current",
         {.if_range = R"("abc")"},
         file_with_weak_etag(),
         request::get_with_range,
         proceed_whole},
        {"resource without ETag",
         {.if_range = R"("abc")"},
         file_without_validators(),
         request::get_with_range,
         proceed_whole},
        {"missing resource with stale validators",
         {.if_range = R"("abc")"},
         missing_with_stale_validators(),
         request::get_with_range,
         proceed_whole},
        {"unterminated tag",
         {.if_range = R"("abc)"},
         file(),
         request::get_with_range,
         proceed_whole},
        {"list of tags",
         {.if_range = R"("abc", "abc")"},
         file(),
         request::get_with_range,
         proceed_whole},
        {"star", {.if_range = "*"}, file(), request::get_with_range, proceed_whole},
        {"unquoted tag", {.if_range = "abc"}, file(), request::get_with_range, proceed_whole},
        {"ignored without Range", {.if_range = R"("xyz")"}, file(), request::get, proceed},
        {"ignored for PUT", {.if_range = R"("xyz")"}, file(), request::put_with_range, proceed},
        {"evaluated after If-Match",
         {.if_match = R"("abc")", .if_range = R"("xyz")"},
         file(),
         request::get_with_range,
         proceed_whole},
        {"not reached when If-Match fails",
         {.if_match = R"("xyz")", .if_range = R"("abc")"},
         file(),
         request::get_with_range,
         failed},
        {"not reached when If-None-Match matches",
         {.if_none_match = R"("abc")", .if_range = R"("xyz")"},
         file(),
         request::get_with_range,
         not_modified},
        {"honoured after a modified If-Modified-Since",
         {.if_modified_since = second_before, .if_range = R"("abc")"},
         file(),
         request::get_with_range,
         proceed},
    });
}

TEST(EvaluatePreconditions, IfRangeWithDate) {
    expect_all({
        {"same second as sub-second mtime",
         {.if_range = at_noon},
         file(),
         request::get_with_range,
         proceed},
        {"same second, RFC 850 form",
         {.if_range = at_noon_rfc850},
         file(),
         request::get_with_range,
         proceed},
        {"same second, asctime form",
         {.if_range = at_noon_asctime},
         file(),
         request::get_with_range,
         proceed},
        {"whole-second mtime",
         {.if_range = at_noon},
         file_modified_at(noon),
         request::get_with_range,
         proceed},
        {"earlier date",
         {.if_range = second_before},
         file(),
         request::get_with_range,
         proceed_whole},
        {"later date is not exact",
         {.if_range = second_after},
         file(),
         request::get_with_range,
         proceed_whole},
        {"mtime in the next second",
         {.if_range = at_noon},
         file_modified_at(noon + 1s),
         request::get_with_range,
         proceed_whole},
        {"resource without modification time",
         {.if_range = at_noon},
         file_without_validators(),
         request::get_with_range,
         proceed_whole},
        {"invalid date",
         {.if_range = "Fri, 01 Mar 2024 12:00:00 UTC"},
         file(),
         request::get_with_range,
         proceed_whole},
        {"list of dates", {.if_range = two_dates}, file(), request::get_with_range, proceed_whole},
        {"ignored without Range", {.if_range = second_before}, file(), request::get, proceed},
    });
}

}  // namespace
}  // namespace simplefs::http
