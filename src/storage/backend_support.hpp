#pragma once

#include <chrono>
#include <cstdint>
#include <ctime>
#include <string>
#include <string_view>

namespace simplefs::storage {

/// Pieces every backend shares: the metadata it records and the rules for it. Not HTTP, not
/// tied to a filesystem API.

inline constexpr const char* sha256_xattr = "user.simplefs.sha256";
inline constexpr const char* content_type_xattr = "user.simplefs.content_type";
inline constexpr std::size_t sha256_hex_size = 64;
/// SHA-256 of zero bytes: empty files are never read to learn it.
inline constexpr std::string_view empty_sha256 =
    "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";

bool is_lower_hex(std::string_view text) noexcept;
/// Compares two hex digests without regard to case.
bool same_hex(std::string_view a, std::string_view b) noexcept;
/// Printable ASCII, space and tab, at most max_content_type_bytes: safe in a header field.
bool valid_content_type(std::string_view text) noexcept;
/// "<temp_prefix><16 random hex digits>"
std::string make_temp_name();
/// bytes random bytes (getrandom) as lower-case hex: 2 * bytes digits.
std::string random_hex(std::size_t bytes);

std::chrono::system_clock::time_point to_time_point(const timespec& ts);
std::int64_t to_nanoseconds(const timespec& ts) noexcept;

}  // namespace simplefs::storage
