#include "http/request_framing.hpp"

#include "http/ows.hpp"

#include <boost/beast/core/string.hpp>

#include <iterator>

namespace simplefs::http {
namespace {

/// The last coding of a Transfer-Encoding value such as "gzip, chunked".
std::string_view last_coding(std::string_view value) {
    const auto comma = value.rfind(',');
    return trim_ows(comma == std::string_view::npos ? value : value.substr(comma + 1));
}

}  // namespace

std::optional<framing_problem> check_request_framing(const request_header& header,
                                                     std::size_t max_fields) {
    if (static_cast<std::size_t>(std::distance(header.begin(), header.end())) > max_fields) {
        return framing_problem{status::request_header_fields_too_large, "Too many header fields"};
    }
    if (header.count(field::content_length) > 1 ||
        header[field::content_length].find(',') != std::string_view::npos) {
        return framing_problem{status::bad_request, "Repeated Content-Length"};
    }
    const auto codings = header.find(field::transfer_encoding);
    if (codings == header.end()) {
        return std::nullopt;
    }
    if (header.version() < 11) {
        return framing_problem{status::bad_request, "Transfer-Encoding in an HTTP/1.0 request"};
    }
    const std::string_view value = codings->value();
    if (!boost::beast::iequals(last_coding(value), "chunked")) {
        return framing_problem{status::bad_request, "Transfer-Encoding must end with chunked"};
    }
    if (!boost::beast::iequals(trim_ows(value), "chunked")) {
        return framing_problem{status::not_implemented,
                               "Only the chunked transfer coding is "
                               "supported"};
    }
    return std::nullopt;
}

bool has_obsolete_line_folding(std::string_view raw_head) {
    for (auto at = raw_head.find('\n'); at != std::string_view::npos && at + 1 < raw_head.size();
         at = raw_head.find('\n', at + 1)) {
        if (raw_head[at + 1] == ' ' || raw_head[at + 1] == '\t') {
            return true;
        }
    }
    return false;
}

}  // namespace simplefs::http
