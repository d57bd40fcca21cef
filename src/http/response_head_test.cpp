#include "http/response_head.hpp"

#include <gtest/gtest.h>
#include <boost/beast/http/empty_body.hpp>
#include <boost/beast/http/write.hpp>

#include <sstream>

namespace simplefs::http {
namespace {

namespace bhttp = boost::beast::http;

/// What Beast's own serializer writes for the head of message.
std::string beast_head(const bhttp::response<bhttp::empty_body>& message) {
    std::ostringstream out;
    out << message.base();
    return out.str();
}

TEST(AppendResponseHead, MatchesBeastsSerializer) {
    bhttp::response<bhttp::empty_body> message;
    message.version(11);
    message.result(bhttp::status::partial_content);
    message.set(bhttp::field::content_type, "text/plain");
    message.set("X-Custom", "a, b");
    message.set(bhttp::field::content_length, "12");
    message.keep_alive(false);

    std::string head = "leading bytes stay|";
    append_response_head(message.base(), head);
    EXPECT_EQ(head, "leading bytes stay|" + beast_head(message));
    EXPECT_EQ(head,
              "leading bytes stay|HTTP/1.1 206 Partial Content\r\nContent-Type: text/plain\r\n"
              "X-Custom: a, b\r\nContent-Length: 12\r\nConnection: close\r\n\r\n");
}

TEST(AppendResponseHead, UnknownStatusAndNoFields) {
    bhttp::response<bhttp::empty_body> message;
    message.version(11);
    message.result(599);
    std::string head;
    append_response_head(message.base(), head);
    EXPECT_EQ(head, beast_head(message));
    EXPECT_TRUE(head.starts_with("HTTP/1.1 599 ")) << head;
    EXPECT_TRUE(head.ends_with("\r\n\r\n")) << head;
}

TEST(AppendResponseHead, KeepsACustomReason) {
    bhttp::response<bhttp::empty_body> message;
    message.version(11);
    message.result(bhttp::status::ok);
    message.reason("Fine");
    std::string head;
    append_response_head(message.base(), head);
    EXPECT_EQ(head, "HTTP/1.1 200 Fine\r\n\r\n");
}

}  // namespace
}  // namespace simplefs::http
