// HTTP-date parsing (If-Modified-Since, If-Unmodified-Since, If-Range): any of the three forms,
// and back through format_http_date.
//
// Input: the field value.

#include "fuzz_support.hpp"
#include "http/http_date.hpp"

#include <chrono>
#include <string>

using namespace simplefs::http;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const std::string_view value(reinterpret_cast<const char*>(data), size);
    // 2026-01-01T00:00:00Z, so that RFC 850 years resolve the same on every run.
    const std::chrono::system_clock::time_point now{std::chrono::seconds(1'767'225'600)};
    const auto parsed = parse_http_date(value, now);
    (void)parse_http_date(value);
    if (!parsed) {
        return 0;
    }
    SIMPLEFS_FUZZ_CHECK(parsed->time_since_epoch() % std::chrono::seconds(1) ==
                        std::chrono::system_clock::duration::zero());
    // An IMF-fixdate of the same instant reads back as that instant.
    const std::string formatted = format_http_date(*parsed);
    SIMPLEFS_FUZZ_CHECK(formatted.size() == 29 && formatted.ends_with(" GMT"));
    SIMPLEFS_FUZZ_CHECK(parse_http_date(formatted, now) == parsed);
    return 0;
}
