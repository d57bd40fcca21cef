#pragma once

#include "api/services.hpp"
#include "http/request.hpp"
#include "http/response.hpp"

#include <boost/asio/awaitable.hpp>
#include <boost/system/error_code.hpp>

#include <optional>

namespace simplefs::api {

/// 507 while the volume is fuller than the configured threshold; checked before a body is read.
boost::asio::awaitable<std::optional<http::response>> refuse_if_disk_full(services& svc);

/// The answer when reading an upload's body failed: 413 over the size limit, else the client is
/// gone (the answer then closes the connection). Counts the failure.
http::response body_failure(services& svc, const http::request& req,
                            const boost::system::error_code& ec);

/// The answer when a commit failed: 412 for a lost precondition race or an existing name under
/// If-None-Match: *, 400 for a digest mismatch, else the storage table. Counts the failure.
http::response commit_failure(services& svc, const boost::system::error_code& ec);

}  // namespace simplefs::api
