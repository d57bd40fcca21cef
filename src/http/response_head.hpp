#pragma once

#include <boost/beast/http/fields.hpp>
#include <boost/beast/http/message.hpp>

#include <string>

namespace simplefs::http {

/// Appends the HTTP/1.1 status line, the header fields in their order and the empty line that
/// ends the head to out: the bytes Beast's serializer would send, without its buffer-sequence
/// machinery, so the session can send head and body in one gathered write.
void append_response_head(
    const boost::beast::http::response_header<boost::beast::http::fields>& head, std::string& out);

}  // namespace simplefs::http
