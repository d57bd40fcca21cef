#include "api/file_body.hpp"
#include "api/file_metadata.hpp"
#include "api/handlers.hpp"
#include "api/preconditions.hpp"
#include "api/problem.hpp"
#include "api/query.hpp"
#include "http/content_disposition.hpp"
#include "http/digest_fields.hpp"
#include "http/http_date.hpp"
#include "http/range.hpp"
#include "storage/name.hpp"

#include <fmt/format.h>

namespace simplefs::api {
namespace {

using http::field;
using http::status;

std::string_view last_segment(std::string_view name) {
    auto slash = name.rfind('/');
    return slash == std::string_view::npos ? name : name.substr(slash + 1);
}

bool wants_inline(std::string_view query) {
    auto value = query_value(query, "inline");
    return value && (*value == "1" || *value == "true");
}

/// The validators and representation metadata every answer about the file carries (200, 206,
/// 304 and HEAD alike).
void set_validators(http::response& res, const storage::file_info& info) {
    res.message.set(field::etag, entity_tag_of(info));
    res.message.set(field::last_modified, http::format_http_date(info.modified));
}

}  // namespace

boost::asio::awaitable<http::response> get_file(services& svc, http::request& req) {
    const std::string_view name = req.route_param;
    if (name.ends_with('/')) {
        co_return co_await list_files(svc, req);
    }
    if (auto ec = storage::validate_name(name)) {
        co_return storage_problem(ec);
    }
    auto opened = svc.store.try_open_read_cached(name);
    if (!opened && opened.error() == storage::errc::would_block) {
        opened = co_await svc.pool.run([&] { return svc.store.open_read(name); });
    }
    if (!opened) {
        if (opened.error() == storage::errc::is_directory) {
            co_return http::error_response(status::not_found, "Not Found");
        }
        co_return storage_problem(opened.error());
    }
    auto reader = std::move(*opened);
    const auto& info = reader->info();
    const auto& header = req.header;

    // RFC 9110 §13.2.2: preconditions first, then Range (with If-Range) for a 2xx answer.
    const request_conditions conditions(header);
    const std::string_view range_field = header[field::range];
    const bool has_range = !range_field.empty();
    const auto outcome = http::evaluate_preconditions(conditions.view(), state_of(&info),
                                                      /*method_is_get_or_head=*/true, has_range);
    if (outcome.result == http::precondition_result::precondition_failed) {
        co_return http::error_response(status::precondition_failed, "Precondition Failed");
    }
    if (outcome.result == http::precondition_result::not_modified) {
        http::response res;
        res.message.result(status::not_modified);
        set_validators(res, info);
        co_return res;
    }

    const std::string content_type = content_type_of(svc.mime, name, info);
    auto res = http::make_response(status::ok, {}, content_type);
    auto& m = res.message;
    set_validators(res, info);
    m.set(field::accept_ranges, "bytes");
    m.set("X-Content-Type-Options", "nosniff");
    const auto download_name =
        fmt::format("download_{}_{}", http::format_compact_local(std::chrono::system_clock::now()),
                    last_segment(name));
    auto disposition = http::attachment_disposition(download_name);
    if (wants_inline(req.query)) {
        disposition.replace(0, std::string_view("attachment").size(), "inline");
    }
    m.set(field::content_disposition, disposition);
    if (!info.sha256_hex.empty() && http::wants_sha256(header["Want-Repr-Digest"])) {
        m.set("Repr-Digest", http::format_sha256_digest_field(info.sha256_hex));
    }

    if (has_range && outcome.honour_range) {
        auto selection = http::select_ranges(range_field, info.size);
        if (selection.outcome == http::range_outcome::unsatisfiable) {
            auto refused =
                http::error_response(status::range_not_satisfiable, "Range Not Satisfiable");
            refused.message.set(field::content_range, http::unsatisfied_content_range(info.size));
            set_validators(refused, info);
            co_return refused;
        }
        if (selection.outcome == http::range_outcome::satisfiable) {
            m.result(status::partial_content);
            if (selection.ranges.size() == 1) {
                const auto range = selection.ranges.front();
                m.set(field::content_range, http::content_range(range, info.size));
                res.stream = std::make_unique<file_body>(std::move(reader), range);
            } else {
                auto plan = http::plan_byteranges(selection.ranges, info.size, content_type,
                                                  http::make_boundary());
                m.set(field::content_type, plan.content_type);
                res.stream = std::make_unique<byteranges_body>(std::move(reader), std::move(plan));
            }
            co_return res;
        }
    }
    res.stream = std::make_unique<file_body>(std::move(reader));
    co_return res;
}

}  // namespace simplefs::api
