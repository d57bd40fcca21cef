#include "api/upload_checks.hpp"

#include "api/problem.hpp"
#include "storage/backend.hpp"
#include "storage/errc.hpp"

#include <spdlog/spdlog.h>
#include <boost/asio/experimental/awaitable_operators.hpp>
#include <boost/beast/http/error.hpp>

#include <algorithm>
#include <utility>
#include <vector>

namespace simplefs::api {

using http::status;

boost::asio::awaitable<body_copy> copy_body(services& svc, http::body_reader& body,
                                            storage::file_writer& writer) {
    using namespace boost::asio::experimental::awaitable_operators;
    const std::size_t half = std::max<std::size_t>(svc.options.chunk_size / 2, 4096);
    std::vector<char> current(half);
    std::vector<char> next(half);
    body_copy outcome;
    std::size_t n = co_await body.read_some(current, outcome.read_error);
    while (!outcome.read_error && n > 0) {
        const std::span<const char> chunk(current.data(), n);
        // Three steps at once: SHA-256 on one pool thread, the disk write on another, and the
        // socket read of the next chunk on this network thread.
        auto hash = svc.pool.run([&writer, chunk] { writer.hash_chunk(chunk); });
        auto store = svc.pool.run([&writer, chunk] {
            auto written = writer.store_chunk(chunk);
            return written ? boost::system::error_code{} : written.error();
        });
        auto read_next = [&]() -> boost::asio::awaitable<std::size_t> {
            co_return co_await body.read_some(next, outcome.read_error);
        };
        auto [write_error, m] = co_await (std::move(hash) && std::move(store) && read_next());
        if (write_error) {
            outcome.read_error = {};
            outcome.write_error = write_error;
            co_return outcome;
        }
        svc.metrics.add_upload_bytes(n);
        std::swap(current, next);
        n = m;
    }
    co_return outcome;
}

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
