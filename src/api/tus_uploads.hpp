#pragma once

// Resumable uploads, tus 1.0.0 (issue 8), at /uploads/. The state of each upload lives on the
// storage (storage/upload_store.hpp), so any replica on the same volume serves any upload.
// Every handler runs its storage work on the blocking pool. prefix: the names the client's token
// may write ("" = any; see auth::within_prefix); checked against the upload's final name.

#include "api/services.hpp"
#include "http/request.hpp"
#include "http/response.hpp"
#include "storage/upload_store.hpp"

#include <boost/asio/awaitable.hpp>

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace simplefs::api {

/// OPTIONS /uploads/ and /uploads/{id}: 204 with what the server supports.
boost::asio::awaitable<http::response> tus_options(services& svc, http::request& req);
/// POST /uploads/: creates an upload (201 + Location), with the first bytes when a body comes
/// along (creation-with-upload), or a concatenation of partial uploads (committed at once).
boost::asio::awaitable<http::response> tus_create(services& svc, http::request& req,
                                                  std::string_view prefix);
/// HEAD /uploads/{id}: the upload's offset, length, metadata and expiry.
boost::asio::awaitable<http::response> tus_head(services& svc, http::request& req,
                                                std::string_view prefix);
/// PATCH /uploads/{id}: appends the body at Upload-Offset; the last byte commits the file.
boost::asio::awaitable<http::response> tus_patch(services& svc, http::request& req,
                                                 std::string_view prefix);
/// DELETE /uploads/{id}: removes the upload (termination); 204.
boost::asio::awaitable<http::response> tus_delete(services& svc, http::request& req,
                                                  std::string_view prefix);

/// Removes uploads whose expiry has passed and that no request holds; returns how many
/// unfinished ones were removed (counted as expired). Blocks: run it on the pool.
std::size_t sweep_expired_uploads(services& svc);
/// Runs sweep_expired_uploads every period until the executor stops.
boost::asio::awaitable<void> sweep_uploads_periodically(services& svc);

namespace tus {

/// Unix time now, in seconds.
std::int64_t now_seconds();
/// An empty answer with Tus-Resumable.
http::response empty_response(http::status code);
/// {"detail": ...} with Tus-Resumable.
http::response error(http::status code, std::string_view detail);
/// error() for a storage failure (the api table), with Tus-Resumable.
http::response storage_error(const boost::system::error_code& ec);
/// What every tus request but OPTIONS is refused for: 501 when the backend keeps no upload
/// state, 412 with Tus-Version unless the request says Tus-Resumable: 1.0.0.
std::optional<http::response> refuse_request(const services& svc,
                                             const http::request_header& header);
/// "/uploads/<id>"
std::string upload_url(std::string_view id);
/// Upload-Offset, Upload-Length (or Upload-Defer-Length), Upload-Metadata, Upload-Concat,
/// Upload-Expires and, once committed, Upload-File.
void set_upload_fields(http::response& res, const storage::upload_info& info);
/// 404 / 410 (expired) / 403 (outside prefix) for an upload read from the store, or nothing.
std::optional<http::response> refuse_access(const storage::upload_info& info,
                                            std::string_view prefix);

/// Appends the request body to a locked upload at info.offset (the caller checked the client's
/// offset), honouring Upload-Checksum and Upload-Length, and commits the file when the last byte
/// is in. Answers 204 with the new offset, or the failure. Used by PATCH and by POST with a body.
boost::asio::awaitable<http::response> append_body(services& svc, http::request& req,
                                                   std::string_view id,
                                                   std::unique_ptr<storage::upload_data> data,
                                                   storage::upload_info info);

/// Streams the parts' data (in order) into a new file at info.name and commits it like a PUT,
/// then marks the upload completed. Blocks: run it on the pool. On failure nothing is committed
/// and the upload is unchanged.
storage::result<storage::commit_result> commit_upload(services& svc, std::string_view id,
                                                      storage::upload_info& info,
                                                      std::span<storage::upload_data* const> parts);

}  // namespace tus
}  // namespace simplefs::api
