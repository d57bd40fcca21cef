#pragma once

#include "api/services.hpp"
#include "http/request.hpp"
#include "http/response.hpp"

#include <boost/asio/awaitable.hpp>

#include <string_view>

namespace simplefs::api {

/// GET /health: {"status":"alive"}; refreshes the disk_used gauge.
boost::asio::awaitable<http::response> health(services& svc, http::request& req);
/// GET /readyz: 200 {"status":"ready"} while the storage can serve, else 503 with the reason.
/// Never waits for the storage.
boost::asio::awaitable<http::response> readyz(services& svc, http::request& req);
/// GET /livez: 200 {"status":"alive"} whenever the process answers at all.
boost::asio::awaitable<http::response> livez(services& svc, http::request& req);
/// GET /metrics: Prometheus text format 0.0.4.
boost::asio::awaitable<http::response> metrics_page(services& svc, http::request& req);
/// POST /files/: multipart/form-data upload, file(s) in field "file"; 202 once stored.
boost::asio::awaitable<http::response> post_files(services& svc, http::request& req);
/// post_files for a client limited to one prefix (auth::within_prefix): a part whose name is
/// outside it ends the request with 403 before anything of that part is stored, and nothing of
/// the request is committed.
boost::asio::awaitable<http::response> post_files_within(services& svc, http::request& req,
                                                         std::string_view prefix);
/// GET (and HEAD) /files/{name}: the file, with conditionals and ranges; a name ending in '/'
/// lists that folder.
boost::asio::awaitable<http::response> get_file(services& svc, http::request& req);
/// GET /files/ and /files/{folder}/: one page of a folder's listing.
boost::asio::awaitable<http::response> list_files(services& svc, http::request& req);
/// PUT /files/{name}: the raw body becomes the file; 201 new, 200 replaced.
boost::asio::awaitable<http::response> put_file(services& svc, http::request& req);
/// DELETE /files/{name}: 204.
boost::asio::awaitable<http::response> delete_file(services& svc, http::request& req);

}  // namespace simplefs::api
