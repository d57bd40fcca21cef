#pragma once

#include "api/embedded_asset.hpp"
#include "api/services.hpp"
#include "http/request.hpp"
#include "http/response.hpp"

#include <boost/asio/awaitable.hpp>

#include <optional>
#include <string_view>

namespace simplefs::api {

/// The embedded file of the web page (web/page/) with that url name ("index.html", "app.js",
/// ...), nullopt for any other name. Defined in the source cmake/embed_assets.cmake generates.
std::optional<embedded_asset> find_page_asset(std::string_view url_name);

/// GET /: the file browser (web/page/index.html), which holds the original's upload form, so
/// it works without JavaScript. Its references to /ui/ assets carry `?v=<content hash>`.
/// `Cache-Control: no-cache` with an ETag: browsers revalidate it (304) on every visit.
boost::asio::awaitable<http::response> index_page(services& svc, http::request& req);

/// GET /ui/{asset}: a script, style or image of the page, with an ETag. With the `v` the page
/// links it with (the current content hash) it may be cached a year, since another content
/// has another URL; otherwise no-cache. 404 for unknown names.
boost::asio::awaitable<http::response> page_asset(services& svc, http::request& req);

}  // namespace simplefs::api
