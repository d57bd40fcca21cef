#pragma once

#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core/tcp_stream.hpp>

#include <atomic>
#include <string>

namespace simplefs::http {

/// One accepted client connection. The session coroutine owns its use; the server keeps a
/// reference so that shutdown can end it. Only shutdown() the socket from outside, on the
/// connection's loop, never close() it: a blocking-pool thread may be using its descriptor.
struct connection {
    explicit connection(boost::asio::ip::tcp::socket socket) : stream(std::move(socket)) {}

    boost::beast::tcp_stream stream;
    std::string peer;
    /// The response head being written, kept between responses for its capacity.
    std::string head;
    /// True from a request's header until its response is written.
    std::atomic<bool> busy{false};
};

}  // namespace simplefs::http
