#include "api/access_check.hpp"

#include "api/query.hpp"

#include <spdlog/spdlog.h>
#include <boost/beast/core/string.hpp>
#include <boost/beast/http/verb.hpp>

namespace simplefs::api {
namespace {

using auth::outcome;
using http::status;

constexpr std::string_view challenge = R"(Bearer realm="simplefs")";

/// RFC 6750 §2.1: "Bearer" 1*SP b64token. nullopt when the field is absent or names another
/// scheme (answered as if no token was sent).
std::optional<std::string> bearer_token(std::string_view field) {
    constexpr std::string_view scheme = "Bearer";
    if (field.size() <= scheme.size() ||
        !boost::beast::iequals(field.substr(0, scheme.size()), scheme) ||
        field[scheme.size()] != ' ') {
        return std::nullopt;
    }
    field.remove_prefix(scheme.size());
    while (!field.empty() && field.front() == ' ') {
        field.remove_prefix(1);
    }
    while (!field.empty() && (field.back() == ' ' || field.back() == '\t')) {
        field.remove_suffix(1);
    }
    return std::string(field);
}

auth::scope scope_of(boost::beast::http::verb method) {
    switch (method) {
        case boost::beast::http::verb::put:
        case boost::beast::http::verb::post:
            return auth::scope::write;
        case boost::beast::http::verb::delete_:
            return auth::scope::remove;
        default:
            return auth::scope::read;
    }
}

std::string_view reason_of(outcome o) {
    switch (o) {
        case outcome::allowed:
            return "allowed";
        case outcome::no_credentials:
            return "missing_token";
        case outcome::invalid_token:
            return "invalid_token";
        case outcome::missing_scope:
            return "missing_scope";
        case outcome::outside_prefix:
            return "outside_prefix";
        case outcome::bad_signature:
            return "bad_signature";
        case outcome::expired_signature:
            return "expired_signature";
        case outcome::signing_disabled:
            return "signing_disabled";
    }
    return "unknown";
}

}  // namespace

presented_credentials::presented_credentials(const http::request& req)
    : bearer_(bearer_token(req.header[http::field::authorization])),
      expires_(query_value(req.query, auth::expires_param)),
      signature_(query_value(req.query, auth::signature_param)) {}

auth::credentials presented_credentials::view() const {
    auth::credentials c;
    if (bearer_) {
        c.bearer = *bearer_;
    }
    if (expires_) {
        c.expires = *expires_;
    }
    if (signature_) {
        c.signature = *signature_;
    }
    return c;
}

auth::decision check_access(const auth::access_control& control, access_rule rule,
                            const http::request& req, const presented_credentials& cred) {
    const auth::credentials c = cred.view();
    if (rule == access_rule::metrics) {
        return control.authorize_any_token(c);
    }
    auth::access_request wanted;
    wanted.method = req.header.method_string();
    wanted.needed = scope_of(req.header.method());
    // For a listing: the names it could show start with folder + '/' + ?prefix=.
    std::string listed;
    if (rule == access_rule::listing ||
        (rule == access_rule::file && req.route_param.ends_with('/') &&
         wanted.needed == auth::scope::read)) {
        wanted.needed = auth::scope::list;
        wanted.listing = true;
        listed = std::string(req.route_param) + query_value(req.query, "prefix").value_or("");
        wanted.name = listed;
    } else if (rule == access_rule::file) {
        wanted.name = req.route_param;
    } else if (rule == access_rule::uploads) {
        wanted.needed = auth::scope::write;
    }
    return control.authorize(wanted, c);
}

http::response refuse(services& svc, const auth::decision& d) {
    svc.metrics.count_auth_failure(reason_of(d.result));
    spdlog::debug("access refused ({}){}{}", reason_of(d.result), d.who.empty() ? "" : " for ",
                  d.who);
    switch (d.result) {
        case outcome::no_credentials: {
            auto res = http::error_response(status::unauthorized, "Not authenticated");
            res.message.set(http::field::www_authenticate, challenge);
            return res;
        }
        case outcome::invalid_token: {
            auto res = http::error_response(status::unauthorized, "Invalid token");
            res.message.set(http::field::www_authenticate,
                            std::string(challenge) + R"(, error="invalid_token")");
            return res;
        }
        case outcome::missing_scope:
        case outcome::outside_prefix: {
            auto res = http::error_response(status::forbidden,
                                            d.result == outcome::missing_scope
                                                ? "The token does not allow this operation"
                                                : "The token does not allow this name");
            res.message.set(http::field::www_authenticate,
                            std::string(challenge) + R"(, error="insufficient_scope")");
            return res;
        }
        case outcome::expired_signature:
            return http::error_response(status::forbidden, "Signed URL expired");
        case outcome::signing_disabled:
            return http::error_response(status::forbidden, "Signed URLs are not enabled");
        case outcome::bad_signature:
        case outcome::allowed:
            break;
    }
    return http::error_response(status::forbidden, "Invalid signature");
}

}  // namespace simplefs::api
