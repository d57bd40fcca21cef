#include "api/query.hpp"

#include <gtest/gtest.h>

#include <string>

namespace simplefs::api {
namespace {

TEST(QueryValue, FindsDecodedValues) {
    EXPECT_EQ(query_value("limit=10&prefix=a%20b", "prefix"), "a b");
    EXPECT_EQ(query_value("limit=10&prefix=a%20b", "limit"), "10");
    EXPECT_EQ(query_value("inline", "inline"), "");
    EXPECT_EQ(query_value("a=1", "b"), std::nullopt);
    EXPECT_EQ(query_value("", "a"), std::nullopt);
    EXPECT_EQ(query_value("a=1&a=2", "a"), "1");
}

TEST(QueryValue, ReadsOnlyTheViewItIsGiven) {
    // A query inside a longer request buffer, with no NUL after it: Boost 1.81's parse_query
    // alone would read on to the next NUL (boostorg/url#757) and return "1:48Z".
    const std::string buffer = "limit=1:48Z";
    const std::string_view query(buffer.data(), 7);
    EXPECT_EQ(query_value(query, "limit"), "1");
}

TEST(ParseListQuery, DefaultsAndValues) {
    auto q = parse_list_query("");
    EXPECT_FALSE(q.error);
    EXPECT_EQ(q.options.limit, 1000u);
    EXPECT_EQ(q.options.prefix, "");
    EXPECT_EQ(q.options.after, "");

    q = parse_list_query("prefix=a%2Fb&cursor=x%20y&limit=10000");
    EXPECT_FALSE(q.error);
    EXPECT_EQ(q.options.prefix, "a/b");
    EXPECT_EQ(q.options.after, "x y");
    EXPECT_EQ(q.options.limit, 10000u);
}

TEST(ParseListQuery, RefusesBadLimits) {
    for (const char* query : {"limit=0", "limit=10001", "limit=", "limit=1x", "limit=-1",
                              "limit=+5", "limit=99999999999999999999999"}) {
        EXPECT_TRUE(parse_list_query(query).error) << query;
    }
}

}  // namespace
}  // namespace simplefs::api
