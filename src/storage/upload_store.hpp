#pragma once

// Resumable uploads (tus, issue 8): the state of an upload lives on the storage, not in a
// process, so that any replica on the same volume can continue it and a restart loses nothing
// that was acknowledged.
//
// - Where: a folder under the storage root whose name starts with temp_prefix
//   (upload_folder), which validate_name refuses: clients can neither name nor list it, and
//   remove_stale_temp_files leaves the files in it alone (their names do not start with the
//   prefix) but removes half-written info temp files (which do).
// - Per upload "<id>.info" (upload_info as JSON, replaced atomically: temp file, fsync, rename,
//   fsync of the folder) and "<id>.data" (the bytes received, appended to).
// - Writers lock the data file exclusively and without waiting (posix: flock, which holds
//   between processes on one machine and between CephFS clients through the MDS); a second
//   writer gets errc::locked. Under the lock the writer re-reads the info, so a replica continues
//   exactly where another one stopped.
// - Crash safety: the info's offset advances only after the appended bytes are fsynced; the next
//   writer truncates the data file to the stored offset before appending, dropping bytes that
//   were never acknowledged.
// - Completion is the API layer's business: it streams the data through backend::create_writer
//   and commits like a PUT, then marks the info completed and empties the data file.

#include "storage/errc.hpp"
#include "storage/upload_info.hpp"

#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace simplefs::storage {

/// The folder under the root that holds upload state. validate_name rejects it (temp_prefix).
inline constexpr std::string_view upload_folder = ".simplefs.tmp.uploads";

/// A new random upload id: 32 lower-case hex digits.
std::string make_upload_id();
/// Whether id has the shape make_upload_id gives; other ids are never looked up.
bool valid_upload_id(std::string_view id) noexcept;

/// The data file of one upload, locked exclusively until this object is destroyed. All calls
/// block: run them on the blocking pool.
class upload_data {
public:
    virtual ~upload_data() = default;
    /// Bytes in the data file (may exceed the acknowledged offset after a crash).
    virtual result<std::uint64_t> size() = 0;
    /// Cuts the data file to size bytes; later appends continue from there.
    virtual result<void> truncate(std::uint64_t size) = 0;
    /// Appends data at the end of the file.
    virtual result<void> append(std::span<const char> data) = 0;
    /// Makes the appended bytes durable (a no-op when the backend runs without fsync).
    virtual result<void> sync() = 0;
    /// Reads up to buffer.size() bytes at offset; 0 at the end.
    virtual result<std::size_t> read_at(std::uint64_t offset, std::span<char> buffer) = 0;
};

/// Upload state on a backend. Ids are checked with valid_upload_id (errc::not_found otherwise).
/// Who validates: the caller checks offsets, lengths, names and expiry; the store only keeps
/// state and locks. All calls block: run them on the blocking pool.
class upload_store {
public:
    virtual ~upload_store() = default;
    /// Records a new upload with an empty data file; errc::already_exists when the id is taken.
    virtual result<void> create(std::string_view id, const upload_info& info) = 0;
    /// The stored info; errc::not_found when there is no such upload.
    virtual result<upload_info> read_info(std::string_view id) = 0;
    /// Replaces the stored info atomically. Call it only while holding lock(id).
    virtual result<void> write_info(std::string_view id, const upload_info& info) = 0;
    /// Locks the upload's data file exclusively without waiting: errc::locked when another
    /// request (in this process or another one on the same volume) holds it, errc::not_found
    /// when there is no such upload.
    virtual result<std::unique_ptr<upload_data>> lock(std::string_view id) = 0;
    /// Removes the upload's data, then its info. Call it while holding lock(id), or when lock(id)
    /// answered errc::not_found for an upload whose info exists (a crash between the removals
    /// or the creation of the two files left the info alone).
    virtual result<void> remove(std::string_view id) = 0;
    /// The ids of all uploads with an info file, in no particular order.
    virtual result<std::vector<std::string>> list() = 0;
};

}  // namespace simplefs::storage
