// The bytes a client sends on one connection, read as the session reads them: each request head
// through put_head_bytes / head_input_ended into a parser set up by limit_request_head, the
// session's checks on the head (refuse_request_head: target length, framing; parse_request_target,
// body_too_large), then
// the body: a Content-Length body is taken as is (the session copies it without parsing), any
// other through the parser into a handler's buffer with chunked_body_feed, as the session's
// chunked reads do. Pipelined requests follow while the connection would be kept alive.
//
// Input: one byte of options, one byte for the size of the simulated socket reads, then the
// bytes of the connection.

#include "fuzz_support.hpp"
#include "http/request_framing.hpp"
#include "http/request_parser.hpp"

#include <boost/asio/buffer.hpp>
#include <boost/beast/http/error.hpp>

#include <algorithm>
#include <array>
#include <cstdint>

namespace {

namespace bhttp = boost::beast::http;
using boost::system::error_code;
using simplefs::fuzz::input;
using namespace simplefs::http;

/// The client's side of the socket: hands out the input in reads of a fixed size.
class client_bytes {
public:
    client_bytes(input& in, std::size_t read_size) : in_(in), read_size_(read_size) {}

    /// Appends the next read to buffer; false at the end of the input (the client closed).
    bool read_into(boost::beast::flat_buffer& buffer) {
        if (in_.empty()) {
            return false;
        }
        auto piece = in_.take(read_size_);
        auto space = buffer.prepare(piece.size());
        buffer.commit(boost::asio::buffer_copy(space, boost::asio::buffer(piece)));
        return true;
    }

    /// Drops n body bytes the session would read straight from the socket; false if the input
    /// ends first.
    bool skip(std::uint64_t n) {
        auto got = in_.take(static_cast<std::size_t>(std::min<std::uint64_t>(n, SIZE_MAX)));
        return got.size() == n;
    }

private:
    input& in_;
    std::size_t read_size_;
};

/// Reads one head; the error the session would act on.
error_code read_head(client_bytes& client, boost::beast::flat_buffer& buffer,
                     request_parser& parser) {
    while (!parser.is_header_done()) {
        if (buffer.size() > 0) {
            if (auto ec = put_head_bytes(buffer, parser)) {
                return ec;
            }
            if (parser.is_header_done()) {
                break;
            }
        }
        if (!client.read_into(buffer)) {
            return head_input_ended(parser);
        }
    }
    return {};
}

/// Reads a body the session passes through the parser as its chunked reads do (a
/// chunked_body_feed into a handler buffer of 1 KiB); the body bytes delivered, or the error.
error_code read_parsed_body(client_bytes& client, boost::beast::flat_buffer& buffer,
                            request_parser& parser, std::uint64_t& delivered) {
    std::array<char, 1024> out;
    chunked_body_feed feed;
    while (!parser.is_done()) {
        if (!feed.ready(buffer)) {
            if (!client.read_into(buffer)) {
                error_code ec;
                parser.put_eof(ec);
                return ec ? ec : make_error_code(bhttp::error::partial_message);
            }
            continue;
        }
        error_code ec;
        const auto got = feed.put(buffer, parser, out, ec);
        SIMPLEFS_FUZZ_CHECK(got <= out.size());
        delivered += got;
        if (ec) {
            return ec;
        }
    }
    return {};
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    input in(data, size);
    const std::uint8_t flags = in.byte();
    server_options options;
    // The defaults, and small limits that short inputs can reach.
    if (flags & 1) {
        options.header_limit = 256;
    }
    if (flags & 2) {
        options.max_target_length = 32;
    }
    if (flags & 4) {
        options.max_body_size = 64;
    }
    client_bytes client(in, std::size_t{1} + in.byte());
    boost::beast::flat_buffer buffer;

    for (int requests = 0; requests < 16; ++requests) {
        request_parser parser;
        limit_request_head(parser, options);
        if (auto ec = read_head(client, buffer, parser)) {
            if (is_http_parse_error(ec)) {
                const auto res = parse_error_response(ec);
                SIMPLEFS_FUZZ_CHECK(res.message.result() == status::bad_request ||
                                    res.message.result() ==
                                        status::request_header_fields_too_large);
            } else {
                SIMPLEFS_FUZZ_CHECK(ec == bhttp::error::end_of_stream ||
                                    ec == bhttp::error::partial_message);
            }
            return 0;
        }
        const auto& header = parser.get().base();
        if (refuse_request_head(header, options)) {
            SIMPLEFS_FUZZ_CHECK(header.target().size() > options.max_target_length ||
                                check_request_framing(header, options.max_header_fields));
            return 0;
        }
        // What is routed has one unambiguous framing: at most one Content-Length, and a
        // Transfer-Encoding only as plain chunked in HTTP/1.1.
        SIMPLEFS_FUZZ_CHECK(header.count(field::content_length) <= 1);
        SIMPLEFS_FUZZ_CHECK(header.count(field::transfer_encoding) == 0 ||
                            (header.version() == 11 && parser.chunked()));
        if (auto target = parse_request_target(header.target())) {
            SIMPLEFS_FUZZ_CHECK(target->path.empty() || target->path.front() == '/');
        }
        limit_request_body(parser, options);
        const auto length = parser.content_length();
        if (body_too_large(length ? std::optional<std::uint64_t>(*length) : std::nullopt,
                           options)) {
            return 0;  // 413 before the body; the unread body closes the connection
        }
        if (!parser.chunked() && length) {
            // The session reads such a body from its buffer, then the socket, without the parser.
            const auto buffered = std::min<std::uint64_t>(*length, buffer.size());
            buffer.consume(static_cast<std::size_t>(buffered));
            if (!client.skip(*length - buffered)) {
                return 0;
            }
        } else {
            std::uint64_t delivered = 0;
            const auto ec = read_parsed_body(client, buffer, parser, delivered);
            if (options.max_body_size != 0) {
                SIMPLEFS_FUZZ_CHECK(delivered <= options.max_body_size);
            }
            if (ec) {
                return 0;
            }
        }
        if (!parser.get().keep_alive()) {
            return 0;
        }
    }
    return 0;
}
