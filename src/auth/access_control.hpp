#pragma once

#include "auth/scope.hpp"
#include "auth/token_table.hpp"
#include "auth/url_signer.hpp"

#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>

namespace simplefs::auth {

/// What a request wants to do.
struct access_request {
    scope needed = scope::read;
    /// The HTTP method, for signed URLs ("HEAD" is checked as "GET").
    std::string_view method;
    /// The file name; for a listing, the names it may show start with this (the folder plus
    /// '/' plus the listing's prefix parameter). nullopt when the names are not known before the
    /// body is read (POST /files/): the caller checks each with decision::may_touch.
    std::optional<std::string_view> name;
    bool listing = false;
};

/// What the client presented. Signature parameters take precedence over a token.
struct credentials {
    std::optional<std::string_view> bearer;     ///< the token of "Authorization: Bearer ..."
    std::optional<std::string_view> expires;    ///< expires_param's decoded value
    std::optional<std::string_view> signature;  ///< signature_param's decoded value
};

enum class outcome {
    allowed,
    no_credentials,     ///< 401: neither a token nor a signature
    invalid_token,      ///< 401: a token that is not in the table
    missing_scope,      ///< 403
    outside_prefix,     ///< 403: the name is not under the token's prefix
    bad_signature,      ///< 403: tampered, malformed, or for another method or name
    expired_signature,  ///< 403
    signing_disabled,   ///< 403: signature parameters, but the server has no secret
};

struct decision {
    outcome result = outcome::no_credentials;
    /// The token's name (logs); empty for a signed URL or when auth is off.
    std::string who;
    /// When allowed by a token with a prefix: the names it may touch (see within_prefix).
    std::string prefix;

    bool allowed() const noexcept { return result == outcome::allowed; }
    bool may_touch(std::string_view file_name) const noexcept {
        return within_prefix(file_name, prefix);
    }
};

/// The server's access policy: bearer tokens and signed URLs, both replaceable at run time (on
/// SIGHUP). Thread-safe.
class access_control {
public:
    using clock = std::function<std::int64_t()>;  ///< Unix time in seconds

    /// tokens null: tokens are off and only signatures (when given) are checked. signer
    /// nullopt: signed URLs are refused.
    access_control(std::shared_ptr<const token_table> tokens, std::optional<url_signer> signer,
                   clock now = system_clock());

    decision authorize(const access_request& req, const credentials& cred) const;

    /// For endpoints that need only some valid token (e.g. /metrics when protected).
    decision authorize_any_token(const credentials& cred) const;

    /// Takes effect for requests that start after the call. Ignored while tokens are off.
    void replace_tokens(std::shared_ptr<const token_table> tokens);
    /// A new signing secret: URLs signed with the old one stop working. Ignored while signing is
    /// off.
    void replace_signer(url_signer signer);

    bool tokens_enabled() const noexcept { return tokens_enabled_; }
    bool signing_enabled() const noexcept { return signing_enabled_; }

    static clock system_clock();

private:
    decision check_signature(const access_request& req, const credentials& cred) const;
    /// The bearer token's decision for req; req null: any valid token will do.
    decision check_token(const credentials& cred, const access_request* req) const;
    std::shared_ptr<const token_table> tokens() const {
        std::lock_guard lock(mutex_);
        return tokens_;
    }
    std::shared_ptr<const url_signer> signer() const {
        std::lock_guard lock(mutex_);
        return signer_;
    }

    const bool tokens_enabled_;
    const bool signing_enabled_;
    // A mutex, not std::atomic<std::shared_ptr>: GCC 12's lock-bit implementation of the latter
    // is reported as a data race by TSan.
    mutable std::mutex mutex_;
    std::shared_ptr<const token_table> tokens_;
    std::shared_ptr<const url_signer> signer_;
    clock now_;
};

}  // namespace simplefs::auth
