#pragma once

#include "http/conditional.hpp"
#include "http/request.hpp"
#include "http/response.hpp"
#include "storage/backend.hpp"

#include <string>

namespace simplefs::api {

/// The conditional request fields of one request, with repeated list fields joined (RFC 9110
/// §5.3), kept alive for the views in http::conditional_headers.
class request_conditions {
public:
    explicit request_conditions(const http::request_header& header);
    http::conditional_headers view() const;
    /// True when the request makes its effect depend on the current version (If-Match or
    /// If-Unmodified-Since): a write must then commit only over that same version.
    bool pins_current_version() const {
        return !if_match_.empty() || !if_unmodified_since_.empty();
    }
    bool create_only() const;  ///< If-None-Match: *

private:
    std::string if_match_, if_none_match_, if_modified_since_, if_unmodified_since_, if_range_;
};

/// What the preconditions are evaluated against.
http::resource_state state_of(const storage::file_info* info);

}  // namespace simplefs::api
