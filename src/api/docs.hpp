#pragma once

#include "api/embedded_asset.hpp"
#include "api/services.hpp"
#include "http/request.hpp"
#include "http/response.hpp"

#include <boost/asio/awaitable.hpp>

#include <optional>
#include <string_view>

namespace simplefs::api {

/// The embedded file with that url name ("openapi.json", "swagger-ui.css", ...), nullopt for
/// any other name. Defined in the source that cmake/embed_assets.cmake generates at build time.
std::optional<embedded_asset> find_docs_asset(std::string_view url_name);

/// GET /openapi.json: the OpenAPI 3.1 description of the API (src/api/openapi.json).
boost::asio::awaitable<http::response> openapi_document(services& svc, http::request& req);
/// GET /docs: Swagger UI for /openapi.json, with every script and style from /docs/{asset}.
boost::asio::awaitable<http::response> docs_page(services& svc, http::request& req);
/// GET /docs/{asset}: an embedded Swagger UI file (cached a day); 404 for unknown names.
boost::asio::awaitable<http::response> docs_asset(services& svc, http::request& req);

}  // namespace simplefs::api
