#include "api/upload_checks.hpp"

#include "api/problem.hpp"
#include "storage/errc.hpp"

#include <spdlog/spdlog.h>
#include <boost/beast/http/error.hpp>

namespace simplefs::api {

using http::status;

boost::asio::awaitable<std::optional<http::response>> refuse_if_disk_full(services& svc) {
    auto usage = co_await svc.pool.run([&] { return svc.store.usage(); });
    if (usage && usage->used_fraction * 100.0 >= svc.options.disk_usage_threshold) {
        svc.metrics.count_upload_failure("disk_usage_threshold");
        co_return http::error_response(status::insufficient_storage,
                                       "Insufficient Storage: disk usage above the threshold");
    }
    co_return std::nullopt;
}

http::response body_failure(services& svc, const http::request& req,
                            const boost::system::error_code& ec) {
    if (ec == boost::beast::http::error::body_limit) {
        svc.metrics.count_upload_failure("too_large");
        return http::error_response(status::payload_too_large, "Request body too large");
    }
    spdlog::info("upload from {} aborted: {}", req.peer, ec.message());
    svc.metrics.count_upload_failure("client_disconnect");
    auto res = http::error_response(status::bad_request, "Upload interrupted");
    res.close = true;
    return res;
}

http::response commit_failure(services& svc, const boost::system::error_code& ec) {
    using storage::errc;
    if (ec == errc::already_exists) {
        // Only create-only commits (If-None-Match: *) report it.
        svc.metrics.count_upload_failure("precondition_failed");
        return http::error_response(status::precondition_failed, "Precondition Failed");
    }
    svc.metrics.count_upload_failure(ec == errc::precondition_failed ? "precondition_failed"
                                     : ec == errc::digest_mismatch   ? "digest_mismatch"
                                     : ec == errc::no_space          ? "no_space"
                                     : ec == errc::unavailable       ? "unavailable"
                                                                     : "io_error");
    return storage_problem(ec);
}

}  // namespace simplefs::api
