#include "storage/posix/posix_backend.hpp"

#include "storage/backend_support.hpp"
#include "storage/hasher.hpp"
#include "storage/name.hpp"
#include "storage/posix/posix_io.hpp"

#include <dirent.h>
#include <fcntl.h>
#include <linux/openat2.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <sys/uio.h>
#include <sys/vfs.h>
#include <sys/xattr.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <cstdint>
#include <cstdio>
#include <limits>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <system_error>
#include <utility>
#include <vector>

namespace simplefs::storage {

namespace {

using boost::system::error_code;

constexpr int create_attempts = 8;
/// How often a file changing while it is hashed is hashed again before giving up on caching.
constexpr int hash_attempts = 3;
constexpr std::size_t hash_buffer_bytes = 64 * 1024;

/// result<bool> cannot be built from an error_code implicitly (error_code converts to bool).
result<bool> bool_error(error_code ec) noexcept {
    return {boost::system::in_place_error, ec};
}

/// Whether other machines may write under this descriptor (f_type values from linux/magic.h).
bool on_shared_filesystem(int fd) noexcept {
    constexpr long ceph_magic = 0x00c36400;
    constexpr long fuse_magic = 0x65735546;
    constexpr long nfs_magic = 0x6969;
    constexpr long smb2_magic = 0xfe534d42;
    constexpr long cifs_magic = 0xff534d42;
    struct statfs fs {};
    if (::fstatfs(fd, &fs) != 0) {
        return true;  // unknown: be careful
    }
    const long type = static_cast<long>(fs.f_type);
    return type == ceph_magic || type == fuse_magic || type == nfs_magic || type == smb2_magic ||
           type == cifs_magic;
}

bool is_unsupported(int error) noexcept {
    return error == ENOTSUP || error == EOPNOTSUPP;
}

}  // namespace

/// What the xattrs say about one version of a file, kept so that reads of hot files need no
/// xattr calls (try_open_read_cached).
struct stored_metadata {
    std::string sha256_hex;
    std::string content_type;
};

/// The device of the root when it is on a local filesystem, where reads from memory cannot
/// wait on a server; nullopt on a shared one.
std::optional<dev_t> local_root_device(int root_fd) noexcept {
    struct stat st {};
    if (on_shared_filesystem(root_fd) || ::fstat(root_fd, &st) != 0) {
        return std::nullopt;
    }
    return st.st_dev;
}

struct posix_backend::shared_state {
    shared_state(int root, posix_options options)
        : root_fd(root),
          opts(options),
          digests(options.digest_cache_entries),
          local_device(local_root_device(root)),
          metadata(local_device ? options.digest_cache_entries : 0) {}
    ~shared_state() { ::close(root_fd); }
    shared_state(const shared_state&) = delete;
    shared_state& operator=(const shared_state&) = delete;

    /// Whether commits should try to set extended attributes on files of device.
    bool xattrs_usable(dev_t device) {
        if (!opts.store_xattrs) {
            return false;
        }
        const std::lock_guard lock(no_xattr_mutex);
        return std::find(no_xattr_devices.begin(), no_xattr_devices.end(), device) ==
               no_xattr_devices.end();
    }

    void mark_no_xattrs(dev_t device) {
        const std::lock_guard lock(no_xattr_mutex);
        if (std::find(no_xattr_devices.begin(), no_xattr_devices.end(), device) ==
            no_xattr_devices.end()) {
            no_xattr_devices.push_back(device);
        }
    }

    const int root_fd;  ///< O_PATH descriptor of the root
    const posix_options opts;
    digest_cache digests;
    /// Set when the root is on a local filesystem: files on this device may be opened on a
    /// network thread (try_open_read_cached).
    const std::optional<dev_t> local_device;
    version_cache<stored_metadata> metadata;  ///< empty unless local_device
    std::mutex no_xattr_mutex;
    std::vector<dev_t> no_xattr_devices;  ///< devices where setting a user xattr gave ENOTSUP
};

namespace {

using shared_state = posix_backend::shared_state;

result<unique_fd> open_beneath(int dir_fd, const std::string& path, std::uint64_t flags) {
    open_how how{};
    how.flags = flags | O_CLOEXEC;
    how.resolve = RESOLVE_BENEATH | RESOLVE_NO_MAGICLINKS;
    for (int attempt = 0;; ++attempt) {
        const long fd = ::syscall(SYS_openat2, dir_fd, path.c_str(), &how, sizeof how);
        if (fd >= 0) {
            return unique_fd(static_cast<int>(fd));
        }
        const int error = errno;
        if (error == EINTR || (error == EAGAIN && attempt < 64)) {
            continue;
        }
        return from_errno(error);
    }
}

struct split_name {
    std::string parent;  ///< "." for a name at the top of the root
    std::string leaf;
};

split_name split(const std::string& path) {
    const std::size_t slash = path.rfind('/');
    if (slash == std::string::npos) {
        return {".", path};
    }
    return {path.substr(0, slash), path.substr(slash + 1)};
}

file_version version_of(const struct stat& st) noexcept {
    return {static_cast<std::uint64_t>(st.st_dev), static_cast<std::uint64_t>(st.st_ino),
            static_cast<std::uint64_t>(st.st_size), to_nanoseconds(st.st_mtim),
            to_nanoseconds(st.st_ctim)};
}

std::string read_sha256_xattr(int fd) {
    std::array<char, sha256_hex_size + 1> buffer{};
    const ssize_t n = ::fgetxattr(fd, sha256_xattr, buffer.data(), buffer.size());
    if (n != static_cast<ssize_t>(sha256_hex_size)) {
        return {};
    }
    const std::string_view value(buffer.data(), sha256_hex_size);
    return is_lower_hex(value) ? std::string(value) : std::string();
}

std::string read_content_type_xattr(int fd) {
    std::array<char, max_content_type_bytes + 1> buffer{};
    const ssize_t n = ::fgetxattr(fd, content_type_xattr, buffer.data(), buffer.size());
    if (n <= 0 || static_cast<std::size_t>(n) > max_content_type_bytes) {
        return {};
    }
    const std::string_view value(buffer.data(), static_cast<std::size_t>(n));
    return valid_content_type(value) ? std::string(value) : std::string();
}

/// SHA-256 of the whole file, read with pread (the descriptor's offset is left alone). size is
/// the expected size, to size the buffer.
result<std::string> hash_file(int fd, off_t size) {
    sha256 hash;
    const std::size_t buffer_size =
        std::min(hash_buffer_bytes, static_cast<std::size_t>(std::max<off_t>(size, 0)) + 1);
    const auto buffer = std::make_unique_for_overwrite<char[]>(buffer_size);
    off_t offset = 0;
    for (;;) {
        const ssize_t n = ::pread(fd, buffer.get(), buffer_size, offset);
        if (n < 0) {
            if (errno == EINTR) {
                continue;
            }
            return last_error();
        }
        if (n == 0) {
            return hash.finish();
        }
        hash.update({buffer.get(), static_cast<std::size_t>(n)});
        offset += n;
    }
}

/// The SHA-256 of the open regular file fd: from the xattr, else the cache, else computed (and
/// cached; an empty file needs neither). st must be fstat(fd); it is updated when the file
/// changed while being hashed, so that it describes the version hashed.
result<std::string> digest_of(shared_state& state, int fd, struct stat& st) {
    std::string stored = read_sha256_xattr(fd);
    if (!stored.empty()) {
        return stored;
    }
    if (st.st_size == 0) {
        return std::string(empty_sha256);
    }
    if (auto cached = state.digests.find(version_of(st))) {
        return std::move(*cached);
    }
    for (int attempt = 1;; ++attempt) {
        auto computed = hash_file(fd, st.st_size);
        if (!computed) {
            return computed.error();
        }
        struct stat after {};
        if (::fstat(fd, &after) != 0) {
            return last_error();
        }
        const bool unchanged = version_of(after) == version_of(st);
        st = after;
        if (unchanged) {
            state.digests.insert(version_of(st), *computed);
            return computed;
        }
        if (attempt == hash_attempts) {
            return computed;  // still being written: the best we have, not worth caching
        }
    }
}

result<file_info> info_of(shared_state& state, int fd, const struct stat& st) {
    struct stat current = st;
    auto digest = digest_of(state, fd, current);
    if (!digest) {
        return digest.error();
    }
    file_info info;
    info.size = static_cast<std::uint64_t>(current.st_size);
    info.modified = to_time_point(current.st_mtim);
    info.sha256_hex = std::move(*digest);
    info.content_type = read_content_type_xattr(fd);
    // Not when the file changed while it was hashed: the digest may be of neither version.
    if (version_of(current) == version_of(st)) {
        state.metadata.insert(version_of(current), {info.sha256_hex, info.content_type});
    }
    return info;
}

/// flock(LOCK_EX) on the file a name refers to, for one check-and-change step on that name;
/// released on destruction. The lock is on the file, not on its directory, because ceph-fuse
/// forwards flock on regular files to the MDS (so it holds across replicas with their own
/// mounts) but keeps flock on directories local to one mount. A writer that renames a new file
/// over the name releases the old file's lock, so after locking the name is checked again.
class name_lock {
public:
    enum class state { locked, no_file, unsupported };

    name_lock() noexcept = default;
    name_lock(const name_lock&) = delete;
    name_lock& operator=(const name_lock&) = delete;
    ~name_lock() { release(); }

    /// Locks the regular file now at leaf. no_file when there is none (missing, a folder, a
    /// symlink: nothing to lock); unsupported when the filesystem cannot lock (e.g. NFS).
    result<state> acquire(int dir_fd, const std::string& leaf) noexcept {
        constexpr int max_attempts = 1000;  // each retry means another writer won a commit
        for (int attempt = 0; attempt < max_attempts; ++attempt) {
            unique_fd fd(::openat(dir_fd, leaf.c_str(),
                                  O_RDONLY | O_NONBLOCK | O_NOCTTY | O_NOFOLLOW | O_CLOEXEC));
            if (fd.get() < 0) {
                const int error = errno;
                if (error == ENOENT || error == ELOOP || error == ENXIO || error == ENOTDIR) {
                    return state::no_file;
                }
                return {boost::system::in_place_error, from_errno(error)};
            }
            struct stat locked {};
            if (::fstat(fd.get(), &locked) != 0) {
                return {boost::system::in_place_error, last_error()};
            }
            if (!S_ISREG(locked.st_mode)) {
                return state::no_file;
            }
            while (::flock(fd.get(), LOCK_EX) != 0) {
                const int error = errno;
                if (error == EINTR) {
                    continue;
                }
                if (is_unsupported(error) || error == ENOLCK || error == EINVAL ||
                    error == ENOSYS) {
                    return state::unsupported;
                }
                return {boost::system::in_place_error, from_errno(error)};
            }
            struct stat now {};
            if (::fstatat(dir_fd, leaf.c_str(), &now, AT_SYMLINK_NOFOLLOW) == 0 &&
                now.st_ino == locked.st_ino && now.st_dev == locked.st_dev) {
                fd_ = std::move(fd);
                return state::locked;
            }
        }
        return {boost::system::in_place_error, make_error_code(errc::io_error)};
    }

    void release() noexcept { fd_ = unique_fd(); }

private:
    unique_fd fd_;
};

/// The SHA-256 of the file now at `leaf` in dir_fd (path: the same name from the root, used
/// when leaf is a symlink): errc::precondition_failed when there is no regular file,
/// errc::is_directory for a folder.
result<std::string> current_digest(shared_state& state, int dir_fd, const std::string& leaf,
                                   const std::string& path) {
    constexpr int read_flags = O_RDONLY | O_NONBLOCK | O_NOCTTY;
    unique_fd fd(::openat(dir_fd, leaf.c_str(), read_flags | O_NOFOLLOW | O_CLOEXEC));
    if (fd.get() < 0) {
        const int error = errno;
        if (error != ELOOP) {
            if (error == ENOENT || error == ENOTDIR || error == ENXIO) {
                return errc::precondition_failed;
            }
            return from_errno(error);
        }
        auto resolved = open_beneath(state.root_fd, path, read_flags);
        if (!resolved) {
            return resolved.error() == errc::not_found ? make_error_code(errc::precondition_failed)
                                                       : resolved.error();
        }
        fd = std::move(*resolved);
    }
    struct stat st {};
    if (::fstat(fd.get(), &st) != 0) {
        return last_error();
    }
    if (S_ISDIR(st.st_mode)) {
        return errc::is_directory;
    }
    if (!S_ISREG(st.st_mode)) {
        return errc::precondition_failed;
    }
    return digest_of(state, fd.get(), st);
}

/// Checks an If-Match condition on the file at leaf; call it with the name locked.
error_code check_expected(shared_state& state, int dir_fd, const std::string& leaf,
                          const std::string& path, const std::string& expected_sha256) {
    auto current = current_digest(state, dir_fd, leaf, path);
    if (!current) {
        return current.error();
    }
    if (!same_hex(*current, expected_sha256)) {
        return errc::precondition_failed;
    }
    return {};
}

bool rename_flags_unsupported(int error) noexcept {
    return error == EINVAL || error == ENOSYS || is_unsupported(error);
}

/// Removes folder and then each of its parents while they are empty: folders exist only to hold
/// files. A writer that opened one of them before it went retries (create_writer).
void remove_empty_parents(int root_fd, std::string folder) {
    while (folder != ".") {
        split_name parts = split(folder);
        auto dir = open_beneath(root_fd, parts.parent, O_PATH | O_DIRECTORY);
        if (!dir || ::unlinkat(dir->get(), parts.leaf.c_str(), AT_REMOVEDIR) != 0) {
            return;
        }
        folder = std::move(parts.parent);
    }
}

struct opened_file {
    unique_fd fd;
    struct stat st;
};

class posix_reader final : public file_reader {
public:
    posix_reader(unique_fd fd, file_info info) : fd_(std::move(fd)), info_(std::move(info)) {}

    const file_info& info() const override { return info_; }

    result<std::size_t> read_at(std::uint64_t offset, std::span<char> buffer) override {
        if (buffer.empty() ||
            offset > static_cast<std::uint64_t>(std::numeric_limits<off_t>::max())) {
            return std::size_t{0};
        }
        return pread_some(fd_.get(), offset, buffer);
    }

    result<std::size_t> try_read_cached_at(std::uint64_t offset, std::span<char> buffer) override {
        if (offset > static_cast<std::uint64_t>(std::numeric_limits<off_t>::max())) {
            return std::size_t{0};
        }
        iovec vec{buffer.data(), buffer.size()};
        const ssize_t n = ::preadv2(fd_.get(), &vec, 1, static_cast<off_t>(offset), RWF_NOWAIT);
        if (n < 0) {
            return errc::would_block;  // EAGAIN, or a filesystem without RWF_NOWAIT
        }
        return static_cast<std::size_t>(n);
    }

    int native_handle() const noexcept override { return fd_.get(); }

private:
    unique_fd fd_;
    file_info info_;
};

class posix_writer final : public file_writer {
public:
    posix_writer(std::shared_ptr<shared_state> state, unique_fd dir, std::string path,
                 std::string leaf, const writer_options& opts)
        : state_(std::move(state)),
          dir_(std::move(dir)),
          path_(std::move(path)),
          leaf_(std::move(leaf)),
          hashes_(opts.md5) {}

    ~posix_writer() override { abort(); }

    error_code create_temp() {
        for (int attempt = 0;; ++attempt) {
            temp_name_ = make_temp_name();
            const int fd = ::openat(dir_.get(), temp_name_.c_str(),
                                    O_CREAT | O_EXCL | O_WRONLY | O_CLOEXEC, 0644);
            if (fd >= 0) {
                file_.reset(fd);
                open_ = true;
                return {};
            }
            if (errno == EINTR || (errno == EEXIST && attempt < create_attempts)) {
                continue;
            }
            return last_error();
        }
    }

    void hash_chunk(std::span<const char> data) override { hashes_.update(data); }

    result<void> store_chunk(std::span<const char> data) override {
        if (!open_ || hashes_.finished()) {
            return errc::io_error;
        }
        if (auto ec = write_all(file_.get(), data)) {
            return fail(ec);
        }
        bytes_ += data.size();
        start_writeback();
        return {};
    }

    std::string sha256_hex() const override { return hashes_.sha256_hex(); }

    std::string md5_hex() const override { return hashes_.md5_hex(); }

    result<commit_result> commit(const commit_options& opts) override {
        if (!open_) {
            return errc::io_error;
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
        if (state_->opts.fsync && ::fsync(file_.get()) != 0) {
            return fail(errno);
        }
        struct stat st {};
        if (::fstat(file_.get(), &st) != 0) {
            return fail(errno);
        }
        done.info.size = static_cast<std::uint64_t>(st.st_size);
        done.info.modified = to_time_point(st.st_mtim);
        done.info.sha256_hex = hashes_.sha256_hex();
        if (*stored) {
            done.info.content_type = content_type;
        }
        if (::close(file_.release()) != 0 && errno != EINTR) {
            return fail(errno);
        }

        if (opts.expected_sha256) {
            // Hash a file without the xattr outside the lock; under it the cache answers.
            (void)current_digest(*state_, dir_.get(), leaf_, path_);
        }
        // create_only needs no lock: the publishing call itself fails when the name is taken.
        name_lock lock;
        if (!opts.create_only) {
            const auto locked = lock.acquire(dir_.get(), leaf_);
            if (!locked) {
                return fail(locked.error());
            }
            if (opts.expected_sha256) {
                if (*locked == name_lock::state::unsupported) {
                    return fail(errc::io_error);
                }
                if (const error_code ec =
                        check_expected(*state_, dir_.get(), leaf_, path_, *opts.expected_sha256)) {
                    return fail(ec);
                }
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

        if (state_->opts.fsync && ::fsync(dir_.get()) != 0) {
            return last_error();
        }
        return done;
    }

    void abort() noexcept override {
        if (!open_) {
            return;
        }
        open_ = false;
        file_.reset();
        ::unlinkat(dir_.get(), temp_name_.c_str(), 0);
        // Folders created for this upload would otherwise outlive it, empty.
        remove_empty_parents(state_->root_fd, split(path_).parent);
    }

    std::uint64_t bytes_written() const noexcept override { return bytes_; }

    /// With fsync on, asks the kernel to start writing the upload's pages to disk every few MiB
    /// (sync_file_range WRITE: it does not wait), so that the commit's fsync finds little left
    /// to write: the disk works while the rest of the body still arrives.
    void start_writeback() noexcept {
        constexpr std::uint64_t step = 8u << 20;
        if (!state_->opts.fsync || bytes_ - writeback_started_ < step) {
            return;
        }
        (void)::sync_file_range(file_.get(), static_cast<off64_t>(writeback_started_),
                                static_cast<off64_t>(bytes_ - writeback_started_),
                                SYNC_FILE_RANGE_WRITE);
        writeback_started_ = bytes_;
    }

private:
    error_code fail(int error) noexcept { return fail(from_errno(error)); }

    error_code fail(error_code ec) noexcept {
        abort();
        return ec;
    }

    /// Sets the xattrs on the temp file; false when the filesystem does not keep them.
    result<bool> store_metadata(const std::string& content_type) {
        struct stat st {};
        if (::fstat(file_.get(), &st) != 0) {
            return bool_error(last_error());
        }
        if (!state_->xattrs_usable(st.st_dev)) {
            return false;
        }
        const std::string& sha = hashes_.sha256_hex();
        if (::fsetxattr(file_.get(), sha256_xattr, sha.data(), sha.size(), 0) != 0) {
            if (is_unsupported(errno)) {
                state_->mark_no_xattrs(st.st_dev);
                return false;
            }
            return bool_error(last_error());
        }
        if (!content_type.empty() &&
            ::fsetxattr(file_.get(), content_type_xattr, content_type.data(), content_type.size(),
                        0) != 0) {
            return bool_error(last_error());
        }
        return true;
    }

    /// Caches the digest of the file just renamed into place (temp_stat: its fstat before): the
    /// rename may have changed its ctime. Call it before other commits can replace it.
    void remember_digest(const struct stat& temp_stat) {
        struct stat st {};
        if (::fstatat(dir_.get(), leaf_.c_str(), &st, AT_SYMLINK_NOFOLLOW) == 0 &&
            st.st_dev == temp_stat.st_dev && st.st_ino == temp_stat.st_ino) {
            state_->digests.insert(version_of(st), hashes_.sha256_hex());
        } else {
            state_->digests.insert(version_of(temp_stat), hashes_.sha256_hex());
        }
    }

    /// Renames the temp file to the target (create_only: only if the name is free, atomically).
    error_code move_into_place(bool create_only, bool& replaced) {
        if (create_only) {
            replaced = false;
            if (::renameat2(dir_.get(), temp_name_.c_str(), dir_.get(), leaf_.c_str(),
                            RENAME_NOREPLACE) == 0) {
                return {};
            }
            if (!rename_flags_unsupported(errno)) {
                return last_error();
            }
            // No RENAME_NOREPLACE (e.g. FUSE): a hard link is just as atomic, also across
            // ceph-fuse mounts, where the MDS decides; then the temp name goes.
            if (::linkat(dir_.get(), temp_name_.c_str(), dir_.get(), leaf_.c_str(), 0) != 0) {
                return last_error();
            }
            // Published; a temp name left by a failure here is hidden and removed at start-up.
            (void)::unlinkat(dir_.get(), temp_name_.c_str(), 0);
            return {};
        }
        struct stat existing {};
        replaced = ::fstatat(dir_.get(), leaf_.c_str(), &existing, AT_SYMLINK_NOFOLLOW) == 0;
        if (::renameat(dir_.get(), temp_name_.c_str(), dir_.get(), leaf_.c_str()) != 0) {
            return last_error();
        }
        return {};
    }

    std::shared_ptr<shared_state> state_;
    unique_fd dir_;
    unique_fd file_;
    std::string path_;  ///< the target name from the root
    std::string leaf_;  ///< the target name in dir_
    std::string temp_name_;
    bool open_ = false;
    std::uint64_t bytes_ = 0;
    /// sha256_hex() and md5_hex() are const in the interface but finish the digests.
    mutable upload_digests hashes_;
    /// bytes_ up to which the kernel was asked to start writing back.
    std::uint64_t writeback_started_ = 0;
};

result<opened_file> open_regular(int root_fd, std::string_view name) {
    if (const error_code ec = validate_name(name)) {
        return ec;
    }
    auto fd = open_beneath(root_fd, std::string(name), O_RDONLY | O_NONBLOCK | O_NOCTTY);
    if (!fd) {
        return fd.error();
    }
    opened_file file{std::move(*fd), {}};
    if (::fstat(file.fd.get(), &file.st) != 0) {
        return last_error();
    }
    if (S_ISDIR(file.st.st_mode)) {
        return errc::is_directory;
    }
    if (!S_ISREG(file.st.st_mode)) {
        return errc::not_found;
    }
    const int flags = ::fcntl(file.fd.get(), F_GETFL);
    if (flags < 0 || ::fcntl(file.fd.get(), F_SETFL, flags & ~O_NONBLOCK) != 0) {
        return last_error();
    }
    return file;
}

/// Opens the directory `parent` beneath the root, creating missing segments one by one.
result<unique_fd> open_parent_creating(int root_fd, const std::string& parent) {
    auto direct = open_beneath(root_fd, parent, O_RDONLY | O_DIRECTORY);
    if (direct || parent == "." || direct.error() != errc::not_found) {
        return direct;
    }
    unique_fd current;
    int current_fd = root_fd;
    std::size_t start = 0;
    for (;;) {
        const std::size_t slash = parent.find('/', start);
        const std::size_t end = slash == std::string::npos ? parent.size() : slash;
        const std::string segment = parent.substr(start, end - start);
        if (::mkdirat(current_fd, segment.c_str(), 0755) != 0 && errno != EEXIST) {
            return last_error();
        }
        auto next = open_beneath(root_fd, parent.substr(0, end), O_RDONLY | O_DIRECTORY);
        if (!next) {
            return next.error();
        }
        current = std::move(*next);
        current_fd = current.get();
        if (end == parent.size()) {
            return current;
        }
        start = end + 1;
    }
}

/// Fails when the target name resolves outside the root or to a directory.
error_code check_target(int root_fd, const std::string& path) {
    auto target = open_beneath(root_fd, path, O_PATH);
    if (!target) {
        return target.error() == errc::not_found ? error_code() : target.error();
    }
    struct stat st {};
    if (::fstat(target->get(), &st) != 0) {
        return last_error();
    }
    if (S_ISDIR(st.st_mode)) {
        return errc::is_directory;
    }
    return {};
}

enum class entry_kind { skip, file, folder };

/// One name that may be on a listing page.
struct list_candidate {
    std::string name;
    entry_kind kind = entry_kind::skip;
    bool via_symlink = false;
    /// What the page is ordered by: the name, with a '/' after a folder's (as S3 orders common
    /// prefixes), so "b.txt" < "b/" < "b0.txt". Also the cursor's value.
    std::string key{};

    /// Max-heap order by key, byte-wise (char_traits<char> compares as unsigned char).
    friend bool operator<(const list_candidate& a, const list_candidate& b) noexcept {
        return a.key < b.key;
    }
};

entry_kind kind_of_mode(mode_t mode) noexcept {
    return S_ISREG(mode) ? entry_kind::file : S_ISDIR(mode) ? entry_kind::folder : entry_kind::skip;
}

/// Replaces the greatest element of the max-heap and restores the heap: one sift-down instead of
/// pop_heap + push_heap.
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

std::string join(std::string_view folder, std::string_view name) {
    std::string path;
    path.reserve(folder.size() + 1 + name.size());
    if (!folder.empty()) {
        path.append(folder);
        path += '/';
    }
    path.append(name);
    return path;
}

/// What the entry `name` of dir_fd (the folder `folder` of the root) lists as. Symlinks count as
/// what they resolve to beneath the root.
list_candidate classify(int root_fd, int dir_fd, std::string_view folder, std::string_view name,
                        unsigned char type) {
    list_candidate candidate{std::string(name)};
    if (type == DT_UNKNOWN) {
        struct stat st {};
        if (::fstatat(dir_fd, candidate.name.c_str(), &st, AT_SYMLINK_NOFOLLOW) != 0) {
            return candidate;
        }
        type = S_ISLNK(st.st_mode)   ? DT_LNK
               : S_ISREG(st.st_mode) ? DT_REG
               : S_ISDIR(st.st_mode) ? DT_DIR
                                     : DT_UNKNOWN;
    }
    if (type == DT_REG) {
        candidate.kind = entry_kind::file;
    } else if (type == DT_DIR) {
        candidate.kind = entry_kind::folder;
    } else if (type == DT_LNK) {
        candidate.via_symlink = true;
        auto target = open_beneath(root_fd, join(folder, name), O_PATH);
        struct stat st {};
        if (target && ::fstat(target->get(), &st) == 0) {
            candidate.kind = kind_of_mode(st.st_mode);
        }
    }
    return candidate;
}

/// Metadata of a file chosen for a listing page; an error (it vanished, became something else,
/// cannot be read) leaves it off the page.
result<file_info> list_file_info(shared_state& state, int dir_fd, std::string_view folder,
                                 const list_candidate& candidate) {
    constexpr int read_flags = O_RDONLY | O_NONBLOCK | O_NOCTTY;
    unique_fd fd;
    if (candidate.via_symlink) {
        auto opened = open_beneath(state.root_fd, join(folder, candidate.name), read_flags);
        if (!opened) {
            return opened.error();
        }
        fd = std::move(*opened);
    } else {
        fd.reset(::openat(dir_fd, candidate.name.c_str(), read_flags | O_NOFOLLOW | O_CLOEXEC));
        if (fd.get() < 0) {
            return last_error();
        }
    }
    struct stat st {};
    if (::fstat(fd.get(), &st) != 0) {
        return last_error();
    }
    if (!S_ISREG(st.st_mode)) {
        return errc::not_found;
    }
    return info_of(state, fd.get(), st);
}

}  // namespace

posix_backend::posix_backend(std::shared_ptr<shared_state> state,
                             std::unique_ptr<posix_upload_store> uploads) noexcept
    : state_(std::move(state)), uploads_(std::move(uploads)) {}

posix_backend::~posix_backend() = default;

result<std::unique_ptr<posix_backend>> posix_backend::open(const std::filesystem::path& root,
                                                           posix_options opts) {
    std::error_code create_error;
    std::filesystem::create_directories(root, create_error);
    if (create_error) {
        return from_errno(create_error.value());
    }
    auto uploads = posix_upload_store::open(root, opts.fsync);
    if (!uploads) {
        return uploads.error();
    }
    const int fd = ::open(root.c_str(), O_PATH | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0) {
        return last_error();
    }
    return std::unique_ptr<posix_backend>(
        new posix_backend(std::make_shared<shared_state>(fd, opts), std::move(*uploads)));
}

result<file_info> posix_backend::stat(std::string_view name) {
    auto file = open_regular(state_->root_fd, name);
    if (!file) {
        return file.error();
    }
    return info_of(*state_, file->fd.get(), file->st);
}

result<std::unique_ptr<file_reader>> posix_backend::open_read(std::string_view name) {
    auto file = open_regular(state_->root_fd, name);
    if (!file) {
        return file.error();
    }
    auto info = info_of(*state_, file->fd.get(), file->st);
    if (!info) {
        return info.error();
    }
    return std::make_unique<posix_reader>(std::move(file->fd), std::move(*info));
}

result<std::unique_ptr<file_reader>> posix_backend::try_open_read_cached(std::string_view name) {
    if (!state_->local_device || validate_name(name)) {
        return errc::would_block;
    }
    open_how how{};
    how.flags = O_RDONLY | O_NONBLOCK | O_NOCTTY | O_CLOEXEC;
    // RESOLVE_CACHED: EAGAIN unless every path component is in the dentry cache.
    how.resolve = RESOLVE_BENEATH | RESOLVE_NO_MAGICLINKS | RESOLVE_CACHED;
    const std::string path(name);
    const long opened = ::syscall(SYS_openat2, state_->root_fd, path.c_str(), &how, sizeof how);
    if (opened < 0) {
        return errc::would_block;
    }
    unique_fd fd(static_cast<int>(opened));
    // AT_STATX_DONT_SYNC: never ask a server (a network filesystem mounted below the root is
    // ruled out by the device check, but only after this call).
    struct statx sx {};
    if (::statx(fd.get(), "", AT_EMPTY_PATH | AT_STATX_DONT_SYNC, STATX_BASIC_STATS, &sx) != 0 ||
        !S_ISREG(sx.stx_mode) ||
        makedev(sx.stx_dev_major, sx.stx_dev_minor) != *state_->local_device) {
        return errc::would_block;
    }
    const timespec mtime{sx.stx_mtime.tv_sec, sx.stx_mtime.tv_nsec};
    const timespec ctime{sx.stx_ctime.tv_sec, sx.stx_ctime.tv_nsec};
    const file_version version{.device = *state_->local_device,
                               .inode = sx.stx_ino,
                               .size = sx.stx_size,
                               .mtime_ns = to_nanoseconds(mtime),
                               .ctime_ns = to_nanoseconds(ctime)};
    // O_NONBLOCK stays set: it kept open() from waiting on a FIFO; reads and sendfile of a
    // regular file ignore it (checked on Linux 6.x with the file's pages evicted).
    auto metadata = state_->metadata.find(version);
    if (!metadata) {
        return errc::would_block;
    }
    file_info info;
    info.size = sx.stx_size;
    info.modified = to_time_point(mtime);
    info.sha256_hex = std::move(metadata->sha256_hex);
    info.content_type = std::move(metadata->content_type);
    return std::make_unique<posix_reader>(std::move(fd), std::move(info));
}

result<std::unique_ptr<file_writer>> posix_backend::create_writer(std::string_view name,
                                                                  const writer_options& opts) {
    if (const error_code ec = validate_name(name)) {
        return ec;
    }
    const int root_fd = state_->root_fd;
    const std::string path(name);
    const split_name parts = split(path);
    for (int attempt = 0;; ++attempt) {
        auto dir = open_parent_creating(root_fd, parts.parent);
        if (!dir) {
            if (dir.error() == errc::not_found && attempt < create_attempts) {
                continue;
            }
            return dir.error();
        }
        if (const error_code ec = check_target(root_fd, path)) {
            return ec;
        }
        auto writer =
            std::make_unique<posix_writer>(state_, std::move(*dir), path, parts.leaf, opts);
        if (const error_code ec = writer->create_temp()) {
            if (ec == errc::not_found && attempt < create_attempts) {
                continue;
            }
            return ec;
        }
        return writer;
    }
}

result<void> posix_backend::remove(std::string_view name, const remove_options& opts) {
    if (const error_code ec = validate_name(name)) {
        return ec;
    }
    const int root_fd = state_->root_fd;
    const std::string path(name);
    const split_name parts = split(path);
    if (const error_code ec = check_target(root_fd, path)) {
        return ec;
    }
    auto dir = open_beneath(root_fd, parts.parent, O_RDONLY | O_DIRECTORY);
    if (!dir) {
        return dir.error();
    }
    if (opts.expected_sha256) {
        // Hash a file without the xattr outside the lock; under it the cache answers.
        (void)current_digest(*state_, dir->get(), parts.leaf, path);
    }
    name_lock lock;
    const auto locked = lock.acquire(dir->get(), parts.leaf);
    if (!locked) {
        return locked.error();
    }
    if (opts.expected_sha256) {
        if (*locked == name_lock::state::unsupported) {
            return errc::io_error;
        }
        if (const error_code ec =
                check_expected(*state_, dir->get(), parts.leaf, path, *opts.expected_sha256)) {
            return ec;
        }
    }
    if (::unlinkat(dir->get(), parts.leaf.c_str(), 0) != 0) {
        return last_error();
    }
    lock.release();
    remove_empty_parents(root_fd, parts.parent);
    return {};
}

result<list_page> posix_backend::list(std::string_view folder, const list_options& opts) {
    if (!folder.empty()) {
        if (const error_code ec = validate_name(folder)) {
            return ec;
        }
    }
    const int root_fd = state_->root_fd;
    auto opened = open_beneath(root_fd, folder.empty() ? std::string(".") : std::string(folder),
                               O_RDONLY | O_DIRECTORY);
    if (!opened) {
        return opened.error();
    }
    unique_dir dir(::fdopendir(opened->get()));
    if (!dir) {
        return last_error();
    }
    opened->release();
    const int dir_fd = ::dirfd(dir.get());

    // The `limit` smallest qualifying names after the cursor, greatest on top.
    const std::size_t limit = std::max<std::size_t>(opts.limit, 1);
    const std::size_t max_entry_bytes =
        folder.empty() ? max_name_bytes
                       : max_name_bytes - std::min(max_name_bytes, folder.size() + 1);
    std::vector<list_candidate> heap;
    bool more = false;  // a qualifying name beyond the page was seen
    for (;;) {
        errno = 0;
        const dirent* entry = ::readdir(dir.get());
        if (entry == nullptr) {
            if (errno != 0) {
                return last_error();
            }
            break;
        }
        const std::string_view name(entry->d_name);
        // validate_name: ".", "..", temp files and names clients could not use
        if (!name.starts_with(opts.prefix) || name.size() > max_entry_bytes ||
            validate_name(name)) {
            continue;
        }
        // The kind decides the sort key; only entries without a usable d_type are looked at
        // before the cheap comparisons.
        std::optional<list_candidate> early;
        bool is_folder = entry->d_type == DT_DIR;
        if (entry->d_type == DT_UNKNOWN || entry->d_type == DT_LNK) {
            early = classify(root_fd, dir_fd, folder, name, entry->d_type);
            if (early->kind == entry_kind::skip) {
                continue;
            }
            is_folder = early->kind == entry_kind::folder;
        }
        std::string key(name);
        if (is_folder) {
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
        list_candidate candidate =
            early ? std::move(*early) : classify(root_fd, dir_fd, folder, name, entry->d_type);
        if (candidate.kind == entry_kind::skip) {
            continue;
        }
        candidate.key = std::move(key);
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
        auto info = list_file_info(*state_, dir_fd, folder, candidate);
        if (info) {
            page.files.push_back({std::move(candidate.name), std::move(*info)});
        }
    }
    return page;
}

result<disk_usage> posix_backend::usage() {
    struct statvfs vfs {};
    if (::fstatvfs(state_->root_fd, &vfs) != 0) {
        return last_error();
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

result<std::size_t> posix_backend::remove_stale_temp_files() {
    const bool shared = on_shared_filesystem(state_->root_fd);
    const auto now = std::chrono::system_clock::now();
    auto top = open_beneath(state_->root_fd, ".", O_RDONLY | O_DIRECTORY);
    if (!top) {
        return top.error();
    }
    unique_dir top_dir(::fdopendir(top->get()));
    if (!top_dir) {
        return last_error();
    }
    top->release();
    /// A folder being scanned. One that held temp files and nothing else is removed after its
    /// scan: a crash during an upload into new folders would leave them behind, empty.
    struct level {
        unique_dir dir;
        std::string name;   ///< in the parent level
        bool kept = false;  ///< an entry stays in it
        bool removed = false;
    };
    std::vector<level> stack;
    stack.push_back({std::move(top_dir), "."});

    std::size_t removed = 0;
    while (!stack.empty()) {
        level& current = stack.back();
        DIR* dir = current.dir.get();
        errno = 0;
        const dirent* entry = ::readdir(dir);
        if (entry == nullptr) {
            if (errno != 0) {
                return last_error();
            }
            level done = std::move(stack.back());
            stack.pop_back();
            if (stack.empty()) {
                break;
            }
            // ENOTEMPTY when an upload began meanwhile: the folder is kept.
            const bool gone =
                done.removed && !done.kept &&
                ::unlinkat(::dirfd(stack.back().dir.get()), done.name.c_str(), AT_REMOVEDIR) == 0;
            (gone ? stack.back().removed : stack.back().kept) = true;
            continue;
        }
        const std::string_view entry_name(entry->d_name);
        if (entry_name == "." || entry_name == "..") {
            continue;
        }
        const int parent_fd = ::dirfd(dir);
        unsigned char type = entry->d_type;
        if (type == DT_UNKNOWN) {
            struct stat st {};
            if (::fstatat(parent_fd, entry->d_name, &st, AT_SYMLINK_NOFOLLOW) != 0) {
                if (errno == ENOENT) {
                    continue;
                }
                return last_error();
            }
            type = S_ISDIR(st.st_mode) ? DT_DIR : S_ISREG(st.st_mode) ? DT_REG : DT_UNKNOWN;
        }
        if (type == DT_DIR) {
            unique_fd child(::openat(parent_fd, entry->d_name,
                                     O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
            if (child.get() < 0) {
                if (errno == ENOENT) {
                    continue;
                }
                return last_error();
            }
            unique_dir child_dir(::fdopendir(child.get()));
            if (!child_dir) {
                return last_error();
            }
            child.release();
            stack.push_back({std::move(child_dir), std::string(entry_name)});
            continue;
        }
        if (type != DT_REG || !entry_name.starts_with(temp_prefix)) {
            current.kept = true;
            continue;
        }
        struct stat st {};
        if (shared && ::fstatat(parent_fd, entry->d_name, &st, AT_SYMLINK_NOFOLLOW) == 0 &&
            now - to_time_point(st.st_mtim) < state_->opts.shared_stale_temp_min_age) {
            current.kept = true;
            continue;
        }
        if (::unlinkat(parent_fd, entry->d_name, 0) == 0) {
            ++removed;
            current.removed = true;
        } else if (errno != ENOENT) {
            return last_error();
        }
    }
    return removed;
}

digest_cache::stats posix_backend::digest_cache_stats() const {
    return state_->digests.statistics();
}

}  // namespace simplefs::storage
