#include "auth/access_control.hpp"

#include <chrono>

namespace simplefs::auth {

access_control::access_control(std::shared_ptr<const token_table> tokens,
                               std::optional<url_signer> signer, clock now)
    : tokens_enabled_(tokens != nullptr),
      signing_enabled_(signer.has_value()),
      tokens_(std::move(tokens)),
      signer_(signer ? std::make_shared<const url_signer>(std::move(*signer)) : nullptr),
      now_(std::move(now)) {}

access_control::clock access_control::system_clock() {
    return [] {
        return static_cast<std::int64_t>(std::chrono::duration_cast<std::chrono::seconds>(
                                             std::chrono::system_clock::now().time_since_epoch())
                                             .count());
    };
}

void access_control::replace_tokens(std::shared_ptr<const token_table> tokens) {
    if (tokens_enabled_ && tokens != nullptr) {
        std::lock_guard lock(mutex_);
        tokens_ = std::move(tokens);
    }
}

void access_control::replace_signer(url_signer signer) {
    if (signing_enabled_) {
        auto replacement = std::make_shared<const url_signer>(std::move(signer));
        std::lock_guard lock(mutex_);
        signer_ = std::move(replacement);
    }
}

decision access_control::check_signature(const access_request& req, const credentials& cred) const {
    const auto signer = this->signer();
    if (!signer) {
        return {outcome::signing_disabled, {}, {}};
    }
    // A signature grants one method on one file: never a listing or an unnamed upload.
    if (req.listing || !req.name || !cred.expires || !cred.signature) {
        return {outcome::bad_signature, {}, {}};
    }
    const std::string_view method = req.method == "HEAD" ? "GET" : req.method;
    switch (signer->verify(method, *req.name, *cred.expires, *cred.signature, now_())) {
        case signature_check::valid:
            return {outcome::allowed, {}, {}};
        case signature_check::expired:
            return {outcome::expired_signature, {}, {}};
        case signature_check::invalid:
            break;
    }
    return {outcome::bad_signature, {}, {}};
}

decision access_control::authorize(const access_request& req, const credentials& cred) const {
    if (cred.expires || cred.signature) {
        return check_signature(req, cred);
    }
    return check_token(cred, &req);
}

decision access_control::authorize_any_token(const credentials& cred) const {
    return check_token(cred, nullptr);
}

decision access_control::check_token(const credentials& cred, const access_request* req) const {
    if (!tokens_enabled_) {
        return {outcome::allowed, {}, {}};
    }
    if (!cred.bearer) {
        return {outcome::no_credentials, {}, {}};
    }
    const auto table = tokens();
    const token_grant* grant = table->find(*cred.bearer);
    if (grant == nullptr) {
        return {outcome::invalid_token, {}, {}};
    }
    decision d{outcome::allowed, {}, {}};
    d.who = grant->name;
    if (req == nullptr) {
        return d;
    }
    if (!has_scope(grant->scopes, req->needed)) {
        d.result = outcome::missing_scope;
        return d;
    }
    if (req->name && !grant->prefix.empty()) {
        const bool inside = req->listing ? req->name->starts_with(grant->prefix + '/')
                                         : within_prefix(*req->name, grant->prefix);
        if (!inside) {
            d.result = outcome::outside_prefix;
            return d;
        }
    }
    d.prefix = grant->prefix;
    return d;
}

}  // namespace simplefs::auth
