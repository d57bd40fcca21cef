#include "api/file_body.hpp"
#include "api/handlers.hpp"
#include "api/problem.hpp"
#include "http/content_disposition.hpp"
#include "http/http_date.hpp"
#include "http/mime_types.hpp"
#include "storage/name.hpp"

#include <fmt/format.h>

namespace simplefs::api {
namespace {

std::string_view last_segment(std::string_view name) {
    auto slash = name.rfind('/');
    return slash == std::string_view::npos ? name : name.substr(slash + 1);
}

/// Strong when the upload recorded the content's SHA-256; otherwise nginx's shape from the
/// modification time and size.
std::string entity_tag(const storage::file_info& info) {
    if (!info.sha256_hex.empty()) {
        return '"' + info.sha256_hex + '"';
    }
    auto mtime =
        std::chrono::duration_cast<std::chrono::nanoseconds>(info.modified.time_since_epoch())
            .count();
    return fmt::format("\"{:x}-{:x}\"", mtime, info.size);
}

}  // namespace

boost::asio::awaitable<http::response> get_file(services& svc, http::request& req) {
    const std::string_view name = req.route_param;
    if (auto ec = storage::validate_name(name)) {
        co_return storage_problem(ec);
    }
    auto opened = co_await svc.pool.run([&] { return svc.store.open_read(name); });
    if (!opened) {
        if (opened.error() == storage::errc::is_directory) {
            co_return http::error_response(http::status::not_found, "Not Found");
        }
        co_return storage_problem(opened.error());
    }
    const auto& info = (*opened)->info();
    auto res = http::make_response(http::status::ok, {}, http::content_type_for(name));
    auto& m = res.message;
    auto download_name =
        fmt::format("download_{}_{}", http::format_compact_local(std::chrono::system_clock::now()),
                    last_segment(name));
    m.set(http::field::content_disposition, http::attachment_disposition(download_name));
    m.set(http::field::last_modified, http::format_http_date(info.modified));
    m.set(http::field::etag, entity_tag(info));
    res.stream = std::make_unique<file_body>(std::move(*opened));
    co_return res;
}

}  // namespace simplefs::api
