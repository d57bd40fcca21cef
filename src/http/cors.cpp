#include "http/cors.hpp"

#include <algorithm>

namespace simplefs::http {
namespace {

constexpr std::string_view allowed_methods = "DELETE, GET, HEAD, OPTIONS, PATCH, POST, PUT";
// Beyond the CORS-safelisted ones, so that scripts can read what a file service answers.
constexpr std::string_view exposed_headers =
    "Content-Disposition, Content-Length, Content-Range, Accept-Ranges, ETag, Last-Modified, "
    "Location, WWW-Authenticate, Tus-Resumable, Tus-Version, Tus-Extension, Tus-Max-Size, "
    "Tus-Checksum-Algorithm, Upload-Offset, Upload-Length, Upload-Defer-Length, Upload-Metadata, "
    "Upload-Concat, Upload-Expires, Upload-File";

}  // namespace

cors_policy::cors_policy(std::vector<std::string> allowed_origins)
    : origins_(std::move(allowed_origins)),
      any_origin_(std::ranges::find(origins_, "*") != origins_.end()) {}

bool cors_policy::allows(std::string_view origin) const {
    return any_origin_ || std::ranges::find(origins_, origin) != origins_.end();
}

std::optional<response> cors_policy::preflight(const request_header& req) const {
    if (origins_.empty() || req.method() != boost::beast::http::verb::options) {
        return std::nullopt;
    }
    auto origin = req[field::origin];
    if (origin.empty() || req[field::access_control_request_method].empty()) {
        return std::nullopt;
    }
    if (!allows(origin)) {
        return make_response(status::bad_request, "Disallowed CORS origin",
                             "text/plain; charset=utf-8");
    }
    auto res = make_response(status::ok, "OK", "text/plain; charset=utf-8");
    auto& m = res.message;
    m.set(field::access_control_allow_origin, origin);
    m.set(field::access_control_allow_methods, allowed_methods);
    m.set(field::access_control_max_age, "600");
    m.set(field::access_control_allow_credentials, "true");
    if (auto requested = req[field::access_control_request_headers]; !requested.empty()) {
        m.set(field::access_control_allow_headers, requested);
    }
    m.set(field::vary, "Origin");
    return res;
}

void cors_policy::decorate(const request_header& req, response& res) const {
    auto origin = req[field::origin];
    if (origins_.empty() || origin.empty() || !allows(origin)) {
        return;
    }
    auto& m = res.message;
    m.set(field::access_control_allow_origin, origin);
    m.set(field::access_control_allow_credentials, "true");
    m.set(field::access_control_expose_headers, exposed_headers);
    m.set(field::vary, "Origin");
}

}  // namespace simplefs::http
