#include "http/router.hpp"

#include <gtest/gtest.h>

namespace simplefs::http {
namespace {

handler tagged(int tag, int* last) {
    return [tag, last](request&) -> boost::asio::awaitable<response> {
        *last = tag;
        co_return response{};
    };
}

class RouterTest : public ::testing::Test {
protected:
    RouterTest() {
        routes.add(verb::get, "/", tagged(1, &last));
        routes.add(verb::get, "/health", tagged(2, &last));
        routes.add(verb::post, "/files/", tagged(3, &last));
        routes.add(verb::get, "/files/{name}", tagged(4, &last));
    }
    router routes;
    int last = 0;
};

TEST_F(RouterTest, ExactRoutes) {
    auto m = routes.find(verb::get, "/health");
    ASSERT_NE(m.target, nullptr);
    EXPECT_EQ(m.route, "/health");
    EXPECT_TRUE(m.param.empty());
}

TEST_F(RouterTest, TrailingParameterTakesTheRestWithSlashes) {
    auto m = routes.find(verb::get, "/files/a/b c.txt");
    ASSERT_NE(m.target, nullptr);
    EXPECT_EQ(m.route, "/files/{name}");
    EXPECT_EQ(m.param, "a/b c.txt");
}

TEST_F(RouterTest, EmptyParameterDoesNotMatch) {
    auto m = routes.find(verb::get, "/files/");
    EXPECT_EQ(m.route, "/files/");
    EXPECT_EQ(m.target, nullptr);  // GET /files/ is not a route (yet): 405
    EXPECT_TRUE(m.path_known);
    EXPECT_EQ(m.allow, "POST");
}

TEST_F(RouterTest, UnknownPathIsNone) {
    auto m = routes.find(verb::get, "/nope");
    EXPECT_FALSE(m.path_known);
    EXPECT_EQ(m.target, nullptr);
    EXPECT_EQ(m.route, "none");
    EXPECT_FALSE(routes.find(verb::get, "/healthz").path_known);
    EXPECT_FALSE(routes.find(verb::get, "/files").path_known);
}

TEST_F(RouterTest, WrongMethodListsAllowed) {
    auto m = routes.find(verb::delete_, "/health");
    EXPECT_TRUE(m.path_known);
    EXPECT_EQ(m.target, nullptr);
    EXPECT_EQ(m.allow, "GET, HEAD");
}

TEST_F(RouterTest, HeadFallsBackToGet) {
    auto m = routes.find(verb::head, "/files/x");
    ASSERT_NE(m.target, nullptr);
    EXPECT_EQ(m.route, "/files/{name}");
    EXPECT_EQ(routes.find(verb::head, "/files/").target, nullptr);
}

}  // namespace
}  // namespace simplefs::http
