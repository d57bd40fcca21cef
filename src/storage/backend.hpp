#pragma once

#include "storage/errc.hpp"
#include "storage/upload_store.hpp"

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace simplefs::storage {

/// Longest content type a backend stores (commit_options::content_type).
inline constexpr std::size_t max_content_type_bytes = 255;

/// What the store knows about one file.
struct file_info {
    std::uint64_t size = 0;
    std::chrono::system_clock::time_point modified{};
    /// Lower-case hex SHA-256 of the content. Never empty for a regular file: recorded at upload,
    /// or computed from the bytes when nothing was recorded (e.g. a file placed in the root by
    /// hand).
    std::string sha256_hex{};
    /// The media type given at upload (commit_options::content_type); empty when none is stored.
    std::string content_type{};
    /// true for a folder entry (listings); stat, open_read and commit describe files only.
    bool is_folder = false;
};

struct disk_usage {
    std::uint64_t total_bytes = 0;
    std::uint64_t available_bytes = 0;  ///< available to unprivileged writers
    /// Fraction of the volume in use, 0..1, as `df` computes it: used / (used + available).
    double used_fraction = 0.0;
};

/// Whether the storage can serve requests now (backend::health).
struct storage_health {
    bool ready = true;
    /// Why it is not ready, for logs and the /readyz answer; empty when ready.
    std::string reason{};
};

/// How create_writer prepares an upload.
struct writer_options {
    /// Also compute the MD5 of the bytes as they pass (file_writer::md5_hex, Content-MD5 checks).
    bool md5 = false;
};

/// Conditions and metadata for file_writer::commit. Digests are hex, compared without regard
/// to case.
struct commit_options {
    /// Stored with the file and reported in file_info::content_type; empty stores none. Only a
    /// value safe to send back in a header field is stored: at most max_content_type_bytes of
    /// printable ASCII (space and tab allowed). Another value is not stored and does not fail the
    /// commit; commit_result::info.content_type then comes back empty.
    std::string content_type{};
    /// Fail with errc::already_exists when the name exists (If-None-Match: *). Atomic against
    /// every other commit of the name, also from other processes.
    bool create_only = false;
    /// If-Match: commit only if the name is a regular file whose SHA-256 equals this; otherwise
    /// errc::precondition_failed (errc::is_directory for a folder). Check and replace are one
    /// atomic step against other commits and removes of the name, also from other processes.
    std::optional<std::string> expected_sha256{};
    /// Content-Digest: when set and not the SHA-256 of the bytes written, the commit fails with
    /// errc::digest_mismatch.
    std::optional<std::string> expected_client_sha256{};
    /// Content-MD5: the same with the MD5. Needs writer_options::md5; without it the commit
    /// fails with errc::io_error (a caller bug).
    std::optional<std::string> expected_client_md5{};
};

/// What a successful commit produced.
struct commit_result {
    file_info info{};
    /// true when the name held a file (or symlink) that the commit replaced: 200, not 201.
    bool replaced = false;
};

struct remove_options {
    /// If-Match: remove only if the name is a regular file whose SHA-256 equals this; otherwise
    /// errc::precondition_failed. Atomic like commit_options::expected_sha256.
    std::optional<std::string> expected_sha256{};
};

struct list_options {
    /// Only entries whose name starts with this.
    std::string prefix{};
    /// Most entries (files and folders together) in one page; 0 counts as 1.
    std::size_t limit = 1000;
    /// Cursor: only entries whose key is greater than this (byte order; a folder's key is its
    /// name followed by '/'). Pass the previous page's list_page::next_after.
    std::string after{};
};

struct list_entry {
    /// The entry's name within the listed folder (one segment, no folder prefix).
    std::string name{};
    file_info info{};
};

/// One page of a folder listing. Files and folders share one order for paging, by key: the
/// name, with '/' after a folder's (as S3 orders common prefixes: "b.txt" < "b/" < "b0.txt").
/// The page holds the `limit` smallest keys after the cursor, whatever their kind.
struct list_page {
    std::vector<list_entry> files{};     ///< sorted by name (byte order)
    std::vector<std::string> folders{};  ///< names within the folder, sorted (byte order)
    /// Set when more entries follow: the greatest key on this page, to pass as
    /// list_options::after.
    std::optional<std::string> next_after{};
};

/// An open file for reading. All calls but try_read_cached_at block: run them on the blocking
/// pool.
class file_reader {
public:
    virtual ~file_reader() = default;
    /// Metadata of the open file (from fstat on the open descriptor, so it matches the bytes read).
    virtual const file_info& info() const = 0;
    /// Reads up to buffer.size() bytes at offset; 0 means end of file.
    virtual result<std::size_t> read_at(std::uint64_t offset, std::span<char> buffer) = 0;
    /// Like read_at, but only from memory (the page cache) and so safe on a network thread:
    /// errc::would_block when the bytes would have to come from a disk or a server.
    virtual result<std::size_t> try_read_cached_at(std::uint64_t offset, std::span<char> buffer) {
        (void)offset;
        (void)buffer;
        return errc::would_block;
    }
    /// A descriptor the caller may sendfile() from, or -1 when the backend has none.
    /// It stays owned by the reader.
    virtual int native_handle() const noexcept { return -1; }
};

/// An upload in progress: bytes go to a hidden temp file beside the target, which becomes visible
/// under the target name only by commit(). Destroying an uncommitted writer removes the temp file.
/// All calls block: run them on the blocking pool.
class file_writer {
public:
    virtual ~file_writer() = default;
    /// Appends data to the temp file, feeding the SHA-256 (and MD5 if asked for) as bytes pass.
    /// Fails with errc::io_error after commit, abort, sha256_hex() or md5_hex().
    result<void> write(std::span<const char> data) {
        hash_chunk(data);
        return store_chunk(data);
    }
    /// The two halves of write, which may run at the same time on two threads (the digest of a
    /// chunk on one, its disk write on the other). Every chunk goes through both, chunk after
    /// chunk, before sha256_hex() or commit. hash_chunk does nothing after sha256_hex().
    virtual void hash_chunk(std::span<const char> data) = 0;
    virtual result<void> store_chunk(std::span<const char> data) = 0;
    /// Lower-case hex SHA-256 of all bytes written. Finishes the digests: later writes fail.
    /// Call it after the last write; it stays valid through commit.
    virtual std::string sha256_hex() const = 0;
    /// Lower-case hex MD5 of all bytes written, like sha256_hex(); empty unless
    /// writer_options::md5 was set.
    virtual std::string md5_hex() const = 0;
    /// Checks opts, fsyncs the temp file, renames it over the target, fsyncs the directory. After
    /// success readers see the new content. On failure the temp file is gone and the target
    /// untouched; errors besides those of the storage calls: errc::digest_mismatch,
    /// errc::precondition_failed, errc::already_exists (create_only), errc::is_directory (a folder
    /// has the name), errc::io_error (called twice, after abort, or expected_client_md5 without
    /// writer_options::md5).
    virtual result<commit_result> commit(const commit_options& opts = {}) = 0;
    /// Removes the temp file. Idempotent; never throws.
    virtual void abort() noexcept = 0;
    virtual std::uint64_t bytes_written() const noexcept = 0;
};

/// The storage interface every backend (POSIX directory, CephFS) implements.
///
/// Names are relative paths validated by the backend with storage::validate_name
/// (storage/name.hpp); a bad name gives errc::invalid_name and touches nothing. No operation
/// reads, creates or removes anything outside the root, also through symbolic links
/// (errc::escapes_root). Every call blocks (except health and the try_*_cached ones); callers run
/// them on the blocking pool.
class backend {
public:
    virtual ~backend() = default;
    /// Metadata of a regular file; errc::is_directory for a folder, errc::not_found for a
    /// missing name or one that is neither a file nor a folder.
    virtual result<file_info> stat(std::string_view name) = 0;
    /// Opens a regular file for reading; errors as stat.
    virtual result<std::unique_ptr<file_reader>> open_read(std::string_view name) = 0;
    /// Like open_read, but only when everything it needs is in memory, so a network thread may
    /// call it; errc::would_block otherwise (also for any failure: open_read gives the real
    /// error), and the caller runs open_read on the blocking pool.
    virtual result<std::unique_ptr<file_reader>> try_open_read_cached(std::string_view name) {
        (void)name;
        return errc::would_block;
    }
    /// Starts an upload to name; parent folders are created on demand. errc::is_directory when
    /// a folder has the name.
    virtual result<std::unique_ptr<file_writer>> create_writer(std::string_view name,
                                                               const writer_options& opts = {}) = 0;
    /// Removes a file. errc::is_directory for a folder (also an empty one), errc::not_found for a
    /// missing name, errc::precondition_failed when opts.expected_sha256 does not hold.
    virtual result<void> remove(std::string_view name, const remove_options& opts = {}) = 0;
    /// One page of the entries of folder ("" for the root, else a valid name without trailing
    /// '/'): regular files and folders (symlinks resolving to either inside the root count as
    /// what they resolve to), never temp files, names validate_name rejects, or anything else.
    /// Memory stays O(opts.limit) however big the folder. errc::not_found when folder is missing
    /// or is a file, errc::invalid_name for a bad folder name.
    virtual result<list_page> list(std::string_view folder, const list_options& opts) = 0;
    virtual result<disk_usage> usage() = 0;
    /// Removes temp files a crash left behind. Call once at start-up, before serving.
    /// Returns how many were removed.
    virtual result<std::size_t> remove_stale_temp_files() = 0;
    /// Whether the storage can serve requests now. Returns at once, never calls into the
    /// storage: safe on a network thread. While it is not ready, operations may fail with
    /// errc::unavailable.
    virtual storage_health health() const = 0;
    /// State of resumable uploads on this storage (upload_store.hpp), or null when the backend
    /// keeps none (the tus routes then answer 501). Owned by the backend.
    virtual upload_store* uploads() noexcept { return nullptr; }
};

}  // namespace simplefs::storage
