#include "api/file_metadata.hpp"
#include "api/tus_protocol.hpp"
#include "api/tus_uploads.hpp"
#include "api/upload_checks.hpp"
#include "storage/backend_support.hpp"
#include "storage/hasher.hpp"

#include <spdlog/spdlog.h>
#include <boost/asio/experimental/awaitable_operators.hpp>

#include <algorithm>
#include <cstdint>
#include <limits>
#include <optional>

namespace simplefs::api {
namespace {

using http::status;

/// 460 is not in the HTTP registry; tus 1.0.0 (checksum) names it "Checksum Mismatch".
constexpr unsigned checksum_mismatch = 460;

}  // namespace

namespace tus {

boost::asio::awaitable<http::response> append_body(services& svc, http::request& req,
                                                   std::string_view id,
                                                   std::unique_ptr<storage::upload_data> data,
                                                   storage::upload_info info) {
    auto* uploads = svc.store.uploads();
    const auto checksum = parse_upload_checksum(req.header["Upload-Checksum"]);
    if (checksum.result == upload_checksum::outcome::unsupported) {
        co_await svc.pool.run([&] { data.reset(); });
        co_return error(status::bad_request, "Unsupported Upload-Checksum algorithm");
    }
    if (checksum.result == upload_checksum::outcome::malformed) {
        co_await svc.pool.run([&] { data.reset(); });
        co_return error(status::bad_request, "Malformed Upload-Checksum");
    }
    std::optional<storage::hasher> digest;
    if (checksum.result == upload_checksum::outcome::ok) {
        digest.emplace(checksum.algorithm == checksum_algorithm::sha1
                           ? storage::hasher::algorithm::sha1
                           : storage::hasher::algorithm::sha256);
    }

    // As store_body does: the socket read of the next piece overlaps the pool's work on this one,
    // in two buffers of half the chunk size (memory per request stays at the chunk size).
    const std::size_t half = std::max<std::size_t>(svc.options.chunk_size / 2, 4096);
    body_buffer current(half, req.body.content_length());
    body_buffer next(half, req.body.content_length());
    const std::uint64_t start = info.offset;
    std::uint64_t received = 0;
    boost::system::error_code read_error;
    boost::system::error_code write_error;
    bool too_long = false;
    // Upload-Length, or while it is deferred, the server's limit for a whole upload.
    const std::uint64_t limit = info.length ? *info.length
                                : svc.options.max_upload_size > 0
                                    ? svc.options.max_upload_size
                                    : std::numeric_limits<std::uint64_t>::max();
    const auto store =
        [&](std::span<const char> chunk) -> boost::asio::awaitable<boost::system::error_code> {
        co_return co_await svc.pool.run([&, chunk]() -> boost::system::error_code {
            if (digest) {
                digest->update(chunk);
            }
            auto appended = data->append(chunk);
            return appended ? boost::system::error_code{} : appended.error();
        });
    };
    const auto read_next = [&]() -> boost::asio::awaitable<std::size_t> {
        co_return co_await req.body.read_some(next.span(), read_error);
    };
    std::size_t n = co_await req.body.read_some(current.span(), read_error);
    while (!read_error && n > 0) {
        if (start + received + n > limit) {
            too_long = true;
            break;
        }
        using namespace boost::asio::experimental::awaitable_operators;
        const std::span<const char> chunk(current.data.get(), n);
        auto [stored, m] = co_await (store(chunk) && read_next());
        if (stored) {
            write_error = stored;
            read_error = {};
            break;
        }
        received += n;
        std::swap(current, next);
        n = m;
    }

    // What is kept: everything, unless the PATCH failed as a whole (checksum, size, storage).
    // Bytes that arrived before the client went away are kept when no checksum covers them, so
    // that the client resumes after them (tus 1.0.0 §PATCH).
    const bool keep = !too_long && !write_error && (!read_error || !digest);
    const bool checksum_ok =
        keep && !read_error && (!digest || storage::same_hex(digest->finish(), checksum.hex));

    struct outcome {
        http::response res;
        std::uint64_t kept = 0;
        bool committed = false;
    };
    auto done = co_await svc.pool.run([&]() -> outcome {
        const auto discard = [&]() -> boost::system::error_code {
            auto cut = data->truncate(start);
            return cut ? boost::system::error_code{} : cut.error();
        };
        if (too_long) {
            discard();
            auto res = error(status::payload_too_large,
                             info.length ? "The body goes past Upload-Length"
                                         : "The upload would exceed Tus-Max-Size");
            res.close = true;  // the rest of the body is not read
            return {std::move(res)};
        }
        if (write_error) {
            discard();
            return {write_failure(svc, write_error)};
        }
        if (keep && !checksum_ok && !read_error) {
            if (auto ec = discard()) {
                return {storage_error(ec)};
            }
            auto res = error(static_cast<status>(checksum_mismatch), "Checksum Mismatch");
            res.message.reason("Checksum Mismatch");
            return {std::move(res)};
        }
        if (!keep) {
            discard();
            return {body_failure(svc, req, read_error)};
        }
        // The offset moves only after the bytes are durable.
        if (received > 0) {
            if (auto synced = data->sync(); !synced) {
                discard();
                return {storage_error(synced.error())};
            }
            info.offset = start + received;
            info.expires = now_seconds() + svc.options.upload_expiry.count();
            if (auto written = uploads->write_info(id, info); !written) {
                discard();
                return {storage_error(written.error())};
            }
        }
        if (read_error) {
            return {body_failure(svc, req, read_error), received};
        }
        outcome out{empty_response(status::no_content), received};
        if (info.length && info.offset == *info.length && !info.partial && !info.completed) {
            storage::upload_data* const parts[] = {data.get()};
            auto committed = commit_upload(svc, id, info, parts);
            if (!committed) {
                return {commit_failure(svc, committed.error()), received};
            }
            out.committed = true;
            // The bytes now live in the file.
            if (auto emptied = data->truncate(0); !emptied) {
                spdlog::warn("upload {}: could not empty the data file: {}", id,
                             emptied.error().message());
            }
            out.res.message.set(http::field::etag, entity_tag_of(committed->info));
        }
        set_upload_fields(out.res, info);
        return out;
    });
    co_await svc.pool.run([&] { data.reset(); });
    if (done.kept > 0) {
        svc.metrics.add_tus_bytes(done.kept);
        svc.metrics.add_upload_bytes(done.kept);
    }
    if (done.committed) {
        svc.metrics.count_tus_completed();
    }
    done.res.message.set("Tus-Resumable", version);
    co_return std::move(done.res);
}

}  // namespace tus

boost::asio::awaitable<http::response> tus_patch(services& svc, http::request& req,
                                                 std::string_view prefix) {
    if (auto refusal = tus::refuse_request(svc, req.header)) {
        co_return std::move(*refusal);
    }
    auto* uploads = svc.store.uploads();
    if (!tus::is_offset_stream(req.header[http::field::content_type])) {
        co_return tus::error(status::unsupported_media_type,
                             "Content-Type must be application/offset+octet-stream");
    }
    const auto offset = tus::parse_length(req.header["Upload-Offset"]);
    if (!offset) {
        co_return tus::error(status::bad_request, "Missing or malformed Upload-Offset");
    }
    const auto length_field = req.header["Upload-Length"];
    const auto declared_length = tus::parse_length(length_field);
    if (!length_field.empty() && !declared_length) {
        co_return tus::error(status::bad_request, "Malformed Upload-Length");
    }
    const auto content_length = req.body.content_length();
    const std::string id(req.route_param);

    struct prepared {
        std::optional<http::response> refusal{};
        std::unique_ptr<storage::upload_data> data{};
        storage::upload_info info{};
    };
    auto ready = co_await svc.pool.run([&]() -> prepared {
        // Lock first, then read: the stored offset under the lock is the truth, whichever
        // replica wrote last.
        auto data = uploads->lock(id);
        if (!data) {
            return {tus::storage_error(data.error())};
        }
        auto info = uploads->read_info(id);
        if (!info) {
            return {tus::storage_error(info.error())};
        }
        if (auto refusal = tus::refuse_access(*info, prefix)) {
            return {std::move(refusal)};
        }
        if (!info->parts.empty()) {
            return {tus::error(status::forbidden, "A concatenated upload takes no PATCH")};
        }
        if (*offset != info->offset) {
            auto res = tus::error(status::conflict, "Upload-Offset does not match the upload");
            res.message.set("Upload-Offset", std::to_string(info->offset));
            return {std::move(res)};
        }
        if (declared_length) {
            if (info->length && *info->length != *declared_length) {
                return {tus::error(status::bad_request, "Upload-Length cannot change")};
            }
            if (*declared_length < info->offset) {
                return {tus::error(status::bad_request, "Upload-Length is below the offset")};
            }
            if (svc.options.max_upload_size > 0 && *declared_length > svc.options.max_upload_size) {
                return {tus::error(status::payload_too_large, "Upload-Length over Tus-Max-Size")};
            }
            info->length = *declared_length;
        }
        if (info->length && content_length && info->offset + *content_length > *info->length) {
            return {tus::error(status::payload_too_large, "The body goes past Upload-Length")};
        }
        if (!info->length && content_length && svc.options.max_upload_size > 0 &&
            info->offset + *content_length > svc.options.max_upload_size) {
            return {tus::error(status::payload_too_large, "The upload would exceed Tus-Max-Size")};
        }
        if (auto refusal = disk_full_refusal(svc)) {
            refusal->message.set("Tus-Resumable", tus::version);
            return {std::move(refusal)};
        }
        // Bytes past the stored offset were never acknowledged (a crash between append and
        // info): drop them before appending.
        auto size = (*data)->size();
        if (!size) {
            return {tus::storage_error(size.error())};
        }
        if (info->completed) {
            // Its bytes live in the file now; only an empty PATCH at the end gets here.
        } else if (*size > info->offset) {
            if (auto cut = (*data)->truncate(info->offset); !cut) {
                return {tus::storage_error(cut.error())};
            }
        } else if (*size < info->offset) {
            // Acknowledged bytes are missing (e.g. a crash under --fsync=never): committing
            // would store a wrong file.
            spdlog::error("upload {}: {} bytes stored, {} acknowledged", id, *size, info->offset);
            return {tus::storage_error(storage::errc::io_error)};
        }
        return {std::nullopt, std::move(*data), std::move(*info)};
    });
    if (ready.refusal) {
        if (ready.refusal->message.result() == status::payload_too_large) {
            ready.refusal->close = true;  // the body is not read
        }
        co_return std::move(*ready.refusal);
    }
    co_return co_await tus::append_body(svc, req, id, std::move(ready.data), std::move(ready.info));
}

}  // namespace simplefs::api
