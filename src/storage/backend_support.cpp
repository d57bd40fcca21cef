#include "storage/backend_support.hpp"

#include "storage/backend.hpp"
#include "storage/name.hpp"

#include <sys/random.h>

#include <algorithm>
#include <array>
#include <random>
#include <vector>

namespace simplefs::storage {
namespace {

char lower_ascii(char c) noexcept {
    return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c;
}

}  // namespace

bool is_lower_hex(std::string_view text) noexcept {
    return std::all_of(text.begin(), text.end(),
                       [](char c) { return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'); });
}

bool same_hex(std::string_view a, std::string_view b) noexcept {
    return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
               return lower_ascii(x) == lower_ascii(y);
           });
}

bool valid_content_type(std::string_view text) noexcept {
    if (text.size() > max_content_type_bytes) {
        return false;
    }
    return std::all_of(text.begin(), text.end(), [](char c) {
        const auto byte = static_cast<unsigned char>(c);
        return (byte >= 0x20 && byte < 0x7f) || c == '\t';
    });
}

std::string random_hex(std::size_t bytes) {
    std::vector<unsigned char> random(bytes);
    if (::getrandom(random.data(), random.size(), 0) != static_cast<ssize_t>(random.size())) {
        std::random_device device;
        for (auto& byte : random) {
            byte = static_cast<unsigned char>(device());
        }
    }
    static constexpr char digits[] = "0123456789abcdef";
    std::string hex;
    hex.reserve(bytes * 2);
    for (const unsigned char byte : random) {
        hex += digits[byte >> 4];
        hex += digits[byte & 0x0f];
    }
    return hex;
}

std::string make_temp_name() {
    return std::string(temp_prefix) + random_hex(8);
}

std::chrono::system_clock::time_point to_time_point(const timespec& ts) {
    const auto since_epoch = std::chrono::seconds(ts.tv_sec) + std::chrono::nanoseconds(ts.tv_nsec);
    return std::chrono::system_clock::time_point(
        std::chrono::duration_cast<std::chrono::system_clock::duration>(since_epoch));
}

std::int64_t to_nanoseconds(const timespec& ts) noexcept {
    return static_cast<std::int64_t>(ts.tv_sec) * 1'000'000'000 + ts.tv_nsec;
}

}  // namespace simplefs::storage
