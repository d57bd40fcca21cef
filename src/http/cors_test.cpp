#include "http/cors.hpp"

#include <gtest/gtest.h>

namespace simplefs::http {
namespace {

using boost::beast::http::verb;

request_header make_header(verb method, std::string_view origin,
                           std::string_view request_method = {}) {
    request_header h;
    h.method(method);
    h.target("/files/");
    if (!origin.empty()) {
        h.set(field::origin, origin);
    }
    if (!request_method.empty()) {
        h.set(field::access_control_request_method, request_method);
        h.set(field::access_control_request_headers, "content-type, x-custom");
    }
    return h;
}

const cors_policy original_defaults({"http://localhost", "http://localhost:8080"});

TEST(CorsPolicy, PreflightFromAllowedOrigin) {
    auto res = original_defaults.preflight(make_header(verb::options, "http://localhost", "POST"));
    ASSERT_TRUE(res);
    const auto& m = res->message;
    EXPECT_EQ(m.result(), status::ok);
    EXPECT_EQ(m[field::access_control_allow_origin], "http://localhost");
    EXPECT_EQ(m[field::access_control_allow_credentials], "true");
    EXPECT_NE(m[field::access_control_allow_methods].find("POST"), std::string_view::npos);
    EXPECT_EQ(m[field::access_control_allow_headers], "content-type, x-custom");
    EXPECT_EQ(m[field::vary], "Origin");
}

TEST(CorsPolicy, PreflightFromForeignOriginIsRefused) {
    auto res =
        original_defaults.preflight(make_header(verb::options, "http://evil.example", "PUT"));
    ASSERT_TRUE(res);
    EXPECT_EQ(res->message.result(), status::bad_request);
    EXPECT_EQ(res->message[field::access_control_allow_origin], "");
}

TEST(CorsPolicy, NotAPreflight) {
    EXPECT_FALSE(original_defaults.preflight(make_header(verb::options, "http://localhost")));
    EXPECT_FALSE(original_defaults.preflight(make_header(verb::get, "http://localhost", "GET")));
    EXPECT_FALSE(original_defaults.preflight(make_header(verb::options, "", "GET")));
}

TEST(CorsPolicy, DecoratesAllowedOriginsOnly) {
    response ok = make_response(status::ok, "x", "text/plain");
    original_defaults.decorate(make_header(verb::get, "http://localhost:8080"), ok);
    EXPECT_EQ(ok.message[field::access_control_allow_origin], "http://localhost:8080");
    EXPECT_EQ(ok.message[field::access_control_allow_credentials], "true");

    response foreign = make_response(status::ok, "x", "text/plain");
    original_defaults.decorate(make_header(verb::get, "http://localhost:9999"), foreign);
    EXPECT_EQ(foreign.message.count(field::access_control_allow_origin), 0u);
}

TEST(CorsPolicy, WildcardEchoesTheOriginBecauseCredentialsAreAllowed) {
    cors_policy any({"*"});
    response res = make_response(status::ok, "x", "text/plain");
    any.decorate(make_header(verb::get, "https://app.example"), res);
    EXPECT_EQ(res.message[field::access_control_allow_origin], "https://app.example");
}

TEST(CorsPolicy, EmptyListTurnsCorsOff) {
    cors_policy off({});
    EXPECT_FALSE(off.preflight(make_header(verb::options, "http://localhost", "POST")));
    response res = make_response(status::ok, "x", "text/plain");
    off.decorate(make_header(verb::get, "http://localhost"), res);
    EXPECT_EQ(res.message.count(field::access_control_allow_origin), 0u);
}

}  // namespace
}  // namespace simplefs::http
