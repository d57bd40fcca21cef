#pragma once

#include "api/access_check.hpp"
#include "api/services.hpp"
#include "http/router.hpp"

namespace simplefs::api {

/// The service's routes: the original's API (/, /files/, /files/{name}, /health, /metrics).
/// The handlers keep a reference to svc (and to access.control, when set). With access control,
/// the /files routes (and /metrics when protected) check the request before their handler runs;
/// /, /health, /livez, /readyz, /docs and /openapi.json stay open.
http::router make_routes(services& svc, const route_access& access = {});

}  // namespace simplefs::api
