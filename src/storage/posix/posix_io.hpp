#pragma once

// The descriptor owners and EINTR-retrying calls that the posix backend and its upload store
// share.

#include "storage/errc.hpp"

#include <dirent.h>
#include <unistd.h>

#include <boost/system/error_code.hpp>

#include <cerrno>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>
#include <utility>

namespace simplefs::storage {

inline boost::system::error_code last_error() noexcept {
    return from_errno(errno);
}

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

/// pread, retried on EINTR: the bytes read at offset, 0 at the end.
inline result<std::size_t> pread_some(int fd, std::uint64_t offset, std::span<char> buffer) {
    for (;;) {
        const ssize_t n = ::pread(fd, buffer.data(), buffer.size(), static_cast<off_t>(offset));
        if (n >= 0) {
            return static_cast<std::size_t>(n);
        }
        if (errno != EINTR) {
            return last_error();
        }
    }
}

/// Writes all of data at the descriptor's position, retried on EINTR and short writes.
inline boost::system::error_code write_all(int fd, std::span<const char> data) {
    while (!data.empty()) {
        const ssize_t n = ::write(fd, data.data(), data.size());
        if (n < 0) {
            if (errno == EINTR) {
                continue;
            }
            return last_error();
        }
        if (n == 0) {
            return from_errno(EIO);
        }
        data = data.subspan(static_cast<std::size_t>(n));
    }
    return {};
}

}  // namespace simplefs::storage
