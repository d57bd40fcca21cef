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

    // One trip to the pool before the body: the current version (RFC 9110 §13.2.2; the commit
    // re-checks it atomically), the disk threshold, and the temp file.
    struct prepared {
        std::optional<http::response> refusal{};
        std::unique_ptr<storage::file_writer> writer{};
        storage::commit_options options{};
    };
    const request_conditions conditions(req.header);
    auto ready = co_await svc.pool.run([&]() -> prepared {
        auto current = svc.store.stat(name);
        if (!current && current.error() != storage::errc::not_found) {
            return {storage_problem(current.error())};
        }
        const storage::file_info* existing = current ? &*current : nullptr;
        const auto outcome = http::evaluate_preconditions(conditions.view(), state_of(existing),
                                                          /*method_is_get_or_head=*/false, false);
        if (outcome.result != http::precondition_result::proceed) {
            return {http::error_response(status::precondition_failed, "Precondition Failed")};
        }
        if (auto refusal = disk_full_refusal(svc)) {
            return {std::move(refusal)};
        }
        auto created = svc.store.create_writer(name, {.md5 = digests.md5_hex.has_value()});
        if (!created) {
            return {write_failure(svc, created.error())};
        }
        prepared out{.refusal = std::nullopt,
                     .writer = std::move(*created),
                     .options = {.content_type = declared_content_type(req.header),
                                 .create_only = conditions.create_only(),
                                 .expected_sha256 = std::nullopt,
                                 .expected_client_sha256 = digests.sha256_hex,
                                 .expected_client_md5 = digests.md5_hex}};
        if (existing != nullptr && conditions.pins_current_version()) {
            out.options.expected_sha256 = existing->sha256_hex;
        }
        return out;
    });
    if (ready.refusal) {
        co_return std::move(*ready.refusal);
    }
    auto& writer = ready.writer;
    auto discard = [&]() -> boost::asio::awaitable<void> {
        co_await svc.pool.run([&] { writer.reset(); });
    };

    const auto stored = co_await store_body(svc, req.body, *writer, ready.options);
    if (stored.read_error) {
        co_await discard();
        co_return body_failure(svc, req, stored.read_error);
    }
    if (stored.write_error) {
        co_await discard();
        co_return write_failure(svc, stored.write_error);
    }
    const auto& committed = *stored.committed;
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
