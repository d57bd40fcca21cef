#include "http/content_disposition.hpp"

#include <cstddef>
#include <cstdint>

namespace simplefs::http {

namespace {

constexpr char replacement = '_';

// Length of the well-formed UTF-8 sequence at the start of `s` (RFC 3629 §4), or 0.
std::size_t utf8_sequence_length(std::string_view s) {
    const auto byte = [&](std::size_t i) { return static_cast<std::uint8_t>(s[i]); };
    const auto lead = byte(0);
    if (lead < 0x80) {
        return 1;
    }
    std::size_t length = 0;
    std::uint8_t second_min = 0x80;
    std::uint8_t second_max = 0xbf;
    if (lead >= 0xc2 && lead <= 0xdf) {
        length = 2;
    } else if (lead >= 0xe0 && lead <= 0xef) {
        length = 3;
        if (lead == 0xe0) {
            second_min = 0xa0;
        } else if (lead == 0xed) {
            second_max = 0x9f;
        }
    } else if (lead >= 0xf0 && lead <= 0xf4) {
        length = 4;
        if (lead == 0xf0) {
            second_min = 0x90;
        } else if (lead == 0xf4) {
            second_max = 0x8f;
        }
    } else {
        return 0;
    }
    if (s.size() < length || byte(1) < second_min || byte(1) > second_max) {
        return 0;
    }
    for (std::size_t i = 2; i < length; ++i) {
        if (byte(i) < 0x80 || byte(i) > 0xbf) {
            return 0;
        }
    }
    return length;
}

bool is_control(char c) {
    const auto u = static_cast<std::uint8_t>(c);
    return u < 0x20 || u == 0x7f;
}

// RFC 8187 §3.2.1 attr-char.
bool is_attr_char(char c) {
    if ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9')) {
        return true;
    }
    switch (c) {
        case '!':
        case '#':
        case '$':
        case '&':
        case '+':
        case '-':
        case '.':
        case '^':
        case '_':
        case '`':
        case '|':
        case '~':
            return true;
        default:
            return false;
    }
}

}  // namespace

std::string attachment_disposition(std::string_view filename) {
    std::string fallback;
    std::string sanitized;
    fallback.reserve(filename.size() + 2);
    sanitized.reserve(filename.size());
    bool needs_extended = false;
    std::size_t i = 0;
    while (i < filename.size()) {
        const auto length = utf8_sequence_length(filename.substr(i));
        if (length == 0 || (length == 1 && is_control(filename[i]))) {
            sanitized += replacement;
            fallback += replacement;
            needs_extended = true;
            ++i;
            continue;
        }
        sanitized.append(filename, i, length);
        if (length > 1) {
            fallback += replacement;
            needs_extended = true;
        } else {
            const char c = filename[i];
            if (c == '"' || c == '\\') {
                fallback += '\\';
                needs_extended = true;
            } else if (c == '%') {
                needs_extended = true;
            }
            fallback += c;
        }
        i += length;
    }

    std::string value = "attachment; filename=\"";
    value += fallback;
    value += '"';
    if (needs_extended) {
        constexpr std::string_view hex = "0123456789ABCDEF";
        value += "; filename*=UTF-8''";
        for (const char c : sanitized) {
            if (is_attr_char(c)) {
                value += c;
            } else {
                const auto u = static_cast<std::uint8_t>(c);
                value += '%';
                value += hex[u >> 4];
                value += hex[u & 0x0f];
            }
        }
    }
    return value;
}

}  // namespace simplefs::http
