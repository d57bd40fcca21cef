#pragma once

#include <boost/system/error_code.hpp>

#include <cstdint>
#include <span>

namespace simplefs::http {

/// A response body too large to hold in memory, streamed by the session. Calls but
/// try_read_all_now block (disk or network filesystem); the session runs them on the blocking
/// pool.
class body_stream {
public:
    virtual ~body_stream() = default;
    /// Number of bytes the body has; sent as Content-Length.
    virtual std::uint64_t size() const noexcept = 0;
    /// A descriptor whose bytes [offset(), offset() + size()) the session may sendfile(), or -1.
    virtual int sendfile_fd() const noexcept { return -1; }
    virtual std::uint64_t offset() const noexcept { return 0; }
    /// Fills buffer with the next bytes of the body; returns 0 at the end.
    virtual std::size_t read(std::span<char> buffer, boost::system::error_code& ec) = 0;
    /// The whole body at once (buffer.size() == size()) if it can be had without waiting on a
    /// disk or a server, so that a network thread may call it; false leaves the body untouched.
    virtual bool try_read_all_now(std::span<char> buffer) {
        (void)buffer;
        return false;
    }
};

}  // namespace simplefs::http
