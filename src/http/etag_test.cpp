#include "http/etag.hpp"

#include <gtest/gtest.h>

#include <initializer_list>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace simplefs::http {
namespace {

using namespace std::string_view_literals;

entity_tag strong(std::string opaque) {
    return {.opaque = std::move(opaque), .weak = false};
}

entity_tag weak(std::string opaque) {
    return {.opaque = std::move(opaque), .weak = true};
}

std::string show(const std::optional<entity_tag>& tag) {
    return tag ? tag->to_string() : "nullopt";
}

struct tag_case {
    std::string_view value;
    std::optional<entity_tag> expected;
};

void expect_tags(std::initializer_list<tag_case> cases) {
    for (const auto& c : cases) {
        const auto got = parse_entity_tag(c.value);
        EXPECT_EQ(got, c.expected) << "value: " << c.value << "\n got: " << show(got)
                                   << "\n expected: " << show(c.expected);
    }
}

TEST(ParseEntityTag, StrongAndWeak) {
    expect_tags({
        {R"("xyzzy")", strong("xyzzy")},
        {R"(W/"xyzzy")", weak("xyzzy")},
        {R"("")", strong("")},
        {R"(W/"")", weak("")},
        {R"("W/x")", strong("W/x")},
        {R"("a,b")", strong("a,b")},
        {R"("5f1c2b-1a2b3c4d")", strong("5f1c2b-1a2b3c4d")},
    });
}

TEST(ParseEntityTag, EveryVisibleAsciiButDquoteIsEtagc) {
    std::string opaque;
    for (int c = 0x21; c <= 0x7e; ++c) {
        if (c != '"') {
            opaque += static_cast<char>(c);
        }
    }
    const std::string value = '"' + opaque + '"';
    expect_tags({{value, strong(opaque)}});
}

TEST(ParseEntityTag, ObsTextIsAllowed) {
    expect_tags({
        {"\"\x80\xff\"", strong("\x80\xff")},
        {"W/\"caf\xc3\xa9\"", weak("caf\xc3\xa9")},
    });
}

TEST(ParseEntityTag, RejectsMalformed) {
    expect_tags({
        {"", std::nullopt},
        {"xyzzy", std::nullopt},
        {R"("xyzzy)", std::nullopt},
        {R"(xyzzy")", std::nullopt},
        {R"(")", std::nullopt},
        {R"("a"b")", std::nullopt},
        {R"("a""b")", std::nullopt},
        {R"("a" "b")", std::nullopt},
        {R"("a",)", std::nullopt},
        {R"(w/"xyzzy")", std::nullopt},
        {R"(W/xyzzy)", std::nullopt},
        {R"(W/)", std::nullopt},
        {R"(W"xyzzy")", std::nullopt},
        {R"(W/ "xyzzy")", std::nullopt},
        {R"(W/W/"xyzzy")", std::nullopt},
        {R"( "xyzzy")", std::nullopt},
        {R"("xyzzy" )", std::nullopt},
        {R"(*)", std::nullopt},
        {R"("a b")", std::nullopt},
        {"\"a\tb\"", std::nullopt},
        {"\"a\x7f\"", std::nullopt},
        {"\"a\x01\"", std::nullopt},
        {"\"a\r\nb\"", std::nullopt},
        {"\"a\0b\""sv, std::nullopt},
    });
}

TEST(EntityTag, ToStringRoundTrips) {
    EXPECT_EQ(strong("xyzzy").to_string(), R"("xyzzy")");
    EXPECT_EQ(weak("xyzzy").to_string(), R"(W/"xyzzy")");
    EXPECT_EQ(strong("").to_string(), R"("")");
    for (const auto& tag : {strong("a"), weak("a"), strong("\x80!#~"), weak("")}) {
        EXPECT_EQ(parse_entity_tag(tag.to_string()), tag) << tag.to_string();
    }
}

TEST(EntityTag, ValidOpaqueTag) {
    EXPECT_TRUE(is_valid_opaque_tag(""));
    EXPECT_TRUE(is_valid_opaque_tag("abc-123_.~!#\\"));
    EXPECT_TRUE(is_valid_opaque_tag("\x80\xff"));
    EXPECT_FALSE(is_valid_opaque_tag("a\"b"));
    EXPECT_FALSE(is_valid_opaque_tag("a b"));
    EXPECT_FALSE(is_valid_opaque_tag("a\x7f"));
    EXPECT_FALSE(is_valid_opaque_tag("a\x1f"));
    EXPECT_FALSE(is_valid_opaque_tag("a\0"sv));
}

// The example table of RFC 9110 §8.8.3.2.
TEST(EntityTag, StrongAndWeakComparison) {
    struct comparison_case {
        entity_tag a;
        entity_tag b;
        bool strong_expected;
        bool weak_expected;
    };
    const comparison_case cases[] = {
        {weak("1"), weak("1"), false, true},      {weak("1"), weak("2"), false, false},
        {weak("1"), strong("1"), false, true},    {strong("1"), strong("1"), true, true},
        {strong("1"), strong("2"), false, false}, {strong("1"), weak("2"), false, false},
        {strong(""), strong(""), true, true},     {strong("a"), strong("A"), false, false},
    };
    for (const auto& c : cases) {
        const auto label = c.a.to_string() + " vs " + c.b.to_string();
        EXPECT_EQ(strong_match(c.a, c.b), c.strong_expected) << label;
        EXPECT_EQ(strong_match(c.b, c.a), c.strong_expected) << label;
        EXPECT_EQ(weak_match(c.a, c.b), c.weak_expected) << label;
        EXPECT_EQ(weak_match(c.b, c.a), c.weak_expected) << label;
    }
}

struct list_case {
    std::string_view value;
    bool valid;
    bool any = false;
    std::vector<entity_tag> tags = {};
};

std::string show(const std::vector<entity_tag>& tags) {
    std::string out = "[";
    for (const auto& tag : tags) {
        out += ' ';
        out += tag.to_string();
    }
    return out + " ]";
}

void expect_lists(std::initializer_list<list_case> cases) {
    for (const auto& c : cases) {
        const auto got = parse_entity_tag_list(c.value);
        if (!c.valid) {
            if (got) {
                ADD_FAILURE() << "accepted: " << c.value << "\n got: " << show(got->tags);
            }
            continue;
        }
        if (!got) {
            ADD_FAILURE() << "rejected: " << c.value;
            continue;
        }
        EXPECT_EQ(got->any, c.any) << "value: " << c.value;
        EXPECT_EQ(got->tags, c.tags) << "value: " << c.value << "\n got: " << show(got->tags)
                                     << "\n expected: " << show(c.tags);
    }
}

TEST(ParseEntityTagList, Star) {
    expect_lists({
        {"*", true, true},
        {" * ", true, true},
        {"\t*\t", true, true},
        {R"(*, "a")", false},
        {R"("a", *)", false},
        {"*,", false},
        {", *", false},
        {"**", false},
        {"* *", false},
        {"W/*", false},
        {R"("*")", true, false, {strong("*")}},
    });
}

TEST(ParseEntityTagList, Lists) {
    expect_lists({
        {R"("a")", true, false, {strong("a")}},
        {R"(W/"a")", true, false, {weak("a")}},
        {R"("a","b")", true, false, {strong("a"), strong("b")}},
        {R"("a", W/"b", "c")", true, false, {strong("a"), weak("b"), strong("c")}},
        {" \"a\" ,\tW/\"b\"\t, \"c\" ", true, false, {strong("a"), weak("b"), strong("c")}},
        {R"("a", "a")", true, false, {strong("a"), strong("a")}},
        {R"("a,b", "c")", true, false, {strong("a,b"), strong("c")}},
        {"\"\x80\", \"\xfe\"", true, false, {strong("\x80"), strong("\xfe")}},
    });
}

TEST(ParseEntityTagList, EmptyElementsAreIgnored) {
    expect_lists({
        {R"(, "a")", true, false, {strong("a")}},
        {R"("a",)", true, false, {strong("a")}},
        {R"(, ,"a",, ,"b", ,)", true, false, {strong("a"), strong("b")}},
        {"\t,\t\"a\"\t,\t", true, false, {strong("a")}},
        {"", true, false, {}},
        {"  ", true, false, {}},
        {",", true, false, {}},
        {" , ,, ", true, false, {}},
    });
}

TEST(ParseEntityTagList, AnyBadMemberInvalidatesTheList) {
    expect_lists({
        {"a", false},
        {R"("a", b)", false},
        {R"(b, "a")", false},
        {R"("a" "b")", false},
        {R"("a""b")", false},
        {R"("a";"b")", false},
        {R"("a", "b)", false},
        {R"("a", w/"b")", false},
        {R"("a", "b c")", false},
        {"\"a\", \"b\x7f\"", false},
        {"\"a\"\r\n, \"b\"", false},
        {R"("a", W/ "b")", false},
        {R"("a" W/"b")", false},
    });
}

}  // namespace
}  // namespace simplefs::http
