#pragma once

#include "http/mime_types.hpp"
#include "storage/backend.hpp"

#include <chrono>
#include <string>
#include <string_view>

namespace simplefs::api {

/// The strong ETag of a stored file: its quoted SHA-256; nginx's "<mtime>-<size>" shape only if
/// the backend could not tell the digest.
std::string entity_tag_of(const storage::file_info& info);

/// The stored content type, or one guessed from the name.
std::string content_type_of(const http::mime_table& mime, std::string_view name,
                            const storage::file_info& info);

/// RFC 3339 in UTC to the second, e.g. "2026-11-28T00:01:02Z".
std::string rfc3339(std::chrono::system_clock::time_point t);

/// {"name","size","sha256","etag","content_type","modified"} as PUT and POST answer it.
std::string metadata_json(const http::mime_table& mime, std::string_view name,
                          const storage::file_info& info);

/// "/files/<name>" with every segment percent-encoded, for Location headers.
std::string file_location(std::string_view name);

}  // namespace simplefs::api
