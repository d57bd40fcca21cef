#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <string_view>

namespace simplefs::http {

/// Formats `t` as an IMF-fixdate (RFC 9110 §5.6.7), e.g. "Sun, 06 Nov 1994 08:49:37 GMT".
/// Sub-second parts are dropped (rounded toward the past). Independent of locale and TZ.
std::string format_http_date(std::chrono::system_clock::time_point t);

/// format_http_date(now): the Date field of a response, formatted at most once a second per
/// thread. The view stays valid on this thread until the next call.
std::string_view current_http_date();

/// Parses an HTTP-date (RFC 9110 §5.6.7) in any of its three forms:
///   IMF-fixdate  "Sun, 06 Nov 1994 08:49:37 GMT"
///   RFC 850      "Sunday, 06-Nov-94 08:49:37 GMT"
///   asctime      "Sun Nov  6 08:49:37 1994"
/// Names are case-sensitive and spacing is exact; the caller strips the field's surrounding
/// whitespace. The day name is checked for form only, not against the date. The date must exist
/// (no Feb 30); hours go to 23, minutes to 59, seconds to 60 (a leap second, counted as the next
/// minute's first). An RFC 850 two-digit year is the year with those last digits that is at most
/// 50 years after and less than 50 years before the current year. Returns nullopt for anything
/// else, including dates that system_clock cannot represent.
std::optional<std::chrono::system_clock::time_point> parse_http_date(std::string_view value);

/// As parse_http_date(value), with `now` deciding the century of RFC 850 two-digit years.
std::optional<std::chrono::system_clock::time_point> parse_http_date(
    std::string_view value, std::chrono::system_clock::time_point now);

/// Formats `t` as "YYYYmmddHHMMSS" in the server's local time zone (the download file name
/// prefix `download_<YYYYmmddHHMMSS>_<name>`). Uses localtime_r, so the zone comes from TZ as
/// the C library read it (glibc reads TZ once unless tzset() is called again); falls back to
/// UTC if the conversion fails.
std::string format_compact_local(std::chrono::system_clock::time_point t);

}  // namespace simplefs::http
