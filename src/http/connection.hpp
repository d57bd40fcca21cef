#pragma once

#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/beast/core/tcp_stream.hpp>

#include <atomic>
#include <cstdint>
#include <memory>
#include <string>

namespace simplefs::http {

struct tls_layer;

/// One accepted client connection. The session coroutine owns its use; the server keeps a
/// reference so that shutdown can end it. Only shutdown() the socket from outside, on the
/// connection's loop, never close() it: a blocking-pool thread may be using its descriptor.
struct connection : std::enable_shared_from_this<connection> {
    explicit connection(boost::asio::ip::tcp::socket socket)
        : stream(std::move(socket)), header_timer(stream.get_executor()) {
        // Synchronous sends return would_block instead of waiting (see the session's writes);
        // asynchronous operations are not affected.
        boost::system::error_code ignored;
        stream.socket().non_blocking(true, ignored);
    }

    boost::beast::tcp_stream stream;
    /// Set for an HTTPS connection: requests and responses go through it, over stream.
    std::shared_ptr<tls_layer> tls;
    /// Bounds the wait for each request header; re-armed per request, not made anew.
    boost::asio::steady_timer header_timer;
    /// Numbers the header waits, so that a late firing of an earlier wait does nothing.
    std::uint64_t header_waits = 0;
    bool header_timed_out = false;
    std::string peer;
    /// The response head being written, kept between responses for its capacity.
    std::string head;
    /// True from a request's header until its response is written.
    std::atomic<bool> busy{false};
};

}  // namespace simplefs::http
