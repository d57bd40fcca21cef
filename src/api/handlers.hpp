#pragma once

#include "api/services.hpp"
#include "http/request.hpp"
#include "http/response.hpp"

#include <boost/asio/awaitable.hpp>

namespace simplefs::api {

/// GET /: the upload form.
boost::asio::awaitable<http::response> index_page(services& svc, http::request& req);
/// GET /health: {"status":"alive"}; refreshes the disk_used gauge.
boost::asio::awaitable<http::response> health(services& svc, http::request& req);
/// GET /metrics: Prometheus text format 0.0.4.
boost::asio::awaitable<http::response> metrics_page(services& svc, http::request& req);
/// POST /files/: multipart/form-data upload, file(s) in field "file"; 202 once stored.
boost::asio::awaitable<http::response> post_files(services& svc, http::request& req);
/// GET /files/{name}: the file as an attachment.
boost::asio::awaitable<http::response> get_file(services& svc, http::request& req);

}  // namespace simplefs::api
