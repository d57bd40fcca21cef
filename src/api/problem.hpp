#pragma once

#include "http/response.hpp"

#include <boost/system/error_code.hpp>

#include <string_view>

namespace simplefs::api {

/// The one table from a storage (or other) error to the client's answer. Details of unexpected
/// errors go to the log, never to the client.
http::response storage_problem(const boost::system::error_code& ec);

/// 503 {"detail": detail} with `Retry-After: 5`: the storage cannot be reached now
/// (storage::errc::unavailable, GET /readyz).
http::response unavailable_response(std::string_view detail);

/// FastAPI's validation error for a missing form field, as the original answered it.
http::response missing_field(std::string_view field_name);

}  // namespace simplefs::api
