#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace simplefs::http {

/// Encodes `bytes` as base64 (RFC 4648 §4) with '=' padding and no line breaks.
std::string base64_encode(std::span<const std::uint8_t> bytes);

/// Decodes base64 (RFC 4648 §4) strictly, accepting only the canonical encoding (§3.5): the
/// length is a multiple of 4, every character is from the base64 alphabet, '=' appears only as
/// one or two final padding characters, and the pad bits of the last symbol are zero. No
/// whitespace or line breaks are allowed (§3.3). "" decodes to no bytes. Returns nullopt for
/// anything else.
std::optional<std::vector<std::uint8_t>> base64_decode(std::string_view text);

/// Re-encodes a hex string (e.g. a SHA-256 digest from the file store) as base64.
/// Precondition: even length and hex digits only (either case). If it is broken the result is
/// unspecified but the call is memory-safe.
std::string hex_to_base64(std::string_view hex);

/// Decodes `b64` with base64_decode and returns the bytes as lowercase hex; nullopt when
/// base64_decode rejects it.
std::optional<std::string> base64_to_hex(std::string_view b64);

/// The digests a request asked us to verify against its content.
struct content_digests {
    /// Lowercase hex of the `sha-256` member of Content-Digest (RFC 9530 §2).
    std::optional<std::string> sha256_hex;
    /// Lowercase hex of the Content-MD5 value (RFC 1864).
    std::optional<std::string> md5_hex;
    /// A field was present but not acceptable; the caller answers 400. The digests of any field
    /// that did parse are still filled in.
    bool malformed = false;
};

/// Parses the request's Content-Digest (RFC 9530 §2) and Content-MD5 (RFC 1864) field values;
/// "" (or only spaces and tabs) means the field is absent. Surrounding spaces and tabs are ignored.
///
/// Content-Digest must be an RFC 8941 §3.2 Dictionary (parsed per §4.2.2, so algorithm keys are
/// lowercase, parameters are allowed and ignored, a repeated key keeps its last value, and any
/// syntax error makes the field malformed). Only `sha-256` is used: its value must be a Byte
/// Sequence (§3.3.5) of exactly 32 bytes. Other members are ignored whatever their value, so a
/// field naming only unknown algorithms yields no sha256_hex and is not malformed. Per
/// §4.2.7 the byte sequence may omit '=' padding and have non-zero pad bits.
///
/// Content-MD5 must be strict base64 (see base64_decode) of exactly 16 bytes.
content_digests parse_content_digests(std::string_view content_digest,
                                      std::string_view content_md5);

/// Formats a Repr-Digest (RFC 9530 §3) or Content-Digest (§2) field value carrying one SHA-256
/// digest: "sha-256=:<base64>:". `sha256_hex` has hex_to_base64's precondition.
std::string format_sha256_digest_field(std::string_view sha256_hex);

/// Decides from a Want-Repr-Digest or Want-Content-Digest field value (RFC 9530 §4) whether to
/// send a SHA-256 digest. The field is an RFC 8941 Dictionary of algorithm -> Integer preference
/// 0..10, where 0 means "not acceptable"; parameters are ignored and a repeated key keeps its
/// last value. Returns true when the field is absent ("" or only spaces and tabs), when it is
/// malformed (not a Dictionary, or its `sha-256` member is not an Integer in 0..10) and therefore
/// ignored, or when `sha-256` has a preference above 0. Returns false when `sha-256` is absent
/// or 0. Only the `sha-256` member's value is checked.
bool wants_sha256(std::string_view want_field);

}  // namespace simplefs::http
