#include "api/file_metadata.hpp"
#include "api/handlers.hpp"
#include "api/preconditions.hpp"
#include "api/problem.hpp"
#include "api/upload_checks.hpp"
#include "http/digest_fields.hpp"
#include "storage/name.hpp"

#include <spdlog/spdlog.h>
#include <boost/beast/http/error.hpp>

#include <optional>

namespace simplefs::api {
namespace {

using http::field;
using http::status;

/// Stored content type: what the client declared, if anything.
std::string declared_content_type(const http::request_header& header) {
    return std::string(header[field::content_type]);
}

}  // namespace

boost::asio::awaitable<http::response> put_file(services& svc, http::request& req) {
    const std::string_view name = req.route_param;
    if (auto ec = storage::validate_name(name)) {
        co_return storage_problem(ec);
    }
    const auto digests =
        http::parse_content_digests(req.header["Content-Digest"], req.header[field::content_md5]);
    if (digests.malformed) {
        svc.metrics.count_upload_failure("malformed");
        co_return http::error_response(status::bad_request,
                                       "Malformed Content-Digest or Content-MD5 field");
    }

    // RFC 9110 §13.2.2 against the current version; the commit re-checks it atomically.
    auto current = co_await svc.pool.run([&] { return svc.store.stat(name); });
    if (!current && current.error() != storage::errc::not_found) {
        co_return storage_problem(current.error());
    }
    const storage::file_info* existing = current ? &*current : nullptr;
    const request_conditions conditions(req.header);
    const auto outcome = http::evaluate_preconditions(conditions.view(), state_of(existing),
                                                      /*method_is_get_or_head=*/false, false);
    if (outcome.result != http::precondition_result::proceed) {
        co_return http::error_response(status::precondition_failed, "Precondition Failed");
    }
    if (auto refusal = co_await refuse_if_disk_full(svc)) {
        co_return std::move(*refusal);
    }

    auto created = co_await svc.pool.run(
        [&] { return svc.store.create_writer(name, {.md5 = digests.md5_hex.has_value()}); });
    if (!created) {
        co_return storage_problem(created.error());
    }
    auto writer = std::move(*created);
    auto discard = [&]() -> boost::asio::awaitable<void> {
        co_await svc.pool.run([&] { writer.reset(); });
    };

    const auto copied = co_await copy_body(svc, req.body, *writer);
    if (copied.read_error) {
        co_await discard();
        co_return body_failure(svc, req, copied.read_error);
    }
    if (copied.write_error) {
        co_await discard();
        svc.metrics.count_upload_failure("io_error");
        co_return storage_problem(copied.write_error);
    }

    storage::commit_options options{.content_type = declared_content_type(req.header),
                                    .create_only = conditions.create_only(),
                                    .expected_sha256 = std::nullopt,
                                    .expected_client_sha256 = digests.sha256_hex,
                                    .expected_client_md5 = digests.md5_hex};
    if (existing != nullptr && conditions.pins_current_version()) {
        options.expected_sha256 = existing->sha256_hex;
    }
    auto committed = co_await svc.pool.run([&] { return writer->commit(options); });
    if (!committed) {
        co_await discard();
        co_return commit_failure(svc, committed.error());
    }
    const auto& info = committed->info;
    auto res = http::json_response(committed->replaced ? status::ok : status::created,
                                   metadata_json(svc.mime, name, info));
    res.message.set(field::location, file_location(name));
    res.message.set(field::etag, entity_tag_of(info));
    co_return res;
}

boost::asio::awaitable<http::response> delete_file(services& svc, http::request& req) {
    const std::string_view name = req.route_param;
    if (auto ec = storage::validate_name(name)) {
        co_return storage_problem(ec);
    }
    auto current = co_await svc.pool.run([&] { return svc.store.stat(name); });
    if (!current) {
        co_return current.error() == storage::errc::is_directory
            ? http::error_response(status::conflict, "A folder has that name")
            : storage_problem(current.error());
    }
    const request_conditions conditions(req.header);
    const auto outcome = http::evaluate_preconditions(conditions.view(), state_of(&*current),
                                                      /*method_is_get_or_head=*/false, false);
    if (outcome.result != http::precondition_result::proceed) {
        co_return http::error_response(status::precondition_failed, "Precondition Failed");
    }
    storage::remove_options options;
    if (conditions.pins_current_version()) {
        options.expected_sha256 = current->sha256_hex;
    }
    auto removed = co_await svc.pool.run([&] { return svc.store.remove(name, options); });
    if (!removed) {
        if (removed.error() == storage::errc::precondition_failed) {
            co_return http::error_response(status::precondition_failed, "Precondition Failed");
        }
        co_return storage_problem(removed.error());
    }
    http::response res;
    res.message.result(status::no_content);
    co_return res;
}

}  // namespace simplefs::api
