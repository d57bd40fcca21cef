#pragma once

#include "http/request.hpp"
#include "http/response.hpp"

#include <optional>
#include <string>
#include <vector>

namespace simplefs::http {

/// CORS as the original's Starlette CORSMiddleware did it (Fetch standard, §3.2): listed origins
/// (or "*"), credentials allowed, every method and header. An empty list turns CORS off.
class cors_policy {
public:
    explicit cors_policy(std::vector<std::string> allowed_origins);

    /// The whole answer to a preflight (OPTIONS with Origin and Access-Control-Request-Method),
    /// or nullopt when the request is not a preflight (or CORS is off).
    std::optional<response> preflight(const request_header& req) const;
    /// Adds the CORS headers of an actual request's response (none for a foreign origin).
    void decorate(const request_header& req, response& res) const;

private:
    bool allows(std::string_view origin) const;

    std::vector<std::string> origins_;
    bool any_origin_ = false;
};

}  // namespace simplefs::http
