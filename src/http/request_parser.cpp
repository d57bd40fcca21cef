#include "http/request_parser.hpp"

#include "http/request_framing.hpp"

#include <boost/beast/http/error.hpp>
#include <boost/url/parse.hpp>

#include <algorithm>
#include <limits>

namespace simplefs::http {

namespace bhttp = boost::beast::http;
using boost::system::error_code;

void limit_request_head(request_parser& parser, const server_options& options) {
    parser.header_limit(static_cast<std::uint32_t>(options.header_limit));
    parser.body_limit(std::numeric_limits<std::uint64_t>::max());
}

void limit_request_body(request_parser& parser, const server_options& options) {
    if (options.max_body_size != 0) {
        parser.body_limit(options.max_body_size);
    }
}

error_code put_head_bytes(boost::beast::flat_buffer& buffer, request_parser& parser) {
    error_code ec;
    const std::size_t used = parser.put(buffer.data(), ec);
    // Beast takes a head in one piece: the bytes it used are the whole head.
    if (parser.is_header_done() &&
        has_obsolete_line_folding({static_cast<const char*>(buffer.data().data()), used})) {
        return bhttp::error::bad_field;
    }
    buffer.consume(used);
    if (ec == bhttp::error::need_more) {
        ec = {};
    }
    return ec;
}

error_code head_input_ended(request_parser& parser) {
    if (!parser.got_some()) {
        return bhttp::error::end_of_stream;
    }
    error_code ec;
    parser.put_eof(ec);
    return ec ? ec : make_error_code(bhttp::error::partial_message);
}

namespace {

/// Boost 1.81's parser asserts (debug builds) when, after the last chunk "0\r\n" asked for
/// more, it is called again with fewer than five bytes (boostorg/beast#2861, fixed in 1.86):
/// a client trickling "\r" then "\n" would abort the server. No chunked body ends in fewer
/// bytes from where the parser waits, so waiting for five costs nothing.
constexpr std::size_t min_bytes_after_need_more = 5;

}  // namespace

std::size_t chunked_body_feed::put(boost::beast::flat_buffer& buffer, request_parser& parser,
                                   std::span<char> out, error_code& ec) {
    auto& body = parser.get().body();
    body.data = out.data();
    body.size = out.size();
    body.more = true;
    const std::size_t used = parser.put(buffer.data(), ec);
    buffer.consume(used);
    const std::size_t written = out.size() - body.size;
    body.data = nullptr;
    body.size = 0;
    if (ec == bhttp::error::need_buffer) {
        ec = {};  // out is full
    }
    if (ec == bhttp::error::need_more || (!ec && used == 0 && written == 0)) {
        ec = {};
        needed_ = std::max(buffer.size() + 1, min_bytes_after_need_more);
    } else {
        needed_ = 1;
    }
    return written;
}

bool is_http_parse_error(const error_code& ec) {
    return ec.category() == make_error_code(bhttp::error::bad_target).category() &&
           ec != bhttp::error::end_of_stream && ec != bhttp::error::partial_message;
}

response parse_error_response(const error_code& ec) {
    if (ec == bhttp::error::header_limit) {
        return error_response(status::request_header_fields_too_large,
                              "Request header fields too large");
    }
    return error_response(status::bad_request, "Invalid HTTP request");
}

std::optional<response> refuse_request_head(const request_header& header,
                                            const server_options& options) {
    if (header.target().size() > options.max_target_length) {
        return error_response(status::uri_too_long, "Request target too long");
    }
    if (auto problem = check_request_framing(header, options.max_header_fields)) {
        return error_response(problem->code, problem->detail);
    }
    return std::nullopt;
}

std::optional<request_target> parse_request_target(std::string_view target) {
    auto parsed = boost::urls::parse_origin_form(target);
    if (!parsed) {
        return std::nullopt;
    }
    return request_target{parsed->path(), std::string(parsed->encoded_query())};
}

bool body_too_large(std::optional<std::uint64_t> content_length, const server_options& options) {
    return options.max_body_size != 0 && content_length && *content_length > options.max_body_size;
}

}  // namespace simplefs::http
