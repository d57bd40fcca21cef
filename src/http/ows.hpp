#pragma once

#include <string_view>

namespace simplefs::http {

/// Optional whitespace around field values and list elements (RFC 9110 §5.6.3): SP and HTAB.
inline bool is_ows(char c) noexcept {
    return c == ' ' || c == '\t';
}

inline std::string_view trim_ows(std::string_view s) noexcept {
    while (!s.empty() && is_ows(s.front())) {
        s.remove_prefix(1);
    }
    while (!s.empty() && is_ows(s.back())) {
        s.remove_suffix(1);
    }
    return s;
}

}  // namespace simplefs::http
