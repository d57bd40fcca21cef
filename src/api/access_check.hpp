#pragma once

#include "api/services.hpp"
#include "auth/access_control.hpp"
#include "http/request.hpp"
#include "http/response.hpp"

#include <optional>
#include <string>

namespace simplefs::api {

/// Access control of the routes; with control null every route is open (the default).
struct route_access {
    const auth::access_control* control = nullptr;
    /// GET /metrics needs a valid token (any scope) while tokens are on.
    bool protect_metrics = false;
};

/// What a route asks of the client before its handler runs.
enum class access_rule {
    file,     ///< /files/{name}: read, write or delete by method; a GET of "folder/" is a listing
    listing,  ///< GET /files/
    upload,   ///< POST /files/: write; each part's name is checked as it arrives
    metrics,  ///< GET /metrics: any valid token
    /// /uploads/ (tus): write, whatever the method; the upload's final name is checked against
    /// decision::prefix by the handler, once it is known (creation metadata or stored state).
    uploads,
};

/// The credentials of a request, copied out of its Authorization field and query.
class presented_credentials {
public:
    explicit presented_credentials(const http::request& req);
    auth::credentials view() const;

private:
    std::optional<std::string> bearer_;
    std::optional<std::string> expires_;
    std::optional<std::string> signature_;
};

/// The decision for a request under a rule.
auth::decision check_access(const auth::access_control& control, access_rule rule,
                            const http::request& req, const presented_credentials& cred);

/// The answer to a refused request (401 with a Bearer challenge, or 403), counted in
/// simplefs_auth_failures_total.
http::response refuse(services& svc, const auth::decision& d);

}  // namespace simplefs::api
