#pragma once

#include "api/services.hpp"
#include "http/request.hpp"
#include "http/response.hpp"

#include <boost/asio/awaitable.hpp>
#include <boost/system/error_code.hpp>

#include <optional>

namespace simplefs::storage {
class file_writer;
}

namespace simplefs::api {

/// 507 while the volume is fuller than the configured threshold; checked before a body is read.
boost::asio::awaitable<std::optional<http::response>> refuse_if_disk_full(services& svc);

/// How streaming a request body into a writer ended: read_error set when the client failed,
/// write_error when the storage did (at most one of them).
struct body_copy {
    boost::system::error_code read_error;
    boost::system::error_code write_error;
};

/// Streams the whole request body into writer. The socket read of the next chunk overlaps the
/// pool's hashing and writing of the previous one, with two buffers of half the chunk size (the
/// memory of one chunk). Counts the bytes stored.
boost::asio::awaitable<body_copy> copy_body(services& svc, http::body_reader& body,
                                            storage::file_writer& writer);

/// The answer when reading an upload's body failed: 413 over the size limit, else the client is
/// gone (the answer then closes the connection). Counts the failure.
http::response body_failure(services& svc, const http::request& req,
                            const boost::system::error_code& ec);

/// The answer when a commit failed: 412 for a lost precondition race or an existing name under
/// If-None-Match: *, 400 for a digest mismatch, else the storage table. Counts the failure.
http::response commit_failure(services& svc, const boost::system::error_code& ec);

}  // namespace simplefs::api
