#pragma once

#include "storage/backend.hpp"
#include "storage/digest_cache.hpp"

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>

namespace simplefs::storage {

struct cephfs_options {
    /// ceph.conf to read; empty reads the default search path (CEPH_CONF, /etc/ceph/ceph.conf).
    std::string conf_path{};
    /// Client id without "client." (e.g. "fileservice"); empty means "admin".
    std::string client_id{};
    /// Keyring file for the id; empty leaves it to the conf (`keyring = ...`).
    std::string keyring{};
    /// File system to mount; empty uses the cluster's default one.
    std::string fs_name{};
    /// Directory inside the file system that is the storage root; created (with its parents) if
    /// missing. "" and "/" mean the file system's root.
    std::string root{};
    /// false skips fsync of files and directories: a crash may lose commits. Benchmarks only.
    bool fsync = true;
    /// Entries of the in-memory cache of computed SHA-256 digests (files without the xattr).
    std::size_t digest_cache_entries = 10000;
    /// remove_stale_temp_files leaves temp files modified more recently than this alone: the
    /// file system is shared, so a young temp file may be another process's upload in progress.
    std::chrono::seconds stale_temp_min_age{3600};
    /// Pause between two health probes of the cluster (see cephfs_backend, "Health").
    std::chrono::milliseconds probe_interval{1000};
    /// A probe still unanswered after this long makes the backend not ready.
    std::chrono::milliseconds probe_timeout{3000};
};

/// A backend over a CephFS directory through libcephfs (one client session per backend; create
/// one per process). Same semantics as posix_backend, with these differences:
///
/// - Symbolic links are never followed. A link as the name (or any segment of it) gives
///   errc::escapes_root from stat, open_read and list; listings leave links out. create_writer
///   and commit replace a link at the target name with the new file (as posix_backend does);
///   remove unlinks the link itself. expected_sha256 against a link is precondition_failed.
///   Segments are checked with statx(AT_SYMLINK_NOFOLLOW) before use, so another CephFS client
///   that swaps a folder for a link between the check and the use is not caught (simplefs itself
///   never creates links).
/// - commit and remove take ceph_flock(LOCK_EX) on the parent directory around the precondition
///   check and the rename/unlink; the MDS arbitrates, so this is atomic across every simplefs
///   process and pod mounting the file system (also posix_backend over ceph-fuse). create_only
///   publishes with ceph_link(temp, target), which fails with EEXIST atomically whoever else
///   writes the name, and then unlinks the temp name.
/// - commit: with fsync, the file is ceph_fsync'ed before the rename and the directory after it.
/// - readers have no native handle (-1): no sendfile.
/// - remove_stale_temp_files only removes temp files older than
///   cephfs_options::stale_temp_min_age.
/// - Timeouts: the mount gives up after client_mount_timeout (lowered to 30 s when the conf says
///   more) and OSD/mon operations after rados_osd_op_timeout / rados_mon_op_timeout (set to
///   60 s / 30 s when the conf leaves them at 0 = forever), returning errc::unavailable (as for
///   every ETIMEDOUT, and for ESHUTDOWN and ENOTCONN: a session that is gone). Metadata (MDS)
///   requests have no client-side timeout in libcephfs: while the MDS is unreachable they block
///   until it is back or the session is evicted. Hence the health checks below.
/// - Health: one client session (mount) per backend, watched by a prober thread. Every
///   cephfs_options::probe_interval it asks the MDS (a read of the root's ceph.dir.rctime, which
///   the client never answers from its cache) and the mon (statfs). health() is not ready while
///   the last probe failed or one has been unanswered for longer than probe_timeout. Then every
///   operation, also file_writer::write and commit and file_reader::read_at, fails at once with
///   errc::unavailable instead of tying up a thread in a call that hangs. A call that started
///   before that still blocks until the cluster is back or an OSD/mon timeout ends it; an
///   errc::io_error it then returns while not ready is reported as errc::unavailable. An upload
///   aborted while not ready leaves its temp file (removing it would block) for
///   remove_stale_temp_files.
/// - Reconnect: when a probe or an operation finds the session evicted (the MDS blocklists an
///   evicted client: its calls fail with ESHUTDOWN, which is EBLOCKLISTED), the prober mounts
///   again with the same options and the new session serves the next operations. Readers and
///   writers opened on the old session keep it alive and then fail with errc::unavailable; it
///   is released (ceph_abort_conn, on a thread of its own) once the last of them is gone.
/// - Destroying the backend while the cluster does not answer leaks the mount instead of
///   blocking in ceph_unmount, and leaves a prober stuck in a call to finish on its own.
class cephfs_backend final : public backend {
public:
    static result<std::unique_ptr<cephfs_backend>> open(const cephfs_options& opts);

    ~cephfs_backend() override;
    cephfs_backend(const cephfs_backend&) = delete;
    cephfs_backend& operator=(const cephfs_backend&) = delete;

    result<file_info> stat(std::string_view name) override;
    result<std::unique_ptr<file_reader>> open_read(std::string_view name) override;
    result<std::unique_ptr<file_writer>> create_writer(std::string_view name,
                                                       const writer_options& opts = {}) override;
    result<void> remove(std::string_view name, const remove_options& opts = {}) override;
    result<list_page> list(std::string_view folder, const list_options& opts) override;
    result<disk_usage> usage() override;
    result<std::size_t> remove_stale_temp_files() override;
    storage_health health() const override;
    /// Resumable uploads in <root>/<upload_folder>, as posix_backend keeps them; locks are
    /// ceph_flock on the data file (held across clients by the MDS).
    upload_store* uploads() noexcept override { return uploads_.get(); }

    /// The global id of the client session in use (ceph_get_instance_id), as `ceph tell mds.<id>
    /// session ls` shows it and `client evict id=<id>` takes it; 0 while there is none. It
    /// changes when the backend mounts again.
    std::uint64_t instance_id() const;

    /// Hits, misses (each miss read a whole file) and size of the computed-digest cache.
    digest_cache::stats digest_cache_stats() const;

    /// The mount and state shared with readers and writers, which may outlive the backend.
    struct shared_state;

private:
    explicit cephfs_backend(std::shared_ptr<shared_state> state) noexcept;

    std::shared_ptr<shared_state> state_;
    std::unique_ptr<upload_store> uploads_;
};

}  // namespace simplefs::storage
