#include "storage/posix/posix_backend.hpp"

#include "storage/name.hpp"
#include "storage/sha256.hpp"

#include <dirent.h>
#include <fcntl.h>
#include <linux/openat2.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <sys/syscall.h>
#include <sys/xattr.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <cstdint>
#include <limits>
#include <random>
#include <string>
#include <system_error>
#include <utility>
#include <vector>

namespace simplefs::storage {

namespace {

using boost::system::error_code;

constexpr const char* sha256_xattr = "user.simplefs.sha256";
constexpr std::size_t sha256_hex_size = 64;
constexpr int create_attempts = 8;

class unique_fd {
public:
    unique_fd() noexcept = default;
    explicit unique_fd(int fd) noexcept : fd_(fd) {}
    unique_fd(unique_fd&& other) noexcept : fd_(other.release()) {}
    unique_fd& operator=(unique_fd&& other) noexcept {
        if (this != &other) {
            reset(other.release());
        }
        return *this;
    }
    ~unique_fd() { reset(); }

    int get() const noexcept { return fd_; }
    int release() noexcept { return std::exchange(fd_, -1); }
    void reset(int fd = -1) noexcept {
        if (fd_ >= 0) {
            ::close(fd_);
        }
        fd_ = fd;
    }

private:
    int fd_ = -1;
};

struct dir_closer {
    void operator()(DIR* dir) const noexcept { ::closedir(dir); }
};
using unique_dir = std::unique_ptr<DIR, dir_closer>;

error_code last_error() noexcept {
    return from_errno(errno);
}

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

std::chrono::system_clock::time_point to_time_point(const timespec& ts) {
    const auto since_epoch = std::chrono::seconds(ts.tv_sec) + std::chrono::nanoseconds(ts.tv_nsec);
    return std::chrono::system_clock::time_point(
        std::chrono::duration_cast<std::chrono::system_clock::duration>(since_epoch));
}

bool is_lower_hex(std::string_view text) noexcept {
    for (const char c : text) {
        if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) {
            return false;
        }
    }
    return true;
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

file_info info_of(int fd, const struct stat& st) {
    file_info info;
    info.size = static_cast<std::uint64_t>(st.st_size);
    info.modified = to_time_point(st.st_mtim);
    info.sha256_hex = read_sha256_xattr(fd);
    return info;
}

std::string make_temp_name() {
    std::array<unsigned char, 8> bytes{};
    if (::getrandom(bytes.data(), bytes.size(), 0) != static_cast<ssize_t>(bytes.size())) {
        std::random_device device;
        for (auto& byte : bytes) {
            byte = static_cast<unsigned char>(device());
        }
    }
    static constexpr char digits[] = "0123456789abcdef";
    std::string name(temp_prefix);
    for (const unsigned char byte : bytes) {
        name += digits[byte >> 4];
        name += digits[byte & 0x0f];
    }
    return name;
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
        for (;;) {
            const ssize_t n =
                ::pread(fd_.get(), buffer.data(), buffer.size(), static_cast<off_t>(offset));
            if (n >= 0) {
                return static_cast<std::size_t>(n);
            }
            if (errno != EINTR) {
                return last_error();
            }
        }
    }

    int native_handle() const noexcept override { return fd_.get(); }

private:
    unique_fd fd_;
    file_info info_;
};

class posix_writer final : public file_writer {
public:
    posix_writer(unique_fd dir, std::string leaf, bool fsync)
        : dir_(std::move(dir)), leaf_(std::move(leaf)), fsync_(fsync) {}

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

    result<void> write(std::span<const char> data) override {
        if (!open_) {
            return errc::io_error;
        }
        sha_.update(data);
        const char* next = data.data();
        std::size_t left = data.size();
        while (left > 0) {
            const ssize_t n = ::write(file_.get(), next, left);
            if (n < 0) {
                if (errno == EINTR) {
                    continue;
                }
                return fail(errno);
            }
            if (n == 0) {
                return fail(EIO);
            }
            next += n;
            left -= static_cast<std::size_t>(n);
        }
        bytes_ += data.size();
        return {};
    }

    result<file_info> commit() override {
        if (!open_) {
            return errc::io_error;
        }
        file_info info;
        info.sha256_hex = sha_.finish();
        if (::fsetxattr(file_.get(), sha256_xattr, info.sha256_hex.data(), info.sha256_hex.size(),
                        0) != 0 &&
            errno != ENOTSUP && errno != EOPNOTSUPP) {
            return fail(errno);
        }
        if (fsync_ && ::fsync(file_.get()) != 0) {
            return fail(errno);
        }
        struct stat st {};
        if (::fstat(file_.get(), &st) != 0) {
            return fail(errno);
        }
        info.size = static_cast<std::uint64_t>(st.st_size);
        info.modified = to_time_point(st.st_mtim);
        if (::close(file_.release()) != 0 && errno != EINTR) {
            return fail(errno);
        }
        if (::renameat(dir_.get(), temp_name_.c_str(), dir_.get(), leaf_.c_str()) != 0) {
            return fail(errno);
        }
        open_ = false;
        if (fsync_ && ::fsync(dir_.get()) != 0) {
            return last_error();
        }
        return info;
    }

    void abort() noexcept override {
        if (!open_) {
            return;
        }
        open_ = false;
        file_.reset();
        ::unlinkat(dir_.get(), temp_name_.c_str(), 0);
    }

    std::uint64_t bytes_written() const noexcept override { return bytes_; }

private:
    error_code fail(int error) noexcept {
        abort();
        return from_errno(error);
    }

    unique_fd dir_;
    unique_fd file_;
    std::string temp_name_;
    std::string leaf_;
    bool fsync_;
    bool open_ = false;
    std::uint64_t bytes_ = 0;
    sha256 sha_;
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

}  // namespace

posix_backend::posix_backend(int root_fd, posix_options opts) noexcept
    : root_fd_(root_fd), opts_(opts) {}

posix_backend::~posix_backend() {
    ::close(root_fd_);
}

result<std::unique_ptr<posix_backend>> posix_backend::open(const std::filesystem::path& root,
                                                           posix_options opts) {
    std::error_code create_error;
    std::filesystem::create_directories(root, create_error);
    if (create_error) {
        return from_errno(create_error.value());
    }
    const int fd = ::open(root.c_str(), O_PATH | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0) {
        return last_error();
    }
    return std::unique_ptr<posix_backend>(new posix_backend(fd, opts));
}

result<file_info> posix_backend::stat(std::string_view name) {
    auto file = open_regular(root_fd_, name);
    if (!file) {
        return file.error();
    }
    return info_of(file->fd.get(), file->st);
}

result<std::unique_ptr<file_reader>> posix_backend::open_read(std::string_view name) {
    auto file = open_regular(root_fd_, name);
    if (!file) {
        return file.error();
    }
    file_info info = info_of(file->fd.get(), file->st);
    return std::make_unique<posix_reader>(std::move(file->fd), std::move(info));
}

result<std::unique_ptr<file_writer>> posix_backend::create_writer(std::string_view name) {
    if (const error_code ec = validate_name(name)) {
        return ec;
    }
    const std::string path(name);
    const split_name parts = split(path);
    for (int attempt = 0;; ++attempt) {
        auto dir = open_parent_creating(root_fd_, parts.parent);
        if (!dir) {
            if (dir.error() == errc::not_found && attempt < create_attempts) {
                continue;
            }
            return dir.error();
        }
        if (const error_code ec = check_target(root_fd_, path)) {
            return ec;
        }
        auto writer = std::make_unique<posix_writer>(std::move(*dir), parts.leaf, opts_.fsync);
        if (const error_code ec = writer->create_temp()) {
            if (ec == errc::not_found && attempt < create_attempts) {
                continue;
            }
            return ec;
        }
        return writer;
    }
}

result<void> posix_backend::remove(std::string_view name) {
    if (const error_code ec = validate_name(name)) {
        return ec;
    }
    const std::string path(name);
    const split_name parts = split(path);
    if (const error_code ec = check_target(root_fd_, path)) {
        return ec;
    }
    auto dir = open_beneath(root_fd_, parts.parent, O_PATH | O_DIRECTORY);
    if (!dir) {
        return dir.error();
    }
    if (::unlinkat(dir->get(), parts.leaf.c_str(), 0) != 0) {
        return last_error();
    }
    remove_empty_parents(root_fd_, parts.parent);
    return {};
}

result<disk_usage> posix_backend::usage() {
    struct statvfs vfs {};
    if (::fstatvfs(root_fd_, &vfs) != 0) {
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
    auto top = open_beneath(root_fd_, ".", O_RDONLY | O_DIRECTORY);
    if (!top) {
        return top.error();
    }
    unique_dir top_dir(::fdopendir(top->get()));
    if (!top_dir) {
        return last_error();
    }
    top->release();
    std::vector<unique_dir> stack;
    stack.push_back(std::move(top_dir));

    std::size_t removed = 0;
    while (!stack.empty()) {
        DIR* dir = stack.back().get();
        errno = 0;
        const dirent* entry = ::readdir(dir);
        if (entry == nullptr) {
            if (errno != 0) {
                return last_error();
            }
            stack.pop_back();
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
            stack.push_back(std::move(child_dir));
        } else if (type == DT_REG && entry_name.starts_with(temp_prefix)) {
            if (::unlinkat(parent_fd, entry->d_name, 0) == 0) {
                ++removed;
            } else if (errno != ENOENT) {
                return last_error();
            }
        }
    }
    return removed;
}

}  // namespace simplefs::storage
