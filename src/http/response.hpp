#pragma once

#include "http/body_stream.hpp"

#include <boost/beast/http/message.hpp>
#include <boost/beast/http/status.hpp>
#include <boost/beast/http/string_body.hpp>

#include <memory>
#include <string>
#include <string_view>

namespace simplefs::http {

using status = boost::beast::http::status;
using field = boost::beast::http::field;

/// A handler's answer. Small bodies travel in message.body(); large ones in stream, which the
/// session sends after the header (sendfile when the stream has a descriptor). The session sets
/// Content-Length, Date, Server and Connection, and drops the body for HEAD, 204 and 304.
struct response {
    boost::beast::http::response<boost::beast::http::string_body> message;
    std::unique_ptr<body_stream> stream;
    /// Close the connection after this response (e.g. the request body was left unread).
    bool close = false;
};

response make_response(status code, std::string body, std::string_view content_type);
/// A JSON body; json must already be serialized.
response json_response(status code, std::string json);
/// FastAPI's error shape: {"detail": "..."}.
response error_response(status code, std::string_view detail);

}  // namespace simplefs::http
