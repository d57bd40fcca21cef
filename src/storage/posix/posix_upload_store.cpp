#include "storage/posix/posix_upload_store.hpp"

#include "storage/backend_support.hpp"
#include "storage/posix/posix_io.hpp"

#include <dirent.h>
#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <string>
#include <utility>

namespace simplefs::storage {
namespace {

constexpr std::string_view info_suffix = ".info";
constexpr std::string_view data_suffix = ".data";
/// Info files are small; a larger one is corrupt.
constexpr std::size_t max_info_bytes = 64 * 1024;

std::string file_of(std::string_view id, std::string_view suffix) {
    std::string name(id);
    name += suffix;
    return name;
}

class posix_upload_data final : public upload_data {
public:
    posix_upload_data(unique_fd fd, bool fsync) noexcept : fd_(std::move(fd)), fsync_(fsync) {}

    result<std::uint64_t> size() override {
        struct stat st {};
        if (::fstat(fd_.get(), &st) != 0) {
            return last_error();
        }
        return static_cast<std::uint64_t>(st.st_size);
    }
    result<void> truncate(std::uint64_t size) override {
        if (::ftruncate(fd_.get(), static_cast<off_t>(size)) != 0) {
            return last_error();
        }
        return {};
    }
    result<void> append(std::span<const char> data) override {
        if (auto ec = write_all(fd_.get(), data)) {
            return ec;
        }
        return {};
    }
    result<void> sync() override {
        if (fsync_ && ::fdatasync(fd_.get()) != 0) {
            return last_error();
        }
        return {};
    }
    result<std::size_t> read_at(std::uint64_t offset, std::span<char> buffer) override {
        return pread_some(fd_.get(), offset, buffer);
    }

private:
    // Closing the descriptor releases the flock.
    unique_fd fd_;
    bool fsync_;
};

}  // namespace

result<std::unique_ptr<posix_upload_store>> posix_upload_store::open(
    const std::filesystem::path& root, bool fsync) {
    const int fd = ::open(root.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0) {
        return last_error();
    }
    return std::unique_ptr<posix_upload_store>(new posix_upload_store(fd, fsync));
}

posix_upload_store::~posix_upload_store() {
    if (dir_fd_ >= 0) {
        ::close(dir_fd_);
    }
    ::close(root_fd_);
}

result<int> posix_upload_store::folder_of(std::string_view id, bool create) {
    if (!valid_upload_id(id)) {
        return errc::not_found;
    }
    return folder(create);
}

result<int> posix_upload_store::folder(bool create) {
    std::lock_guard lock(mutex_);
    if (dir_fd_ >= 0) {
        return dir_fd_;
    }
    const std::string name(upload_folder);
    if (create && ::mkdirat(root_fd_, name.c_str(), 0700) != 0 && errno != EEXIST) {
        return last_error();
    }
    const int fd =
        ::openat(root_fd_, name.c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    if (fd < 0) {
        return last_error();
    }
    if (create && fsync_ && ::fsync(root_fd_) != 0) {
        ::close(fd);
        return last_error();
    }
    dir_fd_ = fd;
    return dir_fd_;
}

result<void> posix_upload_store::create(std::string_view id, const upload_info& info) {
    auto opened = folder_of(id, true);
    if (!opened) {
        return opened.error();
    }
    const int dir = *opened;
    // Info first: an info without data reads as not_found on lock and is swept at expiry, while
    // data without info would be invisible to list().
    const std::string info_name = file_of(id, info_suffix);
    if (::faccessat(dir, info_name.c_str(), F_OK, AT_SYMLINK_NOFOLLOW) == 0) {
        return errc::already_exists;
    }
    if (auto written = write_info(id, info); !written) {
        return written;
    }
    const std::string data_name = file_of(id, data_suffix);
    const int fd = ::openat(dir, data_name.c_str(),
                            O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
    if (fd < 0) {
        const auto error = last_error();
        ::unlinkat(dir, info_name.c_str(), 0);
        return error;
    }
    unique_fd data(fd);
    if (fsync_ && (::fsync(fd) != 0 || ::fsync(dir) != 0)) {
        return last_error();
    }
    return {};
}

result<upload_info> posix_upload_store::read_info(std::string_view id) {
    auto opened = folder_of(id, false);
    if (!opened) {
        return opened.error();
    }
    const int dir = *opened;
    const std::string name = file_of(id, info_suffix);
    const int raw = ::openat(dir, name.c_str(), O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
    if (raw < 0) {
        return last_error();
    }
    unique_fd fd(raw);
    std::string text;
    char buffer[4096];
    for (;;) {
        const ssize_t n = ::read(fd.get(), buffer, sizeof buffer);
        if (n < 0) {
            if (errno == EINTR) {
                continue;
            }
            return last_error();
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

result<void> posix_upload_store::write_info(std::string_view id, const upload_info& info) {
    auto opened = folder_of(id, true);
    if (!opened) {
        return opened.error();
    }
    const int dir = *opened;
    // A temp name (temp_prefix) so that remove_stale_temp_files clears what a crash left.
    const std::string temp = make_temp_name();
    const int raw =
        ::openat(dir, temp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
    if (raw < 0) {
        return last_error();
    }
    unique_fd fd(raw);
    const std::string text = to_json(info);
    result<void> written;
    if (auto ec = write_all(fd.get(), text)) {
        written = ec;
    }
    if (written && fsync_ && ::fsync(fd.get()) != 0) {
        written = last_error();
    }
    const std::string name = file_of(id, info_suffix);
    if (written && ::renameat(dir, temp.c_str(), dir, name.c_str()) != 0) {
        written = last_error();
    }
    if (!written) {
        ::unlinkat(dir, temp.c_str(), 0);
        return written;
    }
    if (fsync_ && ::fsync(dir) != 0) {
        return last_error();
    }
    return {};
}

result<std::unique_ptr<upload_data>> posix_upload_store::lock(std::string_view id) {
    auto opened = folder_of(id, false);
    if (!opened) {
        return opened.error();
    }
    const int dir = *opened;
    const std::string name = file_of(id, data_suffix);
    const int raw = ::openat(dir, name.c_str(), O_RDWR | O_APPEND | O_NOFOLLOW | O_CLOEXEC);
    if (raw < 0) {
        return last_error();
    }
    unique_fd fd(raw);
    while (::flock(fd.get(), LOCK_EX | LOCK_NB) != 0) {
        if (errno == EWOULDBLOCK) {
            return errc::locked;
        }
        if (errno != EINTR) {
            return last_error();
        }
    }
    // A remove between our open and our flock unlinked the file we hold: the upload is gone.
    struct stat held {};
    struct stat named {};
    if (::fstat(fd.get(), &held) != 0) {
        return last_error();
    }
    if (::fstatat(dir, name.c_str(), &named, AT_SYMLINK_NOFOLLOW) != 0 ||
        held.st_ino != named.st_ino || held.st_dev != named.st_dev) {
        return errc::not_found;
    }
    return std::unique_ptr<upload_data>(new posix_upload_data(std::move(fd), fsync_));
}

result<void> posix_upload_store::remove(std::string_view id) {
    auto opened = folder_of(id, false);
    if (!opened) {
        return opened.error();
    }
    const int dir = *opened;
    // Data first, as create writes the info first: a crash in between leaves an info without
    // data, which list() still finds and the sweep removes at expiry. A data file without info
    // would be found by nothing.
    const std::string data_name = file_of(id, data_suffix);
    if (::unlinkat(dir, data_name.c_str(), 0) != 0 && errno != ENOENT) {
        return last_error();
    }
    const std::string info_name = file_of(id, info_suffix);
    if (::unlinkat(dir, info_name.c_str(), 0) != 0 && errno != ENOENT) {
        return last_error();
    }
    if (fsync_ && ::fsync(dir) != 0) {
        return last_error();
    }
    return {};
}

result<std::vector<std::string>> posix_upload_store::list() {
    auto opened = folder(false);
    if (!opened) {
        if (opened.error() == errc::not_found) {
            return std::vector<std::string>{};
        }
        return opened.error();
    }
    const int raw = ::openat(*opened, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (raw < 0) {
        return last_error();
    }
    unique_dir dir(::fdopendir(raw));
    if (!dir) {
        const auto error = last_error();
        ::close(raw);
        return error;
    }
    std::vector<std::string> ids;
    for (;;) {
        errno = 0;
        const dirent* entry = ::readdir(dir.get());
        if (entry == nullptr) {
            break;
        }
        const std::string_view name(entry->d_name);
        if (name.ends_with(info_suffix)) {
            const auto id = name.substr(0, name.size() - info_suffix.size());
            if (valid_upload_id(id)) {
                ids.emplace_back(id);
            }
        }
    }
    const int error = errno;
    if (error != 0) {
        return from_errno(error);
    }
    return ids;
}

}  // namespace simplefs::storage
