#include "api/file_metadata.hpp"
#include "api/problem.hpp"
#include "api/tus_protocol.hpp"
#include "api/tus_uploads.hpp"
#include "api/upload_checks.hpp"
#include "auth/token_table.hpp"
#include "storage/backend_support.hpp"
#include "storage/name.hpp"

#include <vector>

namespace simplefs::api {
namespace {

using http::status;

/// The final file name from Upload-Metadata: `path` (a folder, optional) + `filename`.
std::string final_name(const std::vector<tus::metadata_pair>& metadata) {
    auto filename = tus::metadata_value(metadata, "filename").value_or("");
    auto folder = tus::metadata_value(metadata, "path").value_or("");
    while (!folder.empty() && folder.back() == '/') {
        folder.pop_back();
    }
    while (!folder.empty() && folder.front() == '/') {
        folder.erase(0, 1);
    }
    return folder.empty() || filename.empty() ? filename : folder + "/" + filename;
}

/// `content_type`, or `filetype` as Uppy and tus-js-client examples send it; only a value
/// safe to store (else none, and GET guesses from the name).
std::string declared_type(const std::vector<tus::metadata_pair>& metadata) {
    auto type = tus::metadata_value(metadata, "content_type");
    if (!type) {
        type = tus::metadata_value(metadata, "filetype");
    }
    return type && storage::valid_content_type(*type) ? *type : std::string();
}

bool has_body(const http::request& req) {
    const auto length = req.body.content_length();
    return length ? *length > 0 : !req.header[http::field::transfer_encoding].empty();
}

/// Final upload: every part must be a finished partial upload; then the file is committed at
/// once from the parts' data, under their locks. Blocks.
http::response concatenate(services& svc, const std::string& id, storage::upload_info& info,
                           std::string_view prefix) {
    auto* uploads = svc.store.uploads();
    std::vector<std::unique_ptr<storage::upload_data>> locks;
    std::vector<storage::upload_data*> parts;
    std::uint64_t length = 0;
    for (const auto& part : info.parts) {
        auto locked = uploads->lock(part);
        if (!locked) {
            return locked.error() == storage::errc::not_found
                       ? tus::error(status::bad_request, "Unknown partial upload " + part)
                       : tus::storage_error(locked.error());
        }
        auto part_info = uploads->read_info(part);
        if (!part_info) {
            return tus::error(status::bad_request, "Unknown partial upload " + part);
        }
        if (!part_info->partial || !part_info->length || part_info->offset != *part_info->length) {
            return tus::error(status::bad_request,
                              "Upload " + part + " is not a finished partial upload");
        }
        if (!prefix.empty() && !part_info->name.empty() &&
            !auth::within_prefix(part_info->name, prefix)) {
            return tus::error(status::forbidden, "The token does not allow this name");
        }
        length += *part_info->length;
        parts.push_back(locked->get());
        locks.push_back(std::move(*locked));
    }
    if (svc.options.max_upload_size > 0 && length > svc.options.max_upload_size) {
        return tus::error(status::payload_too_large, "The parts together exceed Tus-Max-Size");
    }
    info.length = length;
    info.offset = 0;
    if (auto created = uploads->create(id, info); !created) {
        return tus::storage_error(created.error());
    }
    svc.metrics.count_tus_created();
    auto committed = tus::commit_upload(svc, id, info, parts);
    auto res =
        committed ? tus::empty_response(status::created) : commit_failure(svc, committed.error());
    if (committed) {
        svc.metrics.count_tus_completed();
        res.message.set(http::field::etag, entity_tag_of(committed->info));
        tus::set_upload_fields(res, info);
    }
    res.message.set("Tus-Resumable", tus::version);
    res.message.set(http::field::location, tus::upload_url(id));
    return res;
}

}  // namespace

boost::asio::awaitable<http::response> tus_create(services& svc, http::request& req,
                                                  std::string_view prefix) {
    if (auto refusal = tus::refuse_request(svc, req.header)) {
        co_return std::move(*refusal);
    }
    auto* uploads = svc.store.uploads();
    const auto concat = tus::parse_upload_concat(req.header["Upload-Concat"]);
    if (concat.malformed) {
        co_return tus::error(status::bad_request, "Malformed Upload-Concat");
    }
    const bool is_final = concat.type == tus::upload_concat::kind::final;
    for (const auto& part : concat.parts) {
        if (!storage::valid_upload_id(part)) {
            co_return tus::error(status::bad_request, "Upload-Concat names an unknown upload");
        }
    }

    storage::upload_info info;
    info.partial = concat.type == tus::upload_concat::kind::partial;
    info.parts = concat.parts;
    const auto length_field = req.header["Upload-Length"];
    const auto defer_field = req.header["Upload-Defer-Length"];
    if (!is_final) {
        if (!length_field.empty() == !defer_field.empty()) {
            co_return tus::error(status::bad_request,
                                 "Exactly one of Upload-Length and Upload-Defer-Length is needed");
        }
        if (!defer_field.empty() && defer_field != "1") {
            co_return tus::error(status::bad_request, "Upload-Defer-Length must be 1");
        }
        if (!length_field.empty()) {
            info.length = tus::parse_length(length_field);
            if (!info.length) {
                co_return tus::error(status::bad_request, "Malformed Upload-Length");
            }
            if (svc.options.max_upload_size > 0 && *info.length > svc.options.max_upload_size) {
                co_return tus::error(status::payload_too_large, "Upload-Length over Tus-Max-Size");
            }
        }
    }

    const auto metadata_field = req.header["Upload-Metadata"];
    const auto metadata = tus::parse_upload_metadata(metadata_field);
    if (!metadata) {
        co_return tus::error(status::bad_request, "Malformed Upload-Metadata");
    }
    info.metadata = std::string(metadata_field);
    info.name = final_name(*metadata);
    info.content_type = declared_type(*metadata);
    if (info.name.empty() && !info.partial) {
        co_return tus::error(status::bad_request, "Upload-Metadata needs a filename");
    }
    if (!info.name.empty()) {
        if (auto ec = storage::validate_name(info.name)) {
            co_return tus::error(status::bad_request, "Invalid file name");
        }
        if (!prefix.empty() && !auth::within_prefix(info.name, prefix)) {
            co_return tus::error(status::forbidden, "The token does not allow this name");
        }
    }
    const bool with_body = has_body(req);
    if (with_body && (is_final || !tus::is_offset_stream(req.header[http::field::content_type]))) {
        co_return tus::error(status::unsupported_media_type,
                             "A body must be application/offset+octet-stream");
    }
    if (with_body && info.length && req.body.content_length() &&
        *req.body.content_length() > *info.length) {
        auto res = tus::error(status::payload_too_large, "The body goes past Upload-Length");
        res.close = true;
        co_return res;
    }
    info.expires = tus::now_seconds() + svc.options.upload_expiry.count();

    const std::string id = storage::make_upload_id();
    if (is_final) {
        co_return co_await svc.pool.run([&] { return concatenate(svc, id, info, prefix); });
    }
    struct prepared {
        std::optional<http::response> refusal{};
        std::unique_ptr<storage::upload_data> data{};
    };
    auto ready = co_await svc.pool.run([&]() -> prepared {
        if (auto refusal = disk_full_refusal(svc)) {
            refusal->message.set("Tus-Resumable", tus::version);
            return {std::move(refusal)};
        }
        if (auto created = uploads->create(id, info); !created) {
            return {tus::storage_error(created.error())};
        }
        svc.metrics.count_tus_created();
        if (!with_body) {
            return {};
        }
        auto data = uploads->lock(id);
        if (!data) {
            return {tus::storage_error(data.error())};
        }
        return {std::nullopt, std::move(*data)};
    });
    if (ready.refusal) {
        co_return std::move(*ready.refusal);
    }
    if (!with_body) {
        auto res = tus::empty_response(status::created);
        res.message.set(http::field::location, tus::upload_url(id));
        tus::set_upload_fields(res, info);
        co_return res;
    }
    // creation-with-upload: the body is the first PATCH at offset 0.
    auto res = co_await tus::append_body(svc, req, id, std::move(ready.data), info);
    if (res.message.result() == status::no_content) {
        res.message.result(status::created);
    }
    res.message.set(http::field::location, tus::upload_url(id));
    co_return res;
}

}  // namespace simplefs::api
