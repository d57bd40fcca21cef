#pragma once

#include "http/request.hpp"
#include "http/response.hpp"

#include <cstddef>
#include <optional>
#include <string_view>

namespace simplefs::http {

/// Why a request head that Beast accepted is refused anyway.
struct framing_problem {
    status code;
    std::string_view detail;
};

/// The defences against request smuggling that RFC 9112 leaves to the server, which Beast's
/// parser does not apply by itself, and the limit on the number of header fields:
/// - repeated Content-Length, even with equal values, or a list of them: 400 (§6.3 item 5);
/// - Transfer-Encoding in an HTTP/1.0 request: 400 (§6.1);
/// - Transfer-Encoding whose last coding is not chunked: 400, the body length is unknown (§6.3);
/// - any other coding before chunked: 501, simplefs decodes none (§6.1);
/// - more than max_fields fields: 431 (RFC 6585 §5).
/// Content-Length together with Transfer-Encoding is already an error of Beast's parser.
std::optional<framing_problem> check_request_framing(const request_header& header,
                                                     std::size_t max_fields);

/// True when the raw request head (request line and fields, as received) continues a field
/// value on the next line (obs-fold, RFC 9112 §5.2): refused with 400, because Beast would join
/// the lines while a proxy in front may not.
bool has_obsolete_line_folding(std::string_view raw_head);

}  // namespace simplefs::http
