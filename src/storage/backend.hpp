#pragma once

#include "storage/errc.hpp"

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <string_view>

namespace simplefs::storage {

/// What the store knows about one file.
struct file_info {
    std::uint64_t size = 0;
    std::chrono::system_clock::time_point modified;
    /// Lower-case hex SHA-256 of the content as recorded at upload; empty when unknown
    /// (e.g. a file placed in the root by hand).
    std::string sha256_hex;
};

struct disk_usage {
    std::uint64_t total_bytes = 0;
    std::uint64_t available_bytes = 0;  ///< available to unprivileged writers
    /// Fraction of the volume in use, 0..1, as `df` computes it: used / (used + available).
    double used_fraction = 0.0;
};

/// An open file for reading. All calls block: run them on the blocking pool.
class file_reader {
public:
    virtual ~file_reader() = default;
    /// Metadata of the open file (from fstat on the open descriptor, so it matches the bytes read).
    virtual const file_info& info() const = 0;
    /// Reads up to buffer.size() bytes at offset; 0 means end of file.
    virtual result<std::size_t> read_at(std::uint64_t offset, std::span<char> buffer) = 0;
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
    /// Appends data to the temp file, feeding the SHA-256 as bytes pass.
    virtual result<void> write(std::span<const char> data) = 0;
    /// fsync the temp file, rename it over the target, fsync the directory. After success
    /// readers see the new content; on failure the temp file is gone and the old file untouched.
    virtual result<file_info> commit() = 0;
    /// Removes the temp file. Idempotent; never throws.
    virtual void abort() noexcept = 0;
    virtual std::uint64_t bytes_written() const noexcept = 0;
};

/// The storage interface every backend (POSIX directory, CephFS) implements.
///
/// Names are relative paths validated by the backend with storage::validate_name
/// (storage/name.hpp); a bad name gives errc::invalid_name and touches nothing. No operation
/// reads, creates or removes anything outside the root, also through symbolic links
/// (errc::escapes_root). Every call blocks; callers run them on the blocking pool.
class backend {
public:
    virtual ~backend() = default;
    virtual result<file_info> stat(std::string_view name) = 0;
    virtual result<std::unique_ptr<file_reader>> open_read(std::string_view name) = 0;
    /// Starts an upload to name; parent folders are created on demand.
    virtual result<std::unique_ptr<file_writer>> create_writer(std::string_view name) = 0;
    virtual result<void> remove(std::string_view name) = 0;
    virtual result<disk_usage> usage() = 0;
    /// Removes temp files a crash left behind. Call once at start-up, before serving.
    /// Returns how many were removed.
    virtual result<std::size_t> remove_stale_temp_files() = 0;
};

}  // namespace simplefs::storage
