#pragma once

#include <boost/system/error_code.hpp>

#include <cstddef>
#include <string_view>

namespace simplefs::storage {

/// Longest name segment (a file or folder name) in bytes, as on Linux filesystems.
inline constexpr std::size_t max_segment_bytes = 255;
/// Longest whole name (all segments with their '/').
inline constexpr std::size_t max_name_bytes = 1024;
/// Names of temp files start with this; such names are never served, listed or accepted.
inline constexpr std::string_view temp_prefix = ".simplefs.tmp.";

/// Checks a client-supplied file name: a relative path of '/'-separated segments. Rejects
/// empty names and segments, "." and "..", a leading '/', NUL and other control characters
/// (< 0x20 and 0x7f), '\\', segments over max_segment_bytes, names over max_name_bytes and
/// segments starting with temp_prefix. Returns errc::invalid_name or success.
boost::system::error_code validate_name(std::string_view name) noexcept;

}  // namespace simplefs::storage
