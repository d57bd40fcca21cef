#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace simplefs::auth {

/// Query parameters of a signed URL: the expiry (Unix seconds) and the signature (64 lower-case
/// hex digits of HMAC-SHA256).
inline constexpr std::string_view expires_param = "X-Simplefs-Expires";
inline constexpr std::string_view signature_param = "X-Simplefs-Signature";

/// The text the HMAC covers: a version tag, the method, the decoded file name and the expiry,
/// one per line. The name is last but one and lines end in '\n', so no change of one field can
/// be moved into another.
std::string canonical_request(std::string_view method, std::string_view name, std::int64_t expires);

enum class signature_check {
    valid,
    expired,  ///< the signature is right but the URL's time is over
    invalid,  ///< wrong signature, or a malformed expiry or signature
};

/// Signs and checks URLs with one secret (HMAC-SHA256). Immutable, so safe from any thread.
class url_signer {
public:
    explicit url_signer(std::string secret) : secret_(std::move(secret)) {}

    /// 64 lower-case hex digits.
    std::string sign(std::string_view method, std::string_view name, std::int64_t expires) const;

    /// Checks the parameters as they arrived (decoded query values). The signature is compared
    /// in constant time before the expiry is looked at, so an expired URL is reported as such
    /// only to someone who had a valid one.
    signature_check verify(std::string_view method, std::string_view name,
                           std::string_view expires_text, std::string_view signature,
                           std::int64_t now) const;

private:
    std::string secret_;
};

/// Minimum length of a signing secret, in bytes.
inline constexpr std::size_t min_secret_length = 32;

/// Outcome of load_secret_file: the secret, or why there is none.
struct secret_result {
    std::optional<std::string> secret;
    std::string error;
};

/// Reads a secret file: its content without trailing whitespace (a newline an editor adds must
/// not change the secret), at least min_secret_length bytes.
secret_result load_secret_file(const std::string& path);

/// base_url + "/files/" + the name percent-encoded (each '/' kept) + the two parameters.
std::string signed_url(const url_signer& signer, std::string_view base_url, std::string_view method,
                       std::string_view name, std::int64_t expires);

}  // namespace simplefs::auth
