// The Content-Disposition of a download, built from a stored name a client chose: whatever the
// name's bytes, the field value must be printable ASCII that no client can read as a second
// field or an attribute of our choosing.
//
// Input: the file name.

#include "fuzz_support.hpp"
#include "http/content_disposition.hpp"

#include <string>

using namespace simplefs::http;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const std::string_view name(reinterpret_cast<const char*>(data), size);
    const std::string value = attachment_disposition(name);
    for (char c : value) {
        const auto u = static_cast<unsigned char>(c);
        SIMPLEFS_FUZZ_CHECK(u >= 0x20 && u < 0x7f);
    }
    constexpr std::string_view start = "attachment; filename=\"";
    SIMPLEFS_FUZZ_CHECK(value.starts_with(start));
    // The quoted fallback ends at the first unescaped '"'; after it comes nothing or filename*.
    std::size_t i = start.size();
    while (i < value.size() && value[i] != '"') {
        i += value[i] == '\\' ? 2 : 1;
    }
    SIMPLEFS_FUZZ_CHECK(i < value.size());
    const auto after = std::string_view(value).substr(i + 1);
    SIMPLEFS_FUZZ_CHECK(after.empty() || after.starts_with("; filename*=UTF-8''"));
    if (!after.empty()) {
        // attr-char and pct-encoded only (RFC 8187 §3.2.1).
        for (char c : after.substr(19)) {
            const bool attr_char =
                (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                std::string_view("!#$&+-.^_`|~%").find(c) != std::string_view::npos;
            SIMPLEFS_FUZZ_CHECK(attr_char);
        }
    }
    return 0;
}
