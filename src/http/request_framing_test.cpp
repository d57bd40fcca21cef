#include "http/request_framing.hpp"

#include <gtest/gtest.h>
#include <boost/asio/buffer.hpp>
#include <boost/beast/http/empty_body.hpp>
#include <boost/beast/http/parser.hpp>

#include <string>

namespace simplefs::http {
namespace {

namespace bhttp = boost::beast::http;

/// The problem check_request_framing finds in a head that Beast's parser accepts.
std::optional<framing_problem> check(const std::string& head, std::size_t max_fields = 100) {
    bhttp::request_parser<bhttp::empty_body> parser;
    boost::system::error_code ec;
    parser.put(boost::asio::buffer(head), ec);
    EXPECT_FALSE(ec) << ec.message() << " for " << head;
    EXPECT_TRUE(parser.is_header_done());
    return check_request_framing(parser.get().base(), max_fields);
}

TEST(RequestFraming, OrdinaryRequestsPass) {
    EXPECT_FALSE(check("GET /files/a HTTP/1.1\r\nHost: x\r\n\r\n"));
    EXPECT_FALSE(check("PUT /files/a HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\n\r\n"));
    EXPECT_FALSE(check("PUT /files/a HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n"));
    EXPECT_FALSE(check("PUT /files/a HTTP/1.1\r\nHost: x\r\nTransfer-Encoding:  Chunked \r\n\r\n"));
    EXPECT_FALSE(check("GET / HTTP/1.0\r\n\r\n"));
}

TEST(RequestFraming, RepeatedContentLengthIs400EvenWhenEqual) {
    auto p = check("PUT /a HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\nContent-Length: 5\r\n\r\n");
    ASSERT_TRUE(p);
    EXPECT_EQ(p->code, status::bad_request);
    p = check("PUT /a HTTP/1.1\r\nHost: x\r\nContent-Length: 5, 5\r\n\r\n");
    ASSERT_TRUE(p);
    EXPECT_EQ(p->code, status::bad_request);
}

TEST(RequestFraming, TransferEncodingRules) {
    auto p = check("PUT /a HTTP/1.0\r\nTransfer-Encoding: chunked\r\n\r\n");
    ASSERT_TRUE(p);
    EXPECT_EQ(p->code, status::bad_request);
    // Beast would read no body at all here, and the body's bytes would become the next request.
    p = check("PUT /a HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: gzip\r\n\r\n");
    ASSERT_TRUE(p);
    EXPECT_EQ(p->code, status::bad_request);
    p = check("PUT /a HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: gzip, chunked\r\n\r\n");
    ASSERT_TRUE(p);
    EXPECT_EQ(p->code, status::not_implemented);
}

TEST(RequestFraming, FieldCountLimit) {
    std::string head = "GET / HTTP/1.1\r\nHost: x\r\n";
    for (int i = 0; i < 9; ++i) {
        head += "X-" + std::to_string(i) + ": v\r\n";
    }
    head += "\r\n";
    EXPECT_FALSE(check(head, 10));
    auto p = check(head, 9);
    ASSERT_TRUE(p);
    EXPECT_EQ(p->code, status::request_header_fields_too_large);
}

TEST(RequestFraming, ObsoleteLineFolding) {
    EXPECT_FALSE(has_obsolete_line_folding("GET / HTTP/1.1\r\nHost: x\r\nX: a b\r\n\r\n"));
    EXPECT_TRUE(has_obsolete_line_folding("GET / HTTP/1.1\r\nHost: x\r\nX: a\r\n b\r\n\r\n"));
    EXPECT_TRUE(has_obsolete_line_folding("GET / HTTP/1.1\r\nX: a\r\n\tb\r\n\r\n"));
    EXPECT_FALSE(has_obsolete_line_folding(""));
    EXPECT_FALSE(has_obsolete_line_folding("\n"));
}

}  // namespace
}  // namespace simplefs::http
