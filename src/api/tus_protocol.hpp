#pragma once

// The header fields of tus 1.0.0 (https://tus.io/protocols/resumable-upload), parsed once at the
// edge into values. Pure functions: no storage, no I/O.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace simplefs::api::tus {

inline constexpr std::string_view version = "1.0.0";
inline constexpr std::string_view extensions =
    "creation,creation-with-upload,creation-defer-length,termination,checksum,expiration,"
    "concatenation";
inline constexpr std::string_view checksum_algorithms = "sha1,sha256";
/// The only media type a PATCH body (and a creation-with-upload body) may have.
inline constexpr std::string_view offset_media_type = "application/offset+octet-stream";
/// Whether a Content-Type value is offset_media_type (parameters and case ignored).
bool is_offset_stream(std::string_view content_type);
/// Where uploads live; an upload's URL is this followed by its id.
inline constexpr std::string_view uploads_path = "/uploads/";

/// A non-negative decimal integer as Upload-Offset and Upload-Length carry it: digits only, no
/// sign, no spaces inside, fits in 64 bits. Surrounding spaces and tabs are ignored.
std::optional<std::uint64_t> parse_length(std::string_view text);

/// One Upload-Metadata pair; value nullopt for a key given without one.
struct metadata_pair {
    std::string key;
    std::optional<std::string> value;
    bool operator==(const metadata_pair&) const = default;
};

/// Upload-Metadata (tus 1.0.0, creation): comma-separated pairs "key base64(value)" or "key";
/// keys are non-empty, unique, without spaces or commas; values strict base64 (RFC 4648 §4).
/// "" gives no pairs. nullopt when malformed.
std::optional<std::vector<metadata_pair>> parse_upload_metadata(std::string_view text);

/// The value of key, if the key is present with a value.
std::optional<std::string> metadata_value(const std::vector<metadata_pair>& pairs,
                                          std::string_view key);

enum class checksum_algorithm { sha1, sha256 };

/// Upload-Checksum (tus 1.0.0, checksum): "<algorithm> <base64 digest>".
struct upload_checksum {
    enum class outcome {
        absent,       ///< no field
        ok,           ///< algorithm and hex are set
        malformed,    ///< 400
        unsupported,  ///< an algorithm other than sha1 and sha256: 400
    };
    outcome result = outcome::absent;
    checksum_algorithm algorithm = checksum_algorithm::sha256;
    /// Lower-case hex of the digest.
    std::string hex{};
};
upload_checksum parse_upload_checksum(std::string_view text);

/// Upload-Concat (tus 1.0.0, concatenation): "partial", or "final;" followed by the URLs of the
/// partial uploads separated by spaces.
struct upload_concat {
    enum class kind { none, partial, final };
    kind type = kind::none;
    /// For final: the last path segment of each URL (the upload id; the caller validates it).
    std::vector<std::string> parts{};
    bool malformed = false;
};
upload_concat parse_upload_concat(std::string_view text);

}  // namespace simplefs::api::tus
