#pragma once

#include "http/response.hpp"

#include <boost/system/error_code.hpp>

namespace simplefs::api {

/// The one table from a storage (or other) error to the client's answer. Details of unexpected
/// errors go to the log, never to the client.
http::response storage_problem(const boost::system::error_code& ec);

/// FastAPI's validation error for a missing form field, as the original answered it.
http::response missing_field(std::string_view field_name);

}  // namespace simplefs::api
