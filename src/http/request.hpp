#pragma once

#include <boost/asio/awaitable.hpp>
#include <boost/beast/http/fields.hpp>
#include <boost/beast/http/message.hpp>
#include <boost/system/error_code.hpp>

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>

namespace simplefs::http {

using request_header = boost::beast::http::request_header<boost::beast::http::fields>;

/// The request body as the handler pulls it from the connection, chunk by chunk. Nothing is read
/// before the first call, so a handler may refuse a request without reading (and without sending
/// `100 Continue`); the next read waits for the handler, so the socket is never read faster than
/// the handler consumes (back-pressure).
class body_reader {
public:
    virtual ~body_reader() = default;
    /// Reads up to buffer.size() bytes; 0 means the body is complete. Sends `100 Continue` first
    /// when the client asked for it. Errors: boost::beast::http::error::body_limit (larger than
    /// the server's upload limit), or a network error / timeout (the client is gone).
    virtual boost::asio::awaitable<std::size_t> read_some(std::span<char> buffer,
                                                          boost::system::error_code& ec) = 0;
    virtual std::optional<std::uint64_t> content_length() const = 0;
    /// Bytes of body delivered so far.
    virtual std::uint64_t bytes_read() const noexcept = 0;
};

/// What a handler sees of a request.
struct request {
    const request_header& header;
    std::string_view path;         ///< percent-decoded path, e.g. "/files/a b.txt"
    std::string_view query;        ///< encoded query, without '?'
    std::string_view route_param;  ///< decoded text matched by the route's trailing {param}
    std::string_view peer;
    body_reader& body;
};

}  // namespace simplefs::http
