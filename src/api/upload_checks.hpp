#pragma once

#include "api/services.hpp"
#include "http/request.hpp"
#include "http/response.hpp"
#include "storage/backend.hpp"

#include <boost/asio/awaitable.hpp>
#include <boost/system/error_code.hpp>

#include <cstdint>
#include <memory>
#include <optional>
#include <span>

namespace simplefs::api {

/// 507 while the volume is fuller than the configured threshold; checked before a body is read.
/// The volume is at or above the upload threshold: uploads get 507, /readyz 503.
bool at_upload_threshold(const storage::disk_usage& usage, const api_options& options) noexcept;

/// Blocks (statfs): call it on the pool, or use refuse_if_disk_full.
std::optional<http::response> disk_full_refusal(services& svc);
boost::asio::awaitable<std::optional<http::response>> refuse_if_disk_full(services& svc);

/// A buffer for reading a request body: the chunk size, or the body's length when it is
/// smaller (a 4 KiB upload must not cost a 1 MiB allocation), not zero-filled.
struct body_buffer {
    body_buffer(std::size_t chunk_size, std::optional<std::uint64_t> content_length);
    std::span<char> span() const noexcept { return {data.get(), size}; }

    std::size_t size;
    std::unique_ptr<char[]> data;
};

/// Hashes and writes one chunk into writer on the pool: a large chunk's digest and disk write on
/// two pool threads at once, a small one (not worth the second hand-over) in one call. Returns
/// the storage error, if any.
boost::asio::awaitable<boost::system::error_code> write_chunk(services& svc,
                                                              storage::file_writer& writer,
                                                              std::span<const char> chunk);

/// How storing a request body ended: read_error when the client failed, write_error when
/// writing to storage did (nothing committed in either case), else the commit's outcome.
struct stored_body {
    boost::system::error_code read_error;
    boost::system::error_code write_error;
    std::optional<storage::result<storage::commit_result>> committed;
};

/// Streams the whole request body into writer and commits it with options. The socket read of
/// the next chunk overlaps the pool's hashing and writing of the previous one (on two pool
/// threads), with two buffers of half the chunk size (the memory of one chunk); the last chunk
/// of a body of known length is written and committed in one trip to the pool. Counts the
/// bytes stored.
boost::asio::awaitable<stored_body> store_body(services& svc, http::body_reader& body,
                                               storage::file_writer& writer,
                                               const storage::commit_options& options);

/// The answer when reading an upload's body failed: 413 over the size limit, else the client is
/// gone (the answer then closes the connection). Counts the failure.
http::response body_failure(services& svc, const http::request& req,
                            const boost::system::error_code& ec);

/// The answer when storage failed an upload before its commit (creating the temp file, writing a
/// chunk): the storage table's status, 507 for a full disk. Counts the failure by its reason.
http::response write_failure(services& svc, const boost::system::error_code& ec);

/// The answer when a commit failed: 412 for a lost precondition race or an existing name under
/// If-None-Match: *, 400 for a digest mismatch, else the storage table. Counts the failure.
http::response commit_failure(services& svc, const boost::system::error_code& ec);

}  // namespace simplefs::api
