#pragma once

#include "storage/backend.hpp"
#include "storage/digest_cache.hpp"
#include "storage/posix/posix_upload_store.hpp"

#include <chrono>
#include <cstddef>
#include <filesystem>
#include <memory>

namespace simplefs::storage {

struct posix_options {
    /// false skips fsync of files and directories: a crash may lose commits. Benchmarks only.
    bool fsync = true;
    /// false never writes extended attributes at commit, as on a filesystem without user xattrs:
    /// digests then come from the in-memory cache (or are computed again), content types are
    /// not kept.
    bool store_xattrs = true;
    /// Entries of the in-memory cache of computed SHA-256 digests (files without the xattr).
    std::size_t digest_cache_entries = 10000;
    /// On a shared filesystem (CephFS, FUSE, NFS: by statfs type), remove_stale_temp_files leaves
    /// temp files modified more recently than this alone: they may be uploads in progress on
    /// another replica. On a local filesystem every temp file is a crash's leftover.
    std::chrono::seconds shared_stale_temp_min_age{3600};
};

/// A backend over a local directory (Linux >= 5.6: names resolve with openat2 and
/// RESOLVE_BENEATH). Symbolic links are followed while they stay inside the root; absolute links
/// and links leading out give errc::escapes_root.
///
/// - Metadata: the SHA-256 of an upload is kept in the `user.simplefs.sha256` extended attribute
///   and its content type in `user.simplefs.content_type`. A file without the SHA-256 attribute
///   (placed by hand, or on a filesystem without user xattrs) is read whole to compute it when
///   first asked for (stat, open_read, list, If-Match), and the result is kept in a bounded
///   in-memory cache keyed by device, inode, size, mtime and ctime. After the first ENOTSUP from
///   setting an attribute on a device the backend stops trying there.
/// - Names that exist but are neither regular files nor directories (FIFOs, sockets, devices)
///   read as errc::not_found.
/// - create_writer: a parent segment that exists as a file gives errc::not_found. A target name
///   that is a symlink is replaced by the new file (the link target is untouched).
/// - commit and remove hold flock(LOCK_EX) on the file currently at the name around the
///   precondition check and the rename/unlink (not around fsync or hashing of the new content),
///   so checks are atomic against every simplefs process on the same filesystem: local, or
///   CephFS through any number of ceph-fuse mounts (which share flock on files, not on
///   directories, through the MDS). Where flock is unsupported (e.g. NFS), unconditional commits
///   and removes go on unlocked and conditional ones fail with errc::io_error. create_only
///   takes no lock: it publishes with renameat2(RENAME_NOREPLACE), or where the filesystem lacks
///   that (FUSE), with linkat, both atomic against any writer. For a target that is a symlink,
///   expected_sha256 is compared with the file the link resolves to (unlocked).
/// - commit: if only the final directory fsync fails, the error is returned although the new
///   content is already visible.
/// - remove: a symlink is removed itself, never its target.
/// - remove_stale_temp_files: on a shared filesystem (CephFS, FUSE, NFS, SMB) only temp files
///   older than posix_options::shared_stale_temp_min_age; on a local one all of them. Folders
///   that held nothing but removed temp files go too (an upload into new folders that a crash
///   ended); other empty folders stay.
/// - abort (and destroying an uncommitted writer) removes the temp file and then the folders
///   above it that are left empty, as remove does.
/// - list: one readdir pass per page, keeping only the `limit` smallest qualifying names in a
///   heap; only symlinks and entries of unknown d_type that could make the page are resolved,
///   and only the entries returned are opened for metadata.
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
    /// On a local filesystem, when the name resolves from the dentry cache and the file's
    /// metadata was read before (same device, inode, size, mtime, ctime); never on a shared one.
    result<std::unique_ptr<file_reader>> try_open_read_cached(std::string_view name) override;
    result<std::unique_ptr<file_writer>> create_writer(std::string_view name,
                                                       const writer_options& opts = {}) override;
    result<void> remove(std::string_view name, const remove_options& opts = {}) override;
    result<list_page> list(std::string_view folder, const list_options& opts) override;
    result<disk_usage> usage() override;
    result<std::size_t> remove_stale_temp_files() override;
    /// Always ready: a local directory has no connection to lose. A hung disk or mount (e.g. a
    /// kernel CephFS or NFS mount whose server is gone) is not detected; calls then block.
    storage_health health() const override { return {}; }
    /// Resumable uploads in <root>/<upload_folder> (posix_upload_store).
    upload_store* uploads() noexcept override { return uploads_.get(); }

    /// Hits, misses (each miss read a whole file) and size of the computed-digest cache.
    digest_cache::stats digest_cache_stats() const;

    /// State shared with the writers, which may outlive the backend.
    struct shared_state;

private:
    posix_backend(std::shared_ptr<shared_state> state,
                  std::unique_ptr<posix_upload_store> uploads) noexcept;

    std::shared_ptr<shared_state> state_;
    std::unique_ptr<posix_upload_store> uploads_;
};

}  // namespace simplefs::storage
