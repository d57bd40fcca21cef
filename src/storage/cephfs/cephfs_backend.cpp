#include "storage/cephfs/cephfs_backend.hpp"

#include "storage/backend_support.hpp"
#include "storage/hasher.hpp"
#include "storage/name.hpp"
#include "storage/upload_store.hpp"

#include <cephfs/libcephfs.h>
#include <dirent.h>
#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/statvfs.h>

#include <spdlog/spdlog.h>

#include <algorithm>
#include <array>
#include <atomic>
#include <cerrno>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <cstdlib>
#include <limits>
#include <memory>
#include <mutex>
#include <stop_token>
#include <string>
#include <system_error>
#include <thread>
#include <utility>
#include <vector>

namespace simplefs::storage {

namespace {

using boost::system::error_code;

constexpr int create_attempts = 8;
constexpr int hash_attempts = 3;
constexpr std::size_t hash_buffer_bytes = 1024 * 1024;
/// Largest single ceph_read / ceph_write (they return int).
constexpr std::size_t max_io_bytes = std::size_t{1} << 30;
constexpr unsigned stat_want = CEPH_STATX_BASIC_STATS;

/// A libcephfs return value (negative errno) as a storage error.
error_code ceph_error(int rc) noexcept {
    const int error = rc < 0 ? -rc : EIO;
    // The session is gone (evicted: EBLOCKLISTED, which is ESHUTDOWN; or not mounted), or an
    // OSD or mon did not answer within rados_osd_op_timeout / rados_mon_op_timeout.
    if (error == ESHUTDOWN || error == ENOTCONN || error == ETIMEDOUT) {
        return errc::unavailable;
    }
    return from_errno(error);
}

result<bool> bool_error(error_code ec) noexcept {
    return {boost::system::in_place_error, ec};
}

bool is_unsupported(int error) noexcept {
    return error == ENOTSUP || error == EOPNOTSUPP;
}

file_version version_of(const struct ceph_statx& st) noexcept {
    return {static_cast<std::uint64_t>(st.stx_dev), st.stx_ino, st.stx_size,
            to_nanoseconds(st.stx_mtime), to_nanoseconds(st.stx_ctime)};
}

/// The mount path of a name relative to the storage root ("" is the root itself).
std::string mount_path(std::string_view relative) {
    std::string path("/");
    path.append(relative);
    return path;
}

/// The folder part of a relative name ("" at the top).
std::string parent_of(std::string_view relative) {
    const std::size_t slash = relative.rfind('/');
    return slash == std::string_view::npos ? std::string() : std::string(relative.substr(0, slash));
}

std::string join(std::string_view folder, std::string_view name) {
    std::string path(folder);
    if (!path.empty()) {
        path += '/';
    }
    path.append(name);
    return path;
}

/// Parses a numeric conf value; -1 when it cannot be read.
double conf_number(ceph_mount_info* cm, const char* option) {
    std::array<char, 64> buffer{};
    if (::ceph_conf_get(cm, option, buffer.data(), buffer.size() - 1) != 0) {
        return -1;
    }
    char* end = nullptr;
    const double value = std::strtod(buffer.data(), &end);
    return end == buffer.data() ? -1 : value;
}

struct handle_releaser {
    void operator()(ceph_mount_info* cm) const noexcept { ::ceph_release(cm); }
};
using unmounted_handle = std::unique_ptr<ceph_mount_info, handle_releaser>;

/// A configured, not yet mounted client handle.
result<unmounted_handle> make_handle(const cephfs_options& opts) {
    ceph_mount_info* raw = nullptr;
    int rc = ::ceph_create(&raw, opts.client_id.empty() ? nullptr : opts.client_id.c_str());
    if (rc != 0) {
        return ceph_error(rc);
    }
    unmounted_handle cm(raw);
    rc = ::ceph_conf_read_file(cm.get(), opts.conf_path.empty() ? nullptr : opts.conf_path.c_str());
    if (rc != 0) {
        return ceph_error(rc);
    }
    if (!opts.keyring.empty() &&
        (rc = ::ceph_conf_set(cm.get(), "keyring", opts.keyring.c_str())) != 0) {
        return ceph_error(rc);
    }
    // Without a cluster, ceph_mount waits client_mount_timeout (default 300 s); OSD and mon
    // operations wait forever unless these are set.
    const double mount_timeout = conf_number(cm.get(), "client_mount_timeout");
    if (mount_timeout < 0 || mount_timeout > 30) {
        (void)::ceph_conf_set(cm.get(), "client_mount_timeout", "30");
    }
    if (conf_number(cm.get(), "rados_osd_op_timeout") == 0) {
        (void)::ceph_conf_set(cm.get(), "rados_osd_op_timeout", "60");
    }
    if (conf_number(cm.get(), "rados_mon_op_timeout") == 0) {
        (void)::ceph_conf_set(cm.get(), "rados_mon_op_timeout", "30");
    }
    if (!opts.fs_name.empty() &&
        (rc = ::ceph_select_filesystem(cm.get(), opts.fs_name.c_str())) != 0) {
        return ceph_error(rc);
    }
    return cm;
}

std::string normalized_root(const std::string& root) {
    std::string path = "/";
    std::size_t start = 0;
    while (start <= root.size()) {
        std::size_t end = root.find('/', start);
        if (end == std::string::npos) {
            end = root.size();
        }
        if (end > start) {
            if (path.size() > 1) {
                path += '/';
            }
            path.append(root, start, end - start);
        }
        start = end + 1;
    }
    return path;
}

/// One mounted client session. Shared by the operations, readers and writers that started on
/// it; released when the last of them lets go.
class mount_handle {
public:
    explicit mount_handle(ceph_mount_info* cm) noexcept
        : cm_(cm), instance_id_(::ceph_get_instance_id(cm)) {}
    ~mount_handle();
    mount_handle(const mount_handle&) = delete;
    mount_handle& operator=(const mount_handle&) = delete;

    ceph_mount_info* get() const noexcept { return cm_; }
    std::uint64_t instance_id() const noexcept { return instance_id_; }
    /// The MDS has ended this session (evicted): release it without a clean unmount.
    void mark_dead() noexcept { fate_.store(fate::dead); }
    /// The backend goes away while the cluster does not answer: never call into libcephfs
    /// again. The handle is leaked; an unmount would block until the cluster is back.
    void abandon() noexcept { fate_.store(fate::abandoned); }

private:
    enum class fate { live, dead, abandoned };

    ceph_mount_info* const cm_;
    const std::uint64_t instance_id_;
    std::atomic<fate> fate_{fate::live};
};

mount_handle::~mount_handle() {
    switch (fate_.load()) {
        case fate::live:
            ::ceph_unmount(cm_);
            ::ceph_release(cm_);
            return;
        case fate::dead:
            // ceph_abort_conn of an evicted session returns in milliseconds, but while the
            // cluster is unreachable it blocks until the cluster is back (measured on 16.2).
            // So it runs on a thread of its own, never on the prober or a pool thread.
            try {
                std::thread([cm = cm_] {
                    (void)::ceph_abort_conn(cm);
                    (void)::ceph_release(cm);
                }).detach();
            } catch (const std::system_error&) {
                // No thread: leak the handle rather than block here.
            }
            return;
        case fate::abandoned:
            return;
    }
}

/// Mounts the storage root (creating it, with its parents, when missing) and checks that it
/// is a directory.
result<std::shared_ptr<mount_handle>> mount_root(const cephfs_options& opts,
                                                 const std::string& root) {
    auto cm = make_handle(opts);
    if (!cm) {
        return cm.error();
    }
    int rc = ::ceph_mount(cm->get(), root.c_str());
    if (rc == -ENOENT && root != "/") {
        // Create the root through a client mounted at the file system's root, then mount it.
        cm->reset();
        auto creator = make_handle(opts);
        if (!creator) {
            return creator.error();
        }
        if ((rc = ::ceph_mount(creator->get(), "/")) != 0) {
            return ceph_error(rc);
        }
        rc = ::ceph_mkdirs(creator->get(), root.c_str(), 0755);
        ::ceph_unmount(creator->get());
        if (rc != 0 && rc != -EEXIST) {
            return ceph_error(rc);
        }
        creator->reset();
        cm = make_handle(opts);
        if (!cm) {
            return cm.error();
        }
        rc = ::ceph_mount(cm->get(), root.c_str());
    }
    if (rc != 0) {
        return ceph_error(rc);
    }
    struct ceph_statx st {};
    if ((rc = ::ceph_statx(cm->get(), "/", &st, stat_want, 0)) != 0 || !S_ISDIR(st.stx_mode)) {
        ::ceph_unmount(cm->get());
        return rc != 0 ? ceph_error(rc) : make_error_code(errc::not_found);
    }
    return std::make_shared<mount_handle>(cm->release());
}

/// One round trip to the MDS and one to the mon; 0 or a negative errno. A stat of the root
/// would not do: the client answers it from its capabilities, without the MDS, for up to a
/// minute after the MDS stopped answering. Reading the virtual xattr ceph.dir.rctime asks the
/// MDS every time (on 16.2 it blocks while the MDS is stopped); statfs asks the mon.
int probe(ceph_mount_info* cm) {
    std::array<char, 64> rctime{};
    const int rc = ::ceph_getxattr(cm, "/", "ceph.dir.rctime", rctime.data(), rctime.size());
    if (rc < 0) {
        return rc;
    }
    struct statvfs vfs {};
    return ::ceph_statfs(cm, "/", &vfs);
}

/// A probe error that means the session is gone for good: evicted and blocklisted
/// (EBLOCKLISTED is ESHUTDOWN on Linux; an evicted client's calls return -108), or not
/// mounted any more. Only a new mount helps.
bool session_is_dead(int rc) noexcept {
    return rc == -ESHUTDOWN || rc == -ENOTCONN;
}

std::string errno_text(int rc) {
    return std::error_code(rc < 0 ? -rc : rc, std::generic_category()).message();
}

/// The current mount and its health. A prober thread (run) probes the cluster every
/// probe_interval and mounts again when the session is dead; operations take the mount from
/// acquire(), which hands out none while the storage is not ready. Thread-safe: one mutex,
/// never held across a call into libcephfs.
class mount_monitor {
public:
    using clock = std::chrono::steady_clock;

    mount_monitor(cephfs_options opts, std::string root, std::shared_ptr<mount_handle> first)
        : opts_(std::move(opts)), root_(std::move(root)), current_(std::move(first)) {}

    /// The mount to run an operation on; nullptr while the storage is not ready.
    std::shared_ptr<mount_handle> acquire() {
        std::lock_guard lock(mutex_);
        return health_locked().ready ? current_ : nullptr;
    }

    storage_health health() {
        std::lock_guard lock(mutex_);
        return health_locked();
    }

    std::uint64_t instance_id() {
        std::lock_guard lock(mutex_);
        return current_ ? current_->instance_id() : 0;
    }

    /// An operation got errc::unavailable: probe now rather than at the next interval.
    void nudge() {
        {
            std::lock_guard lock(mutex_);
            nudged_ = true;
        }
        wake_.notify_one();
    }

    /// The prober's loop, until stop is requested.
    void run(std::stop_token stop) {
        for (;;) {
            std::shared_ptr<mount_handle> mount;
            {
                std::unique_lock lock(mutex_);
                wake_.wait_for(lock, stop, opts_.probe_interval, [this] { return nudged_; });
                if (stop.stop_requested()) {
                    break;
                }
                nudged_ = false;
                mount = current_;
                probing_ = mount != nullptr;
                probe_started_ = clock::now();
            }
            if (mount) {
                check(std::move(mount));
            } else {
                remount();
            }
        }
        std::lock_guard lock(mutex_);
        stopped_ = true;
        stopped_cv_.notify_all();
    }

    /// Waits up to timeout for run() to return; false when it is still in a call.
    bool wait_stopped(std::chrono::milliseconds timeout) {
        std::unique_lock lock(mutex_);
        return stopped_cv_.wait_for(lock, timeout, [this] { return stopped_; });
    }

    /// Drops the monitor's reference to the current mount, abandoning it (see
    /// mount_handle::abandon) when the storage is not ready: unmounting would block.
    void release_current() {
        std::shared_ptr<mount_handle> last;
        std::lock_guard lock(mutex_);
        if (current_ && !health_locked().ready) {
            current_->abandon();
        }
        last = std::move(current_);
    }

private:
    void check(std::shared_ptr<mount_handle> mount) {
        const int rc = probe(mount->get());
        const bool dead = session_is_dead(rc);
        std::string failure;
        if (dead) {
            failure = "the client session was ended by the cluster (" + errno_text(rc) +
                      "), mounting again";
        } else if (rc != 0) {
            failure = "Ceph health probe failed: " + errno_text(rc);
        }
        {
            std::lock_guard lock(mutex_);
            // A probe that outlasted probe_timeout is logged as an outage even when nobody
            // asked for the health meanwhile.
            (void)health_locked();
            probing_ = false;
            failure_ = std::move(failure);
            if (dead && current_ == mount) {
                current_.reset();
            }
            (void)health_locked();
        }
        if (dead) {
            mount->mark_dead();
            mount.reset();  // released once readers and writers on it are gone
            remount();
        }
    }

    void remount() {
        auto mounted = mount_root(opts_, root_);
        std::lock_guard lock(mutex_);
        if (!mounted) {
            failure_ = "cannot mount CephFS again: " + mounted.error().message();
        } else {
            current_ = std::move(*mounted);
            failure_.clear();
            remounted_ = true;
        }
        (void)health_locked();
    }

    /// The health now; logs a change since the last call. Call with mutex_ held.
    storage_health health_locked() {
        storage_health h;
        if (!current_) {
            h = {false, failure_.empty() ? "CephFS is not mounted" : failure_};
        } else if (const auto waited = clock::now() - probe_started_;
                   probing_ && waited > opts_.probe_timeout) {
            const auto seconds = std::chrono::duration_cast<std::chrono::seconds>(waited);
            h = {false,
                 "the Ceph cluster has not answered for " + std::to_string(seconds.count()) + " s"};
        } else if (!failure_.empty()) {
            h = {false, failure_};
        }
        if (h.ready != logged_ready_) {
            logged_ready_ = h.ready;
            if (!h.ready) {
                spdlog::warn("storage unavailable: {}", h.reason);
            } else if (remounted_) {
                spdlog::info(
                    "storage ready again: CephFS {} mounted as a new client session (id {})", root_,
                    current_->instance_id());
            } else {
                spdlog::info("storage ready again");
            }
            remounted_ = false;
        }
        return h;
    }

    const cephfs_options opts_;
    const std::string root_;
    std::mutex mutex_;
    std::condition_variable_any wake_;
    std::condition_variable stopped_cv_;
    std::shared_ptr<mount_handle> current_;  ///< nullptr while the session is dead
    bool probing_ = false;
    clock::time_point probe_started_{};
    std::string failure_;  ///< why the last probe or mount failed; empty after a success
    bool nudged_ = false;
    bool stopped_ = false;
    bool logged_ready_ = true;
    bool remounted_ = false;  ///< a new session was mounted since the last log line
};

}  // namespace

struct cephfs_backend::shared_state {
    shared_state(cephfs_options options, std::string root, std::shared_ptr<mount_handle> first)
        : opts(std::move(options)),
          digests(opts.digest_cache_entries),
          monitor(std::make_shared<mount_monitor>(opts, std::move(root), std::move(first))),
          prober([watched = monitor](std::stop_token stop) { watched->run(std::move(stop)); }) {}
    ~shared_state() {
        prober.request_stop();
        // A probe blocked in libcephfs (the cluster is gone) cannot be interrupted. The thread
        // then finishes on its own: it holds the monitor, and so the mount it probes.
        if (monitor->wait_stopped(opts.probe_timeout)) {
            prober.join();
        } else {
            prober.detach();
        }
        monitor->release_current();
    }
    shared_state(const shared_state&) = delete;
    shared_state& operator=(const shared_state&) = delete;

    const cephfs_options opts;
    digest_cache digests;
    /// Distinct flock owners, so that two commits of this process exclude each other too.
    std::atomic<std::uint64_t> next_lock_owner{1};
    std::atomic<bool> xattrs_usable{true};
    const std::shared_ptr<mount_monitor> monitor;
    std::jthread prober;
};

namespace {

using shared_state = cephfs_backend::shared_state;

/// What one operation works on: the backend's state and the client session it started on.
/// Holding `mount` keeps that session alive when the prober replaces it meanwhile.
struct mount_ref {
    std::shared_ptr<shared_state> state;
    std::shared_ptr<mount_handle> mount;
    ceph_mount_info* cm = nullptr;

    /// errc::unavailable when the storage is not ready (then nothing calls into libcephfs).
    error_code check_ready() const {
        return state->monitor->health().ready ? error_code() : make_error_code(errc::unavailable);
    }
    /// The error for an operation's caller: an errc::io_error while the storage is not ready
    /// (a call that was under way when the cluster went away and then failed) becomes
    /// errc::unavailable. An errc::unavailable also makes the prober look at the session now.
    error_code report(error_code ec) const {
        if (ec == errc::io_error && !state->monitor->health().ready) {
            ec = errc::unavailable;
        }
        if (ec == errc::unavailable) {
            state->monitor->nudge();
        }
        return ec;
    }
};

/// An open libcephfs descriptor, closed on destruction.
class ceph_fd {
public:
    ceph_fd() noexcept = default;
    ceph_fd(ceph_mount_info* cm, int fd) noexcept : cm_(cm), fd_(fd) {}
    ceph_fd(ceph_fd&& other) noexcept : cm_(other.cm_), fd_(std::exchange(other.fd_, -1)) {}
    ceph_fd& operator=(ceph_fd&& other) noexcept {
        if (this != &other) {
            reset();
            cm_ = other.cm_;
            fd_ = std::exchange(other.fd_, -1);
        }
        return *this;
    }
    ~ceph_fd() { reset(); }

    int get() const noexcept { return fd_; }
    /// Closes the descriptor; the close's result (0 or -errno).
    int close() noexcept {
        if (fd_ < 0) {
            return 0;
        }
        return ::ceph_close(cm_, std::exchange(fd_, -1));
    }
    void reset() noexcept { (void)close(); }

private:
    ceph_mount_info* cm_ = nullptr;
    int fd_ = -1;
};

result<ceph_fd> open_path(ceph_mount_info* cm, const std::string& path, int flags,
                          mode_t mode = 0) {
    const int fd = ::ceph_open(cm, path.c_str(), flags, mode);
    if (fd < 0) {
        return ceph_error(fd);
    }
    return ceph_fd(cm, fd);
}

int lstat_path(ceph_mount_info* cm, const std::string& path, struct ceph_statx& st) {
    return ::ceph_statx(cm, path.c_str(), &st, stat_want, AT_SYMLINK_NOFOLLOW);
}

/// Checks that every segment of `relative` before the last is a real directory (no symlink).
/// errc::not_found when one is missing or not a directory, errc::escapes_root for a link.
error_code check_folders(ceph_mount_info* cm, std::string_view relative) {
    for (std::size_t slash = relative.find('/'); slash != std::string_view::npos;
         slash = relative.find('/', slash + 1)) {
        struct ceph_statx st {};
        const int rc = lstat_path(cm, mount_path(relative.substr(0, slash)), st);
        if (rc != 0) {
            return ceph_error(rc);
        }
        if (S_ISLNK(st.stx_mode)) {
            return errc::escapes_root;
        }
        if (!S_ISDIR(st.stx_mode)) {
            return errc::not_found;
        }
    }
    return {};
}

std::string read_sha256_xattr(ceph_mount_info* cm, int fd) {
    std::array<char, sha256_hex_size + 1> buffer{};
    const int n = ::ceph_fgetxattr(cm, fd, sha256_xattr, buffer.data(), buffer.size());
    if (n != static_cast<int>(sha256_hex_size)) {
        return {};
    }
    const std::string_view value(buffer.data(), sha256_hex_size);
    return is_lower_hex(value) ? std::string(value) : std::string();
}

std::string read_content_type_xattr(ceph_mount_info* cm, int fd) {
    std::array<char, max_content_type_bytes + 1> buffer{};
    const int n = ::ceph_fgetxattr(cm, fd, content_type_xattr, buffer.data(), buffer.size());
    if (n <= 0 || static_cast<std::size_t>(n) > max_content_type_bytes) {
        return {};
    }
    const std::string_view value(buffer.data(), static_cast<std::size_t>(n));
    return valid_content_type(value) ? std::string(value) : std::string();
}

result<std::string> hash_file(ceph_mount_info* cm, int fd, std::uint64_t size) {
    sha256 hash;
    const std::size_t buffer_size =
        static_cast<std::size_t>(std::min<std::uint64_t>(hash_buffer_bytes, size + 1));
    const auto buffer = std::make_unique_for_overwrite<char[]>(buffer_size);
    std::int64_t offset = 0;
    for (;;) {
        const int n =
            ::ceph_read(cm, fd, buffer.get(), static_cast<std::int64_t>(buffer_size), offset);
        if (n < 0) {
            return ceph_error(n);
        }
        if (n == 0) {
            return hash.finish();
        }
        hash.update({buffer.get(), static_cast<std::size_t>(n)});
        offset += n;
    }
}

/// The SHA-256 of the open regular file fd: the xattr, else the cache, else computed (and
/// cached). st (fstatx of fd) is updated to the version hashed.
result<std::string> digest_of(const mount_ref& m, int fd, struct ceph_statx& st) {
    std::string stored = read_sha256_xattr(m.cm, fd);
    if (!stored.empty()) {
        return stored;
    }
    if (st.stx_size == 0) {
        return std::string(empty_sha256);
    }
    if (auto cached = m.state->digests.find(version_of(st))) {
        return std::move(*cached);
    }
    for (int attempt = 1;; ++attempt) {
        auto computed = hash_file(m.cm, fd, st.stx_size);
        if (!computed) {
            return computed.error();
        }
        struct ceph_statx after {};
        if (const int rc = ::ceph_fstatx(m.cm, fd, &after, stat_want, 0); rc != 0) {
            return ceph_error(rc);
        }
        const bool unchanged = version_of(after) == version_of(st);
        st = after;
        if (unchanged) {
            m.state->digests.insert(version_of(st), *computed);
            return computed;
        }
        if (attempt == hash_attempts) {
            return computed;
        }
    }
}

result<file_info> info_of(const mount_ref& m, int fd, const struct ceph_statx& st) {
    struct ceph_statx current = st;
    auto digest = digest_of(m, fd, current);
    if (!digest) {
        return digest.error();
    }
    file_info info;
    info.size = current.stx_size;
    info.modified = to_time_point(current.stx_mtime);
    info.sha256_hex = std::move(*digest);
    info.content_type = read_content_type_xattr(m.cm, fd);
    return info;
}

struct opened_file {
    ceph_fd fd;
    struct ceph_statx st;
};

/// Opens the regular file at a validated relative name without following links.
result<opened_file> open_regular(const mount_ref& m, std::string_view name) {
    if (const error_code ec = validate_name(name)) {
        return ec;
    }
    if (const error_code ec = check_folders(m.cm, name)) {
        return ec;
    }
    const std::string path = mount_path(name);
    struct ceph_statx st {};
    if (const int rc = lstat_path(m.cm, path, st); rc != 0) {
        return ceph_error(rc);
    }
    if (S_ISLNK(st.stx_mode)) {
        return errc::escapes_root;
    }
    if (S_ISDIR(st.stx_mode)) {
        return errc::is_directory;
    }
    if (!S_ISREG(st.stx_mode)) {
        return errc::not_found;
    }
    auto fd = open_path(m.cm, path, O_RDONLY | O_NOFOLLOW);
    if (!fd) {
        return fd.error();
    }
    opened_file file{std::move(*fd), {}};
    if (const int rc = ::ceph_fstatx(m.cm, file.fd.get(), &file.st, stat_want, 0); rc != 0) {
        return ceph_error(rc);
    }
    if (S_ISDIR(file.st.stx_mode)) {
        return errc::is_directory;
    }
    if (!S_ISREG(file.st.stx_mode)) {
        return errc::not_found;
    }
    return file;
}

/// The SHA-256 of the file now at `path`: errc::precondition_failed when there is no regular
/// file (also for a symlink: never followed), errc::is_directory for a folder.
result<std::string> current_digest(const mount_ref& m, const std::string& path) {
    struct ceph_statx st {};
    if (const int rc = lstat_path(m.cm, path, st); rc != 0) {
        if (rc == -ENOENT || rc == -ENOTDIR) {
            return errc::precondition_failed;
        }
        return ceph_error(rc);
    }
    if (S_ISDIR(st.stx_mode)) {
        return errc::is_directory;
    }
    if (!S_ISREG(st.stx_mode)) {
        return errc::precondition_failed;
    }
    auto fd = open_path(m.cm, path, O_RDONLY | O_NOFOLLOW);
    if (!fd) {
        return fd.error() == errc::not_found ? make_error_code(errc::precondition_failed)
                                             : fd.error();
    }
    if (const int rc = ::ceph_fstatx(m.cm, fd->get(), &st, stat_want, 0); rc != 0) {
        return ceph_error(rc);
    }
    if (S_ISDIR(st.stx_mode)) {
        return errc::is_directory;
    }
    if (!S_ISREG(st.stx_mode)) {
        return errc::precondition_failed;
    }
    return digest_of(m, fd->get(), st);
}

error_code check_expected(const mount_ref& m, const std::string& path,
                          const std::string& expected_sha256) {
    auto current = current_digest(m, path);
    if (!current) {
        return current.error();
    }
    if (!same_hex(*current, expected_sha256)) {
        return errc::precondition_failed;
    }
    return {};
}

/// ceph_flock(LOCK_EX) on a directory for one check-and-change step; released on destruction.
class dir_lock {
public:
    dir_lock() noexcept = default;
    dir_lock(const dir_lock&) = delete;
    dir_lock& operator=(const dir_lock&) = delete;
    ~dir_lock() { release(); }

    /// Opens and locks the directory at path: true when locked, false when the file system
    /// cannot lock.
    result<bool> acquire(const mount_ref& m, const std::string& path) {
        auto fd = open_path(m.cm, path, O_RDONLY | O_DIRECTORY | O_NOFOLLOW);
        if (!fd) {
            return bool_error(fd.error());
        }
        dir_ = std::move(*fd);
        cm_ = m.cm;
        owner_ = m.state->next_lock_owner.fetch_add(1);
        for (;;) {
            const int rc = ::ceph_flock(cm_, dir_.get(), LOCK_EX, owner_);
            if (rc == 0) {
                locked_ = true;
                return true;
            }
            if (rc == -EINTR) {
                continue;
            }
            if (is_unsupported(-rc) || rc == -ENOLCK || rc == -ENOSYS || rc == -EINVAL) {
                return false;
            }
            return bool_error(ceph_error(rc));
        }
    }

    int fd() const noexcept { return dir_.get(); }

    void release() noexcept {
        if (locked_) {
            (void)::ceph_flock(cm_, dir_.get(), LOCK_UN, owner_);
            locked_ = false;
        }
    }

private:
    ceph_fd dir_;
    ceph_mount_info* cm_ = nullptr;
    std::uint64_t owner_ = 0;
    bool locked_ = false;
};

class cephfs_reader final : public file_reader {
public:
    cephfs_reader(mount_ref mount, ceph_fd fd, file_info info)
        : mount_(std::move(mount)), fd_(std::move(fd)), info_(std::move(info)) {}

    const file_info& info() const override { return info_; }

    result<std::size_t> read_at(std::uint64_t offset, std::span<char> buffer) override {
        if (buffer.empty() ||
            offset > static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max())) {
            return std::size_t{0};
        }
        if (const error_code ec = mount_.check_ready()) {
            return ec;
        }
        const std::size_t size = std::min(buffer.size(), max_io_bytes);
        const int n =
            ::ceph_read(mount_.cm, fd_.get(), buffer.data(), static_cast<std::int64_t>(size),
                        static_cast<std::int64_t>(offset));
        if (n < 0) {
            return mount_.report(ceph_error(n));
        }
        return static_cast<std::size_t>(n);
    }

private:
    mount_ref mount_;  // keeps the mount alive; declared before fd_
    ceph_fd fd_;
    file_info info_;
};

class cephfs_writer final : public file_writer {
public:
    cephfs_writer(mount_ref mount, std::string relative, const writer_options& opts)
        : mount_(std::move(mount)),
          dir_path_(mount_path(parent_of(relative))),
          path_(mount_path(relative)),
          hashes_(opts.md5) {}

    ~cephfs_writer() override { abort(); }

    error_code create_temp() {
        for (int attempt = 0;; ++attempt) {
            temp_path_ = dir_path_;
            if (temp_path_.back() != '/') {
                temp_path_ += '/';
            }
            temp_path_ += make_temp_name();
            const int fd = ::ceph_open(mount_.cm, temp_path_.c_str(),
                                       O_CREAT | O_EXCL | O_WRONLY | O_NOFOLLOW, 0644);
            if (fd >= 0) {
                file_ = ceph_fd(mount_.cm, fd);
                open_ = true;
                return {};
            }
            if (fd == -EINTR || (fd == -EEXIST && attempt < create_attempts)) {
                continue;
            }
            return ceph_error(fd);
        }
    }

    void hash_chunk(std::span<const char> data) override { hashes_.update(data); }

    result<void> store_chunk(std::span<const char> data) override {
        if (!open_ || hashes_.finished()) {
            return errc::io_error;
        }
        if (const error_code ec = mount_.check_ready()) {
            return fail(ec);
        }
        const char* next = data.data();
        std::size_t left = data.size();
        while (left > 0) {
            const std::size_t chunk = std::min(left, max_io_bytes);
            const int n =
                ::ceph_write(mount_.cm, file_.get(), next, static_cast<std::int64_t>(chunk),
                             static_cast<std::int64_t>(bytes_));
            if (n < 0) {
                if (n == -EINTR) {
                    continue;
                }
                return fail(mount_.report(ceph_error(n)));
            }
            if (n == 0) {
                return fail(mount_.report(errc::io_error));
            }
            next += n;
            left -= static_cast<std::size_t>(n);
            bytes_ += static_cast<std::uint64_t>(n);
        }
        return {};
    }

    std::string sha256_hex() const override { return hashes_.sha256_hex(); }

    std::string md5_hex() const override { return hashes_.md5_hex(); }

    result<commit_result> commit(const commit_options& opts) override {
        auto done = commit_checked(opts);
        if (!done) {
            return mount_.report(done.error());
        }
        return done;
    }

    void abort() noexcept override {
        if (!open_) {
            return;
        }
        open_ = false;
        file_.reset();
        // While the cluster does not answer, the unlink would block; the temp file then stays
        // until remove_stale_temp_files.
        if (!mount_.check_ready()) {
            (void)::ceph_unlink(mount_.cm, temp_path_.c_str());
        }
    }

    std::uint64_t bytes_written() const noexcept override { return bytes_; }

    const std::string& temp_path() const noexcept { return temp_path_; }

private:
    /// commit without the report to the prober.
    result<commit_result> commit_checked(const commit_options& opts) {
        if (!open_) {
            return errc::io_error;
        }
        if (const error_code ec = mount_.check_ready()) {
            return fail(ec);
        }
        if (opts.expected_client_sha256 &&
            !same_hex(*opts.expected_client_sha256, hashes_.sha256_hex())) {
            return fail(errc::digest_mismatch);
        }
        if (opts.expected_client_md5) {
            if (!hashes_.has_md5()) {
                return fail(errc::io_error);
            }
            if (!same_hex(*opts.expected_client_md5, hashes_.md5_hex())) {
                return fail(errc::digest_mismatch);
            }
        }

        commit_result done;
        const std::string& content_type =
            valid_content_type(opts.content_type) ? opts.content_type : std::string();
        auto stored = store_metadata(content_type);
        if (!stored) {
            return fail(stored.error());
        }
        ceph_mount_info* cm = mount_.cm;
        if (mount_.state->opts.fsync) {
            if (const int rc = ::ceph_fsync(cm, file_.get(), 0); rc != 0) {
                return fail(ceph_error(rc));
            }
        }
        struct ceph_statx st {};
        if (const int rc = ::ceph_fstatx(cm, file_.get(), &st, stat_want, 0); rc != 0) {
            return fail(ceph_error(rc));
        }
        done.info.size = st.stx_size;
        done.info.modified = to_time_point(st.stx_mtime);
        done.info.sha256_hex = hashes_.sha256_hex();
        if (*stored) {
            done.info.content_type = content_type;
        }
        if (const int rc = file_.close(); rc != 0) {
            return fail(ceph_error(rc));
        }

        if (opts.expected_sha256) {
            // Hash a file without the xattr outside the lock; under it the cache answers.
            (void)current_digest(mount_, path_);
        }
        dir_lock lock;
        const auto locked = lock.acquire(mount_, dir_path_);
        if (!locked) {
            return fail(locked.error());
        }
        if (opts.expected_sha256) {
            if (!*locked) {
                return fail(errc::io_error);
            }
            if (const error_code ec = check_expected(mount_, path_, *opts.expected_sha256)) {
                return fail(ec);
            }
        }
        if (const error_code ec = move_into_place(opts.create_only, done.replaced)) {
            return fail(ec);
        }
        open_ = false;
        if (!*stored) {
            remember_digest(st);
        }
        lock.release();

        if (mount_.state->opts.fsync) {
            if (const int rc = ::ceph_fsync(cm, lock.fd(), 0); rc != 0) {
                return ceph_error(rc);
            }
        }
        return done;
    }

    error_code fail(error_code ec) noexcept {
        abort();
        return ec;
    }

    result<bool> store_metadata(const std::string& content_type) {
        if (!mount_.state->xattrs_usable.load()) {
            return false;
        }
        ceph_mount_info* cm = mount_.cm;
        const std::string& sha = hashes_.sha256_hex();
        int rc = ::ceph_fsetxattr(cm, file_.get(), sha256_xattr, sha.data(), sha.size(), 0);
        if (rc != 0) {
            if (is_unsupported(-rc)) {
                mount_.state->xattrs_usable.store(false);
                return false;
            }
            return bool_error(ceph_error(rc));
        }
        if (!content_type.empty()) {
            rc = ::ceph_fsetxattr(cm, file_.get(), content_type_xattr, content_type.data(),
                                  content_type.size(), 0);
            if (rc != 0) {
                return bool_error(ceph_error(rc));
            }
        }
        return true;
    }

    void remember_digest(const struct ceph_statx& temp_stat) {
        struct ceph_statx st {};
        if (lstat_path(mount_.cm, path_, st) == 0 && st.stx_ino == temp_stat.stx_ino) {
            mount_.state->digests.insert(version_of(st), hashes_.sha256_hex());
        } else {
            mount_.state->digests.insert(version_of(temp_stat), hashes_.sha256_hex());
        }
    }

    /// Publishes the temp file under the target name; call it with the directory locked.
    error_code move_into_place(bool create_only, bool& replaced) {
        ceph_mount_info* cm = mount_.cm;
        if (create_only) {
            // No RENAME_NOREPLACE in libcephfs: a hard link fails with EEXIST atomically at
            // the MDS whoever holds the name (a file, link or folder).
            replaced = false;
            const int rc = ::ceph_link(cm, temp_path_.c_str(), path_.c_str());
            if (rc != 0) {
                return ceph_error(rc);
            }
            (void)::ceph_unlink(cm, temp_path_.c_str());
            return {};
        }
        struct ceph_statx existing {};
        replaced = lstat_path(cm, path_, existing) == 0;
        const int rc = ::ceph_rename(cm, temp_path_.c_str(), path_.c_str());
        if (rc == -ENOTEMPTY) {
            return errc::is_directory;  // CephFS: a file over a non-empty folder
        }
        if (rc != 0) {
            return ceph_error(rc);
        }
        return {};
    }

    mount_ref mount_;
    std::string dir_path_;   ///< mount path of the target's folder
    std::string path_;       ///< mount path of the target
    std::string temp_path_;  ///< mount path of the temp file
    ceph_fd file_;
    bool open_ = false;
    std::uint64_t bytes_ = 0;
    /// sha256_hex() and md5_hex() are const in the interface but finish the digests.
    mutable upload_digests hashes_;
};

/// Makes sure every folder of `relative` exists as a real directory, creating missing ones.
error_code make_folders(ceph_mount_info* cm, std::string_view relative) {
    for (std::size_t slash = relative.find('/'); slash != std::string_view::npos;
         slash = relative.find('/', slash + 1)) {
        const std::string path = mount_path(relative.substr(0, slash));
        struct ceph_statx st {};
        int rc = lstat_path(cm, path, st);
        if (rc == -ENOENT) {
            rc = ::ceph_mkdir(cm, path.c_str(), 0755);
            if (rc != 0 && rc != -EEXIST) {
                return ceph_error(rc);
            }
            rc = lstat_path(cm, path, st);
        }
        if (rc != 0) {
            return ceph_error(rc);
        }
        if (S_ISLNK(st.stx_mode)) {
            return errc::escapes_root;
        }
        if (!S_ISDIR(st.stx_mode)) {
            return errc::not_found;
        }
    }
    return {};
}

/// Fails when the target is a folder (errc::is_directory).
error_code check_target(ceph_mount_info* cm, const std::string& path) {
    struct ceph_statx st {};
    const int rc = lstat_path(cm, path, st);
    if (rc == -ENOENT) {
        return {};
    }
    if (rc != 0) {
        return ceph_error(rc);
    }
    if (S_ISDIR(st.stx_mode)) {
        return errc::is_directory;
    }
    return {};
}

void remove_empty_parents(ceph_mount_info* cm, std::string folder) {
    while (!folder.empty()) {
        if (::ceph_rmdir(cm, mount_path(folder).c_str()) != 0) {
            return;
        }
        folder = parent_of(folder);
    }
}

enum class entry_kind { skip, file, folder };

struct list_candidate {
    std::string name;
    entry_kind kind = entry_kind::skip;
    std::string key{};

    friend bool operator<(const list_candidate& a, const list_candidate& b) noexcept {
        return a.key < b.key;
    }
};

void replace_top(std::vector<list_candidate>& heap, list_candidate candidate) {
    const std::size_t size = heap.size();
    std::size_t hole = 0;
    for (;;) {
        const std::size_t left = 2 * hole + 1;
        if (left >= size) {
            break;
        }
        const std::size_t right = left + 1;
        const std::size_t larger = right < size && heap[left] < heap[right] ? right : left;
        if (!(candidate < heap[larger])) {
            break;
        }
        heap[hole] = std::move(heap[larger]);
        hole = larger;
    }
    heap[hole] = std::move(candidate);
}

entry_kind kind_of(ceph_mount_info* cm, std::string_view folder, std::string_view name,
                   unsigned char type) {
    if (type == DT_UNKNOWN) {
        struct ceph_statx st {};
        if (lstat_path(cm, mount_path(join(folder, name)), st) != 0) {
            return entry_kind::skip;
        }
        type = S_ISREG(st.stx_mode) ? DT_REG : S_ISDIR(st.stx_mode) ? DT_DIR : DT_UNKNOWN;
    }
    // Symbolic links are never followed, so never listed.
    return type == DT_REG   ? entry_kind::file
           : type == DT_DIR ? entry_kind::folder
                            : entry_kind::skip;
}

result<file_info> list_file_info(const mount_ref& m, std::string_view folder,
                                 std::string_view name) {
    auto fd = open_path(m.cm, mount_path(join(folder, name)), O_RDONLY | O_NOFOLLOW);
    if (!fd) {
        return fd.error();
    }
    struct ceph_statx st {};
    if (const int rc = ::ceph_fstatx(m.cm, fd->get(), &st, stat_want, 0); rc != 0) {
        return ceph_error(rc);
    }
    if (!S_ISREG(st.stx_mode)) {
        return errc::not_found;
    }
    return info_of(m, fd->get(), st);
}

/// An open directory stream, closed on destruction.
class ceph_dir {
public:
    ceph_dir(ceph_mount_info* cm, ceph_dir_result* dir) noexcept : cm_(cm), dir_(dir) {}
    ceph_dir(ceph_dir&& other) noexcept
        : cm_(other.cm_), dir_(std::exchange(other.dir_, nullptr)) {}
    ceph_dir& operator=(ceph_dir&&) = delete;
    ~ceph_dir() {
        if (dir_ != nullptr) {
            ::ceph_closedir(cm_, dir_);
        }
    }
    ceph_dir_result* get() const noexcept { return dir_; }

private:
    ceph_mount_info* cm_;
    ceph_dir_result* dir_;
};

result<ceph_dir> open_dir(ceph_mount_info* cm, const std::string& path) {
    ceph_dir_result* dir = nullptr;
    if (const int rc = ::ceph_opendir(cm, path.c_str(), &dir); rc != 0) {
        return ceph_error(rc);
    }
    return ceph_dir(cm, dir);
}

/// Runs op on the current mount: errc::unavailable at once while the storage is not ready.
/// An errc::unavailable from op makes the prober look at the session now.
template <class Op>
auto on_mount(const std::shared_ptr<shared_state>& state, Op op)
    -> decltype(op(std::declval<const mount_ref&>())) {
    std::shared_ptr<mount_handle> mount = state->monitor->acquire();
    if (!mount) {
        return errc::unavailable;
    }
    const mount_ref m{state, mount, mount->get()};
    auto done = op(m);
    if (!done) {
        return m.report(done.error());
    }
    return done;
}

result<file_info> stat_on(const mount_ref& m, std::string_view name) {
    auto file = open_regular(m, name);
    if (!file) {
        return file.error();
    }
    return info_of(m, file->fd.get(), file->st);
}

result<std::unique_ptr<file_reader>> open_read_on(const mount_ref& m, std::string_view name) {
    auto file = open_regular(m, name);
    if (!file) {
        return file.error();
    }
    auto info = info_of(m, file->fd.get(), file->st);
    if (!info) {
        return info.error();
    }
    return std::make_unique<cephfs_reader>(m, std::move(file->fd), std::move(*info));
}

result<std::unique_ptr<file_writer>> create_writer_on(const mount_ref& m, std::string_view name,
                                                      const writer_options& opts) {
    if (const error_code ec = validate_name(name)) {
        return ec;
    }
    ceph_mount_info* cm = m.cm;
    const std::string relative(name);
    for (int attempt = 0;; ++attempt) {
        if (const error_code ec = make_folders(cm, relative)) {
            if (ec == errc::not_found && attempt < create_attempts) {
                continue;  // a folder removed by a concurrent remove: create it again
            }
            return ec;
        }
        if (const error_code ec = check_target(cm, mount_path(relative))) {
            return ec;
        }
        auto writer = std::make_unique<cephfs_writer>(m, relative, opts);
        if (const error_code ec = writer->create_temp()) {
            if (ec == errc::not_found && attempt < create_attempts) {
                continue;
            }
            return ec;
        }
        return writer;
    }
}

result<void> remove_on(const mount_ref& m, std::string_view name, const remove_options& opts) {
    if (const error_code ec = validate_name(name)) {
        return ec;
    }
    ceph_mount_info* cm = m.cm;
    if (const error_code ec = check_folders(cm, name)) {
        return ec;
    }
    const std::string relative(name);
    const std::string path = mount_path(relative);
    const std::string folder = parent_of(relative);
    if (const error_code ec = check_target(cm, path)) {
        return ec;
    }
    if (opts.expected_sha256) {
        (void)current_digest(m, path);
    }
    dir_lock lock;
    const auto locked = lock.acquire(m, mount_path(folder));
    if (!locked) {
        return locked.error();
    }
    if (opts.expected_sha256) {
        if (!*locked) {
            return errc::io_error;
        }
        if (const error_code ec = check_expected(m, path, *opts.expected_sha256)) {
            return ec;
        }
    }
    if (const int rc = ::ceph_unlink(cm, path.c_str()); rc != 0) {
        return rc == -EISDIR ? make_error_code(errc::is_directory) : ceph_error(rc);
    }
    lock.release();
    remove_empty_parents(cm, folder);
    return {};
}

result<list_page> list_on(const mount_ref& m, std::string_view folder, const list_options& opts) {
    ceph_mount_info* cm = m.cm;
    if (!folder.empty()) {
        if (const error_code ec = validate_name(folder)) {
            return ec;
        }
        if (const error_code ec = check_folders(cm, folder)) {
            return ec;
        }
        struct ceph_statx st {};
        if (const int rc = lstat_path(cm, mount_path(folder), st); rc != 0) {
            return ceph_error(rc);
        }
        if (S_ISLNK(st.stx_mode)) {
            return errc::escapes_root;
        }
        if (!S_ISDIR(st.stx_mode)) {
            return errc::not_found;
        }
    }
    auto dir = open_dir(cm, mount_path(folder));
    if (!dir) {
        return dir.error();
    }

    const std::size_t limit = std::max<std::size_t>(opts.limit, 1);
    const std::size_t max_entry_bytes =
        folder.empty() ? max_name_bytes
                       : max_name_bytes - std::min(max_name_bytes, folder.size() + 1);
    std::vector<list_candidate> heap;
    bool more = false;
    for (;;) {
        struct dirent entry {};
        const int rc = ::ceph_readdir_r(cm, dir->get(), &entry);
        if (rc < 0) {
            return ceph_error(rc);
        }
        if (rc == 0) {
            break;
        }
        const std::string_view name(entry.d_name);
        if (!name.starts_with(opts.prefix) || name.size() > max_entry_bytes ||
            validate_name(name)) {
            continue;
        }
        const entry_kind kind = kind_of(cm, folder, name, entry.d_type);
        if (kind == entry_kind::skip) {
            continue;
        }
        std::string key(name);
        if (kind == entry_kind::folder) {
            key += '/';
        }
        if (key <= opts.after) {
            continue;
        }
        const bool full = heap.size() >= limit;
        const bool beyond_page = full && key > heap.front().key;
        if (beyond_page && more) {
            continue;
        }
        list_candidate candidate{std::string(name), kind, std::move(key)};
        if (!full) {
            heap.push_back(std::move(candidate));
            std::push_heap(heap.begin(), heap.end());
            continue;
        }
        more = true;
        if (!beyond_page) {
            replace_top(heap, std::move(candidate));
        }
    }

    std::sort_heap(heap.begin(), heap.end());
    list_page page;
    if (more && !heap.empty()) {
        page.next_after = heap.back().key;
    }
    for (auto& candidate : heap) {
        if (candidate.kind == entry_kind::folder) {
            page.folders.push_back(std::move(candidate.name));
            continue;
        }
        auto info = list_file_info(m, folder, candidate.name);
        if (info) {
            page.files.push_back({std::move(candidate.name), std::move(*info)});
        }
    }
    return page;
}

result<disk_usage> usage_on(const mount_ref& m) {
    struct statvfs vfs {};
    if (const int rc = ::ceph_statfs(m.cm, "/", &vfs); rc != 0) {
        return ceph_error(rc);
    }
    const std::uint64_t unit = vfs.f_frsize != 0 ? vfs.f_frsize : vfs.f_bsize;
    disk_usage usage;
    usage.total_bytes = static_cast<std::uint64_t>(vfs.f_blocks) * unit;
    usage.available_bytes = static_cast<std::uint64_t>(vfs.f_bavail) * unit;
    const std::uint64_t used = static_cast<std::uint64_t>(vfs.f_blocks - vfs.f_bfree) * unit;
    const std::uint64_t denominator = used + usage.available_bytes;
    usage.used_fraction =
        denominator == 0 ? 0.0 : static_cast<double>(used) / static_cast<double>(denominator);
    return usage;
}

result<std::size_t> remove_stale_temp_files_on(const mount_ref& m) {
    ceph_mount_info* cm = m.cm;
    const auto now = std::chrono::system_clock::now();
    struct level {
        std::string relative;
        ceph_dir dir;
    };
    std::vector<level> stack;
    {
        auto top = open_dir(cm, "/");
        if (!top) {
            return top.error();
        }
        stack.push_back({std::string(), std::move(*top)});
    }
    std::size_t removed = 0;
    while (!stack.empty()) {
        struct dirent entry {};
        const int rc = ::ceph_readdir_r(cm, stack.back().dir.get(), &entry);
        if (rc < 0) {
            return ceph_error(rc);
        }
        if (rc == 0) {
            stack.pop_back();
            continue;
        }
        const std::string_view entry_name(entry.d_name);
        if (entry_name == "." || entry_name == "..") {
            continue;
        }
        const std::string relative = join(stack.back().relative, entry_name);
        const std::string path = mount_path(relative);
        unsigned char type = entry.d_type;
        struct ceph_statx st {};
        bool have_stat = false;
        if (type == DT_UNKNOWN || (type == DT_REG && entry_name.starts_with(temp_prefix))) {
            const int stat_rc = lstat_path(cm, path, st);
            if (stat_rc == -ENOENT) {
                continue;
            }
            if (stat_rc != 0) {
                return ceph_error(stat_rc);
            }
            have_stat = true;
            type = S_ISDIR(st.stx_mode) ? DT_DIR : S_ISREG(st.stx_mode) ? DT_REG : DT_UNKNOWN;
        }
        if (type == DT_DIR) {
            auto child = open_dir(cm, path);
            if (!child) {
                if (child.error() == errc::not_found) {
                    continue;
                }
                return child.error();
            }
            stack.push_back({relative, std::move(*child)});
        } else if (type == DT_REG && have_stat && entry_name.starts_with(temp_prefix)) {
            if (now - to_time_point(st.stx_mtime) < m.state->opts.stale_temp_min_age) {
                continue;  // possibly another process's upload in progress
            }
            const int unlink_rc = ::ceph_unlink(cm, path.c_str());
            if (unlink_rc == 0) {
                ++removed;
            } else if (unlink_rc != -ENOENT) {
                return ceph_error(unlink_rc);
            }
        }
    }
    return removed;
}

// Resumable uploads (upload_store.hpp) in <root>/<upload_folder>, as posix_upload_store keeps
// them: the same files, and ceph_flock on the data file, which the MDS arbitrates between every
// client of the file system (so also against posix_upload_store on a ceph-fuse mount).

std::string upload_file(std::string_view id, std::string_view suffix) {
    std::string path = mount_path(upload_folder);
    path += '/';
    path.append(id);
    path.append(suffix);
    return path;
}

error_code write_all_at(ceph_mount_info* cm, int fd, std::span<const char> data,
                        std::uint64_t offset) {
    while (!data.empty()) {
        const std::size_t chunk = std::min(data.size(), max_io_bytes);
        const int n = ::ceph_write(cm, fd, data.data(), static_cast<std::int64_t>(chunk),
                                   static_cast<std::int64_t>(offset));
        if (n < 0) {
            if (n == -EINTR) {
                continue;
            }
            return ceph_error(n);
        }
        if (n == 0) {
            return errc::io_error;
        }
        data = data.subspan(static_cast<std::size_t>(n));
        offset += static_cast<std::uint64_t>(n);
    }
    return {};
}

class cephfs_upload_data final : public upload_data {
public:
    cephfs_upload_data(mount_ref mount, ceph_fd fd, std::uint64_t owner, std::uint64_t size)
        : mount_(std::move(mount)), fd_(std::move(fd)), owner_(owner), end_(size) {}
    ~cephfs_upload_data() override {
        if (mount_.check_ready()) {
            return;  // the session is gone, and its locks with it; a call could block
        }
        (void)::ceph_flock(mount_.cm, fd_.get(), LOCK_UN, owner_);
    }
    cephfs_upload_data(const cephfs_upload_data&) = delete;
    cephfs_upload_data& operator=(const cephfs_upload_data&) = delete;

    result<std::uint64_t> size() override {
        if (auto ec = mount_.check_ready()) {
            return ec;
        }
        struct ceph_statx st {};
        if (const int rc = ::ceph_fstatx(mount_.cm, fd_.get(), &st, stat_want, 0); rc != 0) {
            return mount_.report(ceph_error(rc));
        }
        return static_cast<std::uint64_t>(st.stx_size);
    }
    result<void> truncate(std::uint64_t size) override {
        if (auto ec = mount_.check_ready()) {
            return ec;
        }
        if (const int rc = ::ceph_ftruncate(mount_.cm, fd_.get(), static_cast<std::int64_t>(size));
            rc != 0) {
            return mount_.report(ceph_error(rc));
        }
        end_ = size;
        return {};
    }
    result<void> append(std::span<const char> data) override {
        if (auto ec = mount_.check_ready()) {
            return ec;
        }
        if (auto ec = write_all_at(mount_.cm, fd_.get(), data, end_)) {
            return mount_.report(ec);
        }
        end_ += data.size();
        return {};
    }
    result<void> sync() override {
        if (!mount_.state->opts.fsync) {
            return {};
        }
        if (auto ec = mount_.check_ready()) {
            return ec;
        }
        if (const int rc = ::ceph_fsync(mount_.cm, fd_.get(), 1); rc != 0) {
            return mount_.report(ceph_error(rc));
        }
        return {};
    }
    result<std::size_t> read_at(std::uint64_t offset, std::span<char> buffer) override {
        if (auto ec = mount_.check_ready()) {
            return ec;
        }
        const std::size_t size = std::min(buffer.size(), max_io_bytes);
        for (;;) {
            const int n =
                ::ceph_read(mount_.cm, fd_.get(), buffer.data(), static_cast<std::int64_t>(size),
                            static_cast<std::int64_t>(offset));
            if (n >= 0) {
                return static_cast<std::size_t>(n);
            }
            if (n != -EINTR) {
                return mount_.report(ceph_error(n));
            }
        }
    }

private:
    mount_ref mount_;
    ceph_fd fd_;
    std::uint64_t owner_;
    std::uint64_t end_;
};

error_code make_upload_folder(const mount_ref& m) {
    const std::string folder = mount_path(upload_folder);
    const int rc = ::ceph_mkdir(m.cm, folder.c_str(), 0700);
    return rc == 0 || rc == -EEXIST ? error_code{} : ceph_error(rc);
}

result<void> write_upload_info_on(const mount_ref& m, std::string_view id,
                                  const upload_info& info) {
    if (auto ec = make_upload_folder(m)) {
        return ec;
    }
    // A temp name (temp_prefix): remove_stale_temp_files clears what a crash left.
    const std::string temp = mount_path(upload_folder) + "/" + make_temp_name();
    auto file = open_path(m.cm, temp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW, 0600);
    if (!file) {
        return file.error();
    }
    const std::string text = to_json(info);
    error_code ec = write_all_at(m.cm, file->get(), text, 0);
    if (!ec && m.state->opts.fsync) {
        if (const int rc = ::ceph_fsync(m.cm, file->get(), 0); rc != 0) {
            ec = ceph_error(rc);
        }
    }
    if (const int rc = file->close(); !ec && rc != 0) {
        ec = ceph_error(rc);
    }
    const std::string path = upload_file(id, ".info");
    if (!ec) {
        if (const int rc = ::ceph_rename(m.cm, temp.c_str(), path.c_str()); rc != 0) {
            ec = ceph_error(rc);
        }
    }
    if (ec) {
        (void)::ceph_unlink(m.cm, temp.c_str());
        return ec;
    }
    if (m.state->opts.fsync) {
        auto folder = open_path(m.cm, mount_path(upload_folder), O_RDONLY | O_DIRECTORY);
        if (!folder) {
            return folder.error();
        }
        if (const int rc = ::ceph_fsync(m.cm, folder->get(), 0); rc != 0) {
            return ceph_error(rc);
        }
    }
    return {};
}

result<upload_info> read_upload_info_on(const mount_ref& m, std::string_view id) {
    auto file = open_path(m.cm, upload_file(id, ".info"), O_RDONLY | O_NOFOLLOW);
    if (!file) {
        return file.error();
    }
    constexpr std::size_t max_info_bytes = 64 * 1024;
    std::string text;
    char buffer[4096];
    for (;;) {
        const int n = ::ceph_read(m.cm, file->get(), buffer, sizeof buffer,
                                  static_cast<std::int64_t>(text.size()));
        if (n < 0) {
            if (n == -EINTR) {
                continue;
            }
            return ceph_error(n);
        }
        if (n == 0) {
            break;
        }
        text.append(buffer, static_cast<std::size_t>(n));
        if (text.size() > max_info_bytes) {
            return errc::io_error;
        }
    }
    return parse_upload_info(text);
}

class cephfs_upload_store final : public upload_store {
public:
    explicit cephfs_upload_store(std::shared_ptr<shared_state> state) noexcept
        : state_(std::move(state)) {}

    result<void> create(std::string_view id, const upload_info& info) override {
        if (!valid_upload_id(id)) {
            return errc::not_found;
        }
        return on_mount(state_, [&](const mount_ref& m) -> result<void> {
            struct ceph_statx st {};
            if (lstat_path(m.cm, upload_file(id, ".info"), st) == 0) {
                return errc::already_exists;
            }
            if (auto written = write_upload_info_on(m, id, info); !written) {
                return written;
            }
            auto data = open_path(m.cm, upload_file(id, ".data"),
                                  O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW, 0600);
            if (!data) {
                (void)::ceph_unlink(m.cm, upload_file(id, ".info").c_str());
                return data.error();
            }
            if (const int rc = data->close(); rc != 0) {
                return ceph_error(rc);
            }
            return {};
        });
    }

    result<upload_info> read_info(std::string_view id) override {
        if (!valid_upload_id(id)) {
            return errc::not_found;
        }
        return on_mount(state_, [&](const mount_ref& m) { return read_upload_info_on(m, id); });
    }

    result<void> write_info(std::string_view id, const upload_info& info) override {
        if (!valid_upload_id(id)) {
            return errc::not_found;
        }
        return on_mount(state_,
                        [&](const mount_ref& m) { return write_upload_info_on(m, id, info); });
    }

    result<std::unique_ptr<upload_data>> lock(std::string_view id) override {
        if (!valid_upload_id(id)) {
            return errc::not_found;
        }
        return on_mount(state_, [&](const mount_ref& m) -> result<std::unique_ptr<upload_data>> {
            const std::string path = upload_file(id, ".data");
            auto fd = open_path(m.cm, path, O_RDWR | O_NOFOLLOW);
            if (!fd) {
                return fd.error();
            }
            const std::uint64_t owner = m.state->next_lock_owner.fetch_add(1);
            for (;;) {
                const int rc = ::ceph_flock(m.cm, fd->get(), LOCK_EX | LOCK_NB, owner);
                if (rc == 0) {
                    break;
                }
                if (rc == -EWOULDBLOCK) {
                    return errc::locked;
                }
                if (rc != -EINTR) {
                    return ceph_error(rc);
                }
            }
            // A remove between the open and the flock unlinked what we hold: the upload is gone.
            struct ceph_statx held {};
            struct ceph_statx named {};
            if (const int rc = ::ceph_fstatx(m.cm, fd->get(), &held, stat_want, 0); rc != 0) {
                (void)::ceph_flock(m.cm, fd->get(), LOCK_UN, owner);
                return ceph_error(rc);
            }
            if (lstat_path(m.cm, path, named) != 0 || named.stx_ino != held.stx_ino) {
                (void)::ceph_flock(m.cm, fd->get(), LOCK_UN, owner);
                return errc::not_found;
            }
            return std::unique_ptr<upload_data>(
                new cephfs_upload_data(m, std::move(*fd), owner, held.stx_size));
        });
    }

    result<void> remove(std::string_view id) override {
        if (!valid_upload_id(id)) {
            return errc::not_found;
        }
        return on_mount(state_, [&](const mount_ref& m) -> result<void> {
            // Data first, as in the posix store: a crash in between leaves an info that the
            // sweep finds, never a data file that nothing lists.
            for (const std::string_view suffix : {".data", ".info"}) {
                const int rc = ::ceph_unlink(m.cm, upload_file(id, suffix).c_str());
                if (rc != 0 && rc != -ENOENT) {
                    return ceph_error(rc);
                }
            }
            return {};
        });
    }

    result<std::vector<std::string>> list() override {
        return on_mount(state_, [&](const mount_ref& m) -> result<std::vector<std::string>> {
            std::vector<std::string> ids;
            auto dir = open_dir(m.cm, mount_path(upload_folder));
            if (!dir) {
                if (dir.error() == errc::not_found) {
                    return ids;
                }
                return dir.error();
            }
            for (;;) {
                struct dirent entry {};
                const int rc = ::ceph_readdir_r(m.cm, dir->get(), &entry);
                if (rc < 0) {
                    return ceph_error(rc);
                }
                if (rc == 0) {
                    return ids;
                }
                const std::string_view name(entry.d_name);
                constexpr std::string_view suffix = ".info";
                if (name.ends_with(suffix)) {
                    const auto id = name.substr(0, name.size() - suffix.size());
                    if (valid_upload_id(id)) {
                        ids.emplace_back(id);
                    }
                }
            }
        });
    }

private:
    std::shared_ptr<shared_state> state_;
};

}  // namespace

cephfs_backend::cephfs_backend(std::shared_ptr<shared_state> state) noexcept
    : state_(std::move(state)), uploads_(std::make_unique<cephfs_upload_store>(state_)) {}

cephfs_backend::~cephfs_backend() = default;

result<std::unique_ptr<cephfs_backend>> cephfs_backend::open(const cephfs_options& opts) {
    std::string root = normalized_root(opts.root);
    auto mounted = mount_root(opts, root);
    if (!mounted) {
        return mounted.error();
    }
    auto state = std::make_shared<shared_state>(opts, std::move(root), std::move(*mounted));
    return std::unique_ptr<cephfs_backend>(new cephfs_backend(std::move(state)));
}

result<file_info> cephfs_backend::stat(std::string_view name) {
    return on_mount(state_, [&](const mount_ref& m) { return stat_on(m, name); });
}

result<std::unique_ptr<file_reader>> cephfs_backend::open_read(std::string_view name) {
    return on_mount(state_, [&](const mount_ref& m) { return open_read_on(m, name); });
}

result<std::unique_ptr<file_writer>> cephfs_backend::create_writer(std::string_view name,
                                                                   const writer_options& opts) {
    return on_mount(state_, [&](const mount_ref& m) { return create_writer_on(m, name, opts); });
}

result<void> cephfs_backend::remove(std::string_view name, const remove_options& opts) {
    return on_mount(state_, [&](const mount_ref& m) { return remove_on(m, name, opts); });
}

result<list_page> cephfs_backend::list(std::string_view folder, const list_options& opts) {
    return on_mount(state_, [&](const mount_ref& m) { return list_on(m, folder, opts); });
}

result<disk_usage> cephfs_backend::usage() {
    return on_mount(state_, [&](const mount_ref& m) { return usage_on(m); });
}

result<std::size_t> cephfs_backend::remove_stale_temp_files() {
    return on_mount(state_, [&](const mount_ref& m) { return remove_stale_temp_files_on(m); });
}

storage_health cephfs_backend::health() const {
    return state_->monitor->health();
}

std::uint64_t cephfs_backend::instance_id() const {
    return state_->monitor->instance_id();
}

digest_cache::stats cephfs_backend::digest_cache_stats() const {
    return state_->digests.statistics();
}

}  // namespace simplefs::storage
