#include "metrics/format.hpp"

#include <array>
#include <charconv>
#include <cmath>

namespace simplefs::metrics {

namespace {

bool is_letter(char c) noexcept {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

bool is_digit(char c) noexcept {
    return c >= '0' && c <= '9';
}

/// Integral values below this are written as plain digits; larger ones may use an exponent.
constexpr double max_plain_integral = 1e21;

}  // namespace

void append_value(std::string& out, double v) {
    if (std::isnan(v)) {
        out += "NaN";
        return;
    }
    if (std::isinf(v)) {
        out += v > 0 ? "+Inf" : "-Inf";
        return;
    }
    if (v == 0) {
        out += '0';
        return;
    }
    std::array<char, 64> buffer{};
    char* const first = buffer.data();
    char* const last = first + buffer.size();
    const bool plain_integral = v == std::trunc(v) && std::fabs(v) < max_plain_integral;
    const auto result = plain_integral ? std::to_chars(first, last, v, std::chars_format::fixed)
                                       : std::to_chars(first, last, v);
    out.append(first, result.ptr);
}

std::string format_value(double v) {
    std::string out;
    append_value(out, v);
    return out;
}

void append_escaped_label_value(std::string& out, std::string_view value) {
    for (const char c : value) {
        switch (c) {
            case '\\':
                out += "\\\\";
                break;
            case '"':
                out += "\\\"";
                break;
            case '\n':
                out += "\\n";
                break;
            default:
                out += c;
        }
    }
}

void append_escaped_help(std::string& out, std::string_view help) {
    for (const char c : help) {
        switch (c) {
            case '\\':
                out += "\\\\";
                break;
            case '\n':
                out += "\\n";
                break;
            default:
                out += c;
        }
    }
}

bool is_valid_metric_name(std::string_view name) noexcept {
    if (name.empty() || is_digit(name.front())) {
        return false;
    }
    for (const char c : name) {
        if (!is_letter(c) && !is_digit(c) && c != '_' && c != ':') {
            return false;
        }
    }
    return true;
}

bool is_valid_label_name(std::string_view name) noexcept {
    if (name.empty() || is_digit(name.front()) || name.starts_with("__")) {
        return false;
    }
    for (const char c : name) {
        if (!is_letter(c) && !is_digit(c) && c != '_') {
            return false;
        }
    }
    return true;
}

}  // namespace simplefs::metrics
