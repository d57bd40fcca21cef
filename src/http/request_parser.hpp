#pragma once

#include "http/request.hpp"
#include "http/response.hpp"
#include "http/server_options.hpp"

#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http/buffer_body.hpp>
#include <boost/beast/http/parser.hpp>
#include <boost/system/error_code.hpp>

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>

namespace simplefs::http {

/// The parser a connection reads one request with: the head into the parser, then a chunked
/// body through it (framing removed) into the handler's buffers. A fresh one per request.
using request_parser = boost::beast::http::request_parser<boost::beast::http::buffer_body>;

/// Sets the limits for reading a request head: options.header_limit, and no body limit, so that
/// a Content-Length over max_body_size gets its 413 from the routing step, not a parse error.
void limit_request_head(request_parser& parser, const server_options& options);

/// Sets the limit for the body once the head was accepted: max_body_size (0: none), which the
/// parser enforces on chunked bodies as they arrive (error body_limit).
void limit_request_body(request_parser& parser, const server_options& options);

/// Hands the parser what `buffer` holds (a pipelined request, or what the last read brought)
/// and consumes what it took. A whole head with obs-fold is refused (bad_field). Success with
/// !parser.is_header_done() means more bytes are needed; any error is the client's fault and ends
/// the connection.
boost::system::error_code put_head_bytes(boost::beast::flat_buffer& buffer, request_parser& parser);

/// The client closed before the head was whole: end_of_stream when nothing of a request had
/// arrived (a normal end of a kept-alive connection), else the parser's error for the truncated
/// input or partial_message.
boost::system::error_code head_input_ended(request_parser& parser);

/// Feeds a chunked request body from the connection's buffer through the parser into a
/// handler's buffers, and says when more bytes must be read first. One per request.
class chunked_body_feed {
public:
    /// False: read more into the buffer before calling put.
    bool ready(const boost::beast::flat_buffer& buffer) const noexcept {
        return buffer.size() >= needed_;
    }

    /// Parses what `buffer` holds (consuming it) and writes body bytes into `out` (not empty);
    /// returns how many. Sets `ec` to the parser's error for a bad body (body_limit over the
    /// limit of limit_request_body, bad_chunk, ...), else clears it. When the parser is stuck
    /// in the framing, ready() turns false until more bytes arrive.
    std::size_t put(boost::beast::flat_buffer& buffer, request_parser& parser, std::span<char> out,
                    boost::system::error_code& ec);

private:
    std::size_t needed_ = 1;
};

/// A head that Beast could not parse, answered with parse_error_response before closing; false
/// for the ordinary ends of a connection (end_of_stream, partial_message) and network errors.
bool is_http_parse_error(const boost::system::error_code& ec);

/// 431 when the head was over the header limit, else 400.
response parse_error_response(const boost::system::error_code& ec);

/// The checks on a parsed head before anything is routed: 414 for a target longer than
/// options.max_target_length, then check_request_framing (smuggling defences, field count),
/// answered before closing. nullopt when the head may proceed.
std::optional<response> refuse_request_head(const request_header& header,
                                            const server_options& options);

/// A request target split for routing (RFC 9112 §3.2.1 origin-form).
struct request_target {
    std::string path;   ///< percent-decoded, e.g. "/files/a b.txt"
    std::string query;  ///< still encoded, without '?'
};

/// Parses an origin-form target; nullopt (answered 400) for anything else, such as the
/// absolute-form or the asterisk-form, or a broken percent-encoding.
std::optional<request_target> parse_request_target(std::string_view target);

/// The declared body is larger than options.max_body_size (413 before reading a byte).
bool body_too_large(std::optional<std::uint64_t> content_length, const server_options& options);

}  // namespace simplefs::http
