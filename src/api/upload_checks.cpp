#include "api/upload_checks.hpp"

#include "api/problem.hpp"
#include "storage/backend.hpp"
#include "storage/errc.hpp"

#include <spdlog/spdlog.h>
#include <boost/asio/experimental/awaitable_operators.hpp>
#include <boost/beast/http/error.hpp>

#include <algorithm>
#include <string_view>
#include <utility>

namespace simplefs::api {

using http::status;

body_buffer::body_buffer(std::size_t chunk_size, std::optional<std::uint64_t> content_length)
    : size(static_cast<std::size_t>(
          std::clamp<std::uint64_t>(content_length.value_or(chunk_size), 1, chunk_size))),
      data(std::make_unique_for_overwrite<char[]>(size)) {}

boost::asio::awaitable<boost::system::error_code> write_chunk(services& svc,
                                                              storage::file_writer& writer,
                                                              std::span<const char> chunk) {
    using namespace boost::asio::experimental::awaitable_operators;
    using boost::system::error_code;
    constexpr std::size_t small_chunk = 64 * 1024;
    const auto store = [&writer, chunk] {
        auto stored = writer.store_chunk(chunk);
        return stored ? error_code{} : stored.error();
    };
    if (chunk.size() <= small_chunk) {
        co_return co_await svc.pool.run([&writer, chunk, store] {
            writer.hash_chunk(chunk);
            return store();
        });
    }
    auto hash = svc.pool.run([&writer, chunk] { writer.hash_chunk(chunk); });
    co_return co_await (std::move(hash) && svc.pool.run(store));
}

boost::asio::awaitable<stored_body> store_body(services& svc, http::body_reader& body,
                                               storage::file_writer& writer,
                                               const storage::commit_options& options) {
    using namespace boost::asio::experimental::awaitable_operators;
    using boost::system::error_code;
    const std::size_t half = std::max<std::size_t>(svc.options.chunk_size / 2, 4096);
    body_buffer current(half, body.content_length());
    body_buffer next(half, body.content_length());
    const auto complete = [&body] {
        const auto length = body.content_length();
        return length && body.bytes_read() == *length;
    };
    stored_body out;
    std::size_t n = co_await body.read_some(current.span(), out.read_error);
    while (!out.read_error && n > 0) {
        const std::span<const char> chunk(current.data.get(), n);
        if (complete()) {
            co_await svc.pool.run([&] {
                writer.hash_chunk(chunk);
                if (auto stored = writer.store_chunk(chunk); !stored) {
                    out.write_error = stored.error();
                } else {
                    out.committed = writer.commit(options);
                }
            });
            if (!out.write_error) {
                svc.metrics.add_upload_bytes(n);
            }
            co_return out;
        }
        // The socket read of the next chunk on this network thread while the pool stores this one.
        auto read_next = [&]() -> boost::asio::awaitable<std::size_t> {
            co_return co_await body.read_some(next.span(), out.read_error);
        };
        auto [write_error, m] = co_await (write_chunk(svc, writer, chunk) && read_next());
        if (write_error) {
            out.read_error = {};
            out.write_error = write_error;
            co_return out;
        }
        svc.metrics.add_upload_bytes(n);
        std::swap(current, next);
        n = m;
    }
    if (!out.read_error) {
        out.committed = co_await svc.pool.run([&] { return writer.commit(options); });
    }
    co_return out;
}

bool at_upload_threshold(const storage::disk_usage& usage, const api_options& options) noexcept {
    return usage.used_fraction * 100.0 >= options.disk_usage_threshold;
}

std::optional<http::response> disk_full_refusal(services& svc) {
    auto usage = svc.store.usage();
    if (usage && at_upload_threshold(*usage, svc.options)) {
        svc.metrics.count_upload_failure("disk_usage_threshold");
        return http::error_response(status::insufficient_storage,
                                    "Insufficient Storage: disk usage above the threshold");
    }
    return std::nullopt;
}

boost::asio::awaitable<std::optional<http::response>> refuse_if_disk_full(services& svc) {
    co_return co_await svc.pool.run([&] { return disk_full_refusal(svc); });
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

namespace {

/// The simplefs_upload_failures_total reason of a storage error.
std::string_view failure_reason(const boost::system::error_code& ec) {
    using storage::errc;
    return ec == errc::precondition_failed                        ? "precondition_failed"
           : ec == errc::digest_mismatch                          ? "digest_mismatch"
           : ec == errc::no_space                                 ? "no_space"
           : ec == errc::unavailable                              ? "unavailable"
           : ec == errc::invalid_name || ec == errc::escapes_root ? "invalid_name"
           : ec == errc::is_directory                             ? "is_directory"
                                                                  : "io_error";
}

}  // namespace

http::response write_failure(services& svc, const boost::system::error_code& ec) {
    svc.metrics.count_upload_failure(failure_reason(ec));
    return storage_problem(ec);
}

http::response commit_failure(services& svc, const boost::system::error_code& ec) {
    if (ec == storage::errc::already_exists) {
        // Only create-only commits (If-None-Match: *) report it.
        svc.metrics.count_upload_failure("precondition_failed");
        return http::error_response(status::precondition_failed, "Precondition Failed");
    }
    return write_failure(svc, ec);
}

}  // namespace simplefs::api
