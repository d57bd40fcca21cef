#include "http/range.hpp"

#include "http/ows.hpp"

#include <algorithm>
#include <limits>
#include <numeric>
#include <optional>
#include <random>
#include <utility>

namespace simplefs::http {

namespace {

constexpr std::uint64_t max_value = std::numeric_limits<std::uint64_t>::max();

bool is_digit(char c) noexcept {
    return c >= '0' && c <= '9';
}

char to_lower_ascii(char c) noexcept {
    return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c;
}

bool equals_ignoring_case(std::string_view a, std::string_view b) noexcept {
    return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
               return to_lower_ascii(x) == to_lower_ascii(y);
           });
}

// RFC 9110 §5.6.2 tchar.
bool is_tchar(char c) noexcept {
    if (is_digit(c) || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z')) {
        return true;
    }
    return std::string_view{"!#$%&'*+-.^_`|~"}.find(c) != std::string_view::npos;
}

// 1*DIGIT, saturated at max_value.
std::optional<std::uint64_t> parse_digits(std::string_view s) noexcept {
    if (s.empty()) {
        return std::nullopt;
    }
    std::uint64_t value = 0;
    for (const char c : s) {
        if (!is_digit(c)) {
            return std::nullopt;
        }
        const auto digit = static_cast<std::uint64_t>(c - '0');
        value = value > (max_value - digit) / 10 ? max_value : value * 10 + digit;
    }
    return value;
}

// Exact comparison of two 1*DIGIT strings of any length.
bool decimal_less(std::string_view a, std::string_view b) noexcept {
    a.remove_prefix(std::min(a.find_first_not_of('0'), a.size()));
    b.remove_prefix(std::min(b.find_first_not_of('0'), b.size()));
    if (a.size() != b.size()) {
        return a.size() < b.size();
    }
    return a < b;
}

struct range_spec {
    bool suffix = false;
    std::uint64_t first = 0;
    std::optional<std::uint64_t> last;
    std::uint64_t suffix_length = 0;
};

// RFC 9110 §14.1.2 int-range / suffix-range.
std::optional<range_spec> parse_range_spec(std::string_view s) noexcept {
    const auto dash = s.find('-');
    if (dash == std::string_view::npos) {
        return std::nullopt;
    }
    const auto head = s.substr(0, dash);
    const auto tail = s.substr(dash + 1);
    range_spec spec;
    if (head.empty()) {
        const auto length = parse_digits(tail);
        if (!length) {
            return std::nullopt;
        }
        spec.suffix = true;
        spec.suffix_length = *length;
        return spec;
    }
    const auto first = parse_digits(head);
    if (!first) {
        return std::nullopt;
    }
    spec.first = *first;
    if (!tail.empty()) {
        const auto last = parse_digits(tail);
        if (!last || decimal_less(tail, head)) {
            return std::nullopt;
        }
        spec.last = *last;
    }
    return spec;
}

// The bytes `spec` selects from `size` bytes; empty when it is not satisfiable.
byte_range resolve(const range_spec& spec, std::uint64_t size) noexcept {
    if (spec.suffix) {
        const auto length = std::min(spec.suffix_length, size);
        return {size - length, length};
    }
    if (spec.first >= size) {
        return {};
    }
    const auto last = std::min(spec.last.value_or(max_value), size - 1);
    return {spec.first, last - spec.first + 1};
}

// An exact sum of byte counts: high * 2^64 + low.
struct wide_sum {
    std::uint64_t high = 0;
    std::uint64_t low = 0;

    void add(std::uint64_t n) noexcept {
        low += n;
        if (low < n) {
            ++high;
        }
    }

    bool exceeds_twice(std::uint64_t size) const noexcept {
        return std::pair{high, low} > std::pair{size >> 63, size << 1};
    }
};

std::uint64_t end_of(const byte_range& r) noexcept {
    return r.offset + r.length;
}

std::vector<byte_range> coalesce(const std::vector<byte_range>& ranges) {
    std::vector<std::size_t> by_offset(ranges.size());
    std::iota(by_offset.begin(), by_offset.end(), std::size_t{0});
    std::stable_sort(by_offset.begin(), by_offset.end(), [&](std::size_t a, std::size_t b) {
        return ranges[a].offset < ranges[b].offset;
    });

    struct group {
        byte_range range;
        std::size_t first_index = 0;
    };
    std::vector<group> groups;
    for (const auto index : by_offset) {
        const auto& r = ranges[index];
        if (!groups.empty() && r.offset <= end_of(groups.back().range)) {
            auto& g = groups.back();
            g.range.length = std::max(end_of(g.range), end_of(r)) - g.range.offset;
            g.first_index = std::min(g.first_index, index);
        } else {
            groups.push_back({r, index});
        }
    }
    std::sort(groups.begin(), groups.end(),
              [](const group& a, const group& b) { return a.first_index < b.first_index; });

    std::vector<byte_range> result;
    result.reserve(groups.size());
    for (const auto& g : groups) {
        result.push_back(g.range);
    }
    return result;
}

}  // namespace

range_selection select_ranges(std::string_view range_header, std::uint64_t size,
                              std::size_t max_ranges) {
    const auto value = trim_ows(range_header);
    const auto equals = value.find('=');
    if (equals == std::string_view::npos ||
        !equals_ignoring_case(value.substr(0, equals), "bytes")) {
        return {};
    }
    auto set = value.substr(equals + 1);
    if (set.empty() || is_ows(set.front())) {
        return {};
    }

    std::vector<byte_range> ranges;
    std::size_t count = 0;
    wide_sum requested;
    bool suffix_on_empty = false;
    for (;;) {
        const auto comma = set.find(',');
        const auto element = trim_ows(set.substr(0, comma));
        if (!element.empty()) {
            if (++count > max_ranges) {
                return {};
            }
            const auto spec = parse_range_spec(element);
            if (!spec) {
                return {};
            }
            if (size == 0 && spec->suffix && spec->suffix_length != 0) {
                suffix_on_empty = true;
            }
            const auto r = resolve(*spec, size);
            if (r.length != 0) {
                requested.add(r.length);
                ranges.push_back(r);
            }
        }
        if (comma == std::string_view::npos) {
            break;
        }
        set.remove_prefix(comma + 1);
    }

    if (count == 0 || suffix_on_empty) {
        return {};
    }
    if (ranges.empty()) {
        return {range_outcome::unsatisfiable, {}};
    }
    if (requested.exceeds_twice(size)) {
        return {};
    }
    if (ranges.size() > 1) {
        ranges = coalesce(ranges);
    }
    return {range_outcome::satisfiable, std::move(ranges)};
}

std::string content_range(const byte_range& r, std::uint64_t size) {
    return "bytes " + std::to_string(r.offset) + "-" + std::to_string(r.offset + r.length - 1) +
           "/" + std::to_string(size);
}

std::string unsatisfied_content_range(std::uint64_t size) {
    return "bytes */" + std::to_string(size);
}

byteranges_plan plan_byteranges(const std::vector<byte_range>& ranges, std::uint64_t size,
                                std::string_view part_content_type, std::string boundary) {
    byteranges_plan plan;
    plan.content_type = "multipart/byteranges; boundary=";
    if (std::all_of(boundary.begin(), boundary.end(), is_tchar)) {
        plan.content_type += boundary;
    } else {
        plan.content_type += '"' + boundary + '"';
    }

    plan.parts.reserve(ranges.size());
    for (const auto& r : ranges) {
        std::string header = plan.parts.empty() ? "--" : "\r\n--";
        header += boundary;
        header += "\r\n";
        if (!part_content_type.empty()) {
            header += "Content-Type: ";
            header += part_content_type;
            header += "\r\n";
        }
        header += "Content-Range: ";
        header += content_range(r, size);
        header += "\r\n\r\n";
        plan.total_length += header.size() + r.length;
        plan.parts.push_back({std::move(header), r});
    }

    plan.trailer = "\r\n--" + boundary + "--\r\n";
    plan.total_length += plan.trailer.size();
    plan.boundary = std::move(boundary);
    return plan;
}

std::string make_boundary() {
    static constexpr std::string_view hex_digits = "0123456789abcdef";
    std::random_device device;
    std::uniform_int_distribution<std::size_t> digit(0, hex_digits.size() - 1);
    std::string boundary(32, '0');
    for (auto& c : boundary) {
        c = hex_digits[digit(device)];
    }
    return boundary;
}

}  // namespace simplefs::http
