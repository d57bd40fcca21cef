#pragma once

#include "api/services.hpp"
#include "http/router.hpp"

namespace simplefs::api {

/// The service's routes: the original's API (/, /files/, /files/{name}, /health, /metrics).
/// The handlers keep a reference to svc.
http::router make_routes(services& svc);

}  // namespace simplefs::api
