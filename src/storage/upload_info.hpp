#pragma once

#include "storage/errc.hpp"

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace simplefs::storage {

/// What is stored about one resumable upload (upload_store.hpp). Plain data: the API layer
/// decides what the fields mean for the protocol.
struct upload_info {
    /// Total size in bytes; nullopt while the client defers it.
    std::optional<std::uint64_t> length{};
    /// Bytes received and made durable.
    std::uint64_t offset = 0;
    /// The client's metadata, as sent (it is echoed back unchanged).
    std::string metadata{};
    /// The file the upload becomes when complete; empty for a partial upload without one.
    std::string name{};
    /// Stored with the file at completion (commit_options::content_type).
    std::string content_type{};
    /// Unix time (seconds) after which the upload may be removed.
    std::int64_t expires = 0;
    /// A part of a later concatenation: never committed on its own.
    bool partial = false;
    /// For a concatenation: the ids of its partial uploads, in order.
    std::vector<std::string> parts{};
    /// Committed to name; the data file was emptied.
    bool completed = false;

    bool operator==(const upload_info&) const = default;
};

/// JSON text of info (one object, keys as the member names; length null when deferred).
std::string to_json(const upload_info& info);
/// Reads to_json's text back; errc::io_error for anything else (a corrupt file).
result<upload_info> parse_upload_info(std::string_view json);

}  // namespace simplefs::storage
