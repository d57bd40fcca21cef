#include "auth/token_table.hpp"

#include <gtest/gtest.h>

#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <fstream>

namespace simplefs::auth {
namespace {

constexpr std::string_view alice_token = "alice-token-0123456789";
constexpr std::string_view bob_token = "bob.token_0123456789~+/==";

token_table parse_ok(std::string_view text) {
    auto parsed = token_table::parse(text);
    EXPECT_TRUE(parsed.table) << parsed.error;
    return parsed.table ? std::move(*parsed.table) : token_table();
}

std::string parse_error(std::string_view text) {
    auto parsed = token_table::parse(text);
    EXPECT_FALSE(parsed.table);
    return parsed.error;
}

TEST(TokenTable, ParsesTokensScopesAndPrefixes) {
    const auto table = parse_ok(
        "# comment\n"
        "\n"
        "alice-token-0123456789 alice read,write,delete,list\n"
        "   \t\n"
        "  bob.token_0123456789~+/==\tbob  read  shared/bob/\r\n"
        "    # indented comment\n");
    EXPECT_EQ(table.size(), 2u);
    const token_grant* alice = table.find(alice_token);
    ASSERT_NE(alice, nullptr);
    EXPECT_EQ(alice->name, "alice");
    EXPECT_EQ(alice->scopes,
              bit(scope::read) | bit(scope::write) | bit(scope::remove) | bit(scope::list));
    EXPECT_EQ(alice->prefix, "");
    const token_grant* bob = table.find(bob_token);
    ASSERT_NE(bob, nullptr);
    EXPECT_EQ(bob->name, "bob");
    EXPECT_EQ(bob->scopes, bit(scope::read));
    EXPECT_EQ(bob->prefix, "shared/bob");  // the trailing '/' is dropped
}

TEST(TokenTable, FindsOnlyExactTokens) {
    const auto table = parse_ok("alice-token-0123456789 alice read\n");
    EXPECT_EQ(table.find(""), nullptr);
    EXPECT_EQ(table.find("alice-token-012345678"), nullptr);    // shorter
    EXPECT_EQ(table.find("alice-token-01234567890"), nullptr);  // longer
    EXPECT_EQ(table.find("Alice-token-0123456789"), nullptr);   // case matters
    EXPECT_NE(table.find(alice_token), nullptr);
}

TEST(TokenTable, EmptyFileHasNoTokens) {
    const auto table = parse_ok("# nobody yet\n\n");
    EXPECT_EQ(table.size(), 0u);
    EXPECT_EQ(table.find(alice_token), nullptr);
    EXPECT_EQ(parse_ok("").size(), 0u);
}

TEST(TokenTable, LastLineWithoutNewline) {
    EXPECT_EQ(parse_ok("alice-token-0123456789 alice list").size(), 1u);
}

struct malformed_case {
    std::string text;
    std::string expected;  ///< the error, as a prefix
};

class TokenFileErrors : public ::testing::TestWithParam<malformed_case> {};

TEST_P(TokenFileErrors, NameTheLine) {
    const auto& c = GetParam();
    const std::string error = parse_error(c.text);
    EXPECT_TRUE(error.starts_with(c.expected)) << error;
    EXPECT_EQ(error.find('\n'), std::string::npos) << error;
}

INSTANTIATE_TEST_SUITE_P(
    Malformed, TokenFileErrors,
    ::testing::Values(
        malformed_case{"alice-token-0123456789 alice\n", "line 1: expected TOKEN NAME SCOPES"},
        malformed_case{"# ok\nalice-token-0123456789\n", "line 2: expected TOKEN NAME SCOPES"},
        malformed_case{"alice-token-0123456789 alice read a b\n",
                       "line 1: expected TOKEN NAME SCOPES [PREFIX], found 5"},
        malformed_case{"\n\nalice-token-0123456789 alice wrte\n", "line 3: unknown scope 'wrte'"},
        malformed_case{"alice-token-0123456789 alice read,\n", "line 1: unknown scope ''"},
        malformed_case{"alice-token-0123456789 alice ,read\n", "line 1: unknown scope ''"},
        malformed_case{"alice-token-0123456789 alice READ\n", "line 1: unknown scope 'READ'"},
        malformed_case{"short alice read\n", "line 1: the token is shorter than 16"},
        malformed_case{"alice-token-01234567\"89 alice read\n", "line 1: the token has characters"},
        malformed_case{"alice-token=0123456789 alice read\n", "line 1: the token has characters"},
        malformed_case{"alice-token-0123456789 al!ce read\n", "line 1: name 'al!ce'"},
        malformed_case{"alice-token-0123456789 alice read /abs\n", "line 1: prefix '/abs'"},
        malformed_case{"alice-token-0123456789 alice read a/../b\n", "line 1: prefix 'a/../b'"},
        malformed_case{"alice-token-0123456789 alice read a//b\n", "line 1: prefix 'a//b'"},
        malformed_case{"alice-token-0123456789 alice read ./a\n", "line 1: prefix './a'"},
        malformed_case{"alice-token-0123456789 alice read /\n", "line 1: prefix '/'"},
        malformed_case{"alice-token-0123456789 alice read\nalice-token-0123456789 bob list\n",
                       "line 2: the same token is on line 1"}));

TEST(TokenTable, ErrorsNeverShowTheToken) {
    const std::string error = parse_error("secret-token-0123456789 alice wrte\n");
    EXPECT_EQ(error.find("secret-token"), std::string::npos) << error;
    const std::string bad_chars = parse_error("secret-token-0123456789\"x alice read\n");
    EXPECT_EQ(bad_chars.find("secret-token"), std::string::npos) << bad_chars;
}

TEST(TokenTable, LoadsAFileAndNamesItInErrors) {
    const auto dir = std::filesystem::temp_directory_path() /
                     ("simplefs_token_test_" + std::to_string(::getpid()));
    std::filesystem::create_directories(dir);
    const auto good = (dir / "good").string();
    const auto bad = (dir / "bad").string();
    std::ofstream(good) << "alice-token-0123456789 alice read\n";
    std::ofstream(bad) << "alice-token-0123456789 alice read\n\nx y\n";
    auto loaded = load_token_file(good);
    ASSERT_TRUE(loaded.table) << loaded.error;
    EXPECT_NE(loaded.table->find(alice_token), nullptr);
    auto broken = load_token_file(bad);
    EXPECT_FALSE(broken.table);
    EXPECT_EQ(broken.error,
              bad + ": line 3: expected TOKEN NAME SCOPES [PREFIX], found 2 field(s)");
    auto missing = load_token_file((dir / "missing").string());
    EXPECT_FALSE(missing.table);
    EXPECT_EQ(missing.error, (dir / "missing").string() + ": No such file or directory");
    std::filesystem::remove_all(dir);
}

TEST(WithinPrefix, NameOrUnderIt) {
    EXPECT_TRUE(within_prefix("anything/at/all", ""));
    EXPECT_TRUE(within_prefix("alice", "alice"));
    EXPECT_TRUE(within_prefix("alice/a.txt", "alice"));
    EXPECT_TRUE(within_prefix("alice/x/y", "alice"));
    EXPECT_TRUE(within_prefix("a/b/c", "a/b"));
    EXPECT_FALSE(within_prefix("alice2", "alice"));
    EXPECT_FALSE(within_prefix("alic", "alice"));
    EXPECT_FALSE(within_prefix("bob/alice", "alice"));
    EXPECT_FALSE(within_prefix("a/bc", "a/b"));
    EXPECT_FALSE(within_prefix("", "alice"));
}

}  // namespace
}  // namespace simplefs::auth
