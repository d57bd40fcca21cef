#pragma once

#include "storage/backend.hpp"

#include <filesystem>
#include <memory>

namespace simplefs::storage {

struct posix_options {
    /// false skips fsync of files and directories: a crash may lose commits. Benchmarks only.
    bool fsync = true;
};

/// A backend over a local directory (Linux >= 5.6: names resolve with openat2 and
/// RESOLVE_BENEATH). Symbolic links are followed while they stay inside the root; absolute links
/// and links leading out give errc::escapes_root. The SHA-256 of an upload is kept in the
/// `user.simplefs.sha256` extended attribute (empty sha256_hex where unsupported).
///
/// - Names that exist but are neither regular files nor directories (FIFOs, sockets, devices)
///   read as errc::not_found.
/// - create_writer: a parent segment that exists as a file gives errc::not_found. A target name
///   that is a symlink is replaced by the new file (the link target is untouched).
/// - commit: if only the final directory fsync fails, the error is returned although the new
///   content is already visible.
/// - remove: a symlink is removed itself, never its target.
class posix_backend final : public backend {
public:
    /// Creates root (and its parents) if missing.
    static result<std::unique_ptr<posix_backend>> open(const std::filesystem::path& root,
                                                       posix_options opts = {});

    ~posix_backend() override;
    posix_backend(const posix_backend&) = delete;
    posix_backend& operator=(const posix_backend&) = delete;

    result<file_info> stat(std::string_view name) override;
    result<std::unique_ptr<file_reader>> open_read(std::string_view name) override;
    result<std::unique_ptr<file_writer>> create_writer(std::string_view name) override;
    result<void> remove(std::string_view name) override;
    result<disk_usage> usage() override;
    result<std::size_t> remove_stale_temp_files() override;

private:
    posix_backend(int root_fd, posix_options opts) noexcept;

    int root_fd_;
    posix_options opts_;
};

}  // namespace simplefs::storage
