#include "storage/name.hpp"

#include "storage/errc.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <cerrno>
#include <ostream>
#include <string>

namespace simplefs::storage {
namespace {

struct name_case {
    std::string label;
    std::string name;
    bool valid;
};

std::ostream& operator<<(std::ostream& os, const name_case& c) {
    return os << c.label;
}

std::string segment(std::size_t length) {
    return std::string(length, 'a');
}

std::string long_name(std::size_t total) {
    std::string name;
    while (name.size() < total) {
        if (!name.empty()) {
            name += '/';
        }
        name += segment(std::min<std::size_t>(100, total - name.size()));
    }
    return name.substr(0, total);
}

class validate_name_test : public testing::TestWithParam<name_case> {};

TEST_P(validate_name_test, matches_expectation) {
    const name_case& c = GetParam();
    const boost::system::error_code ec = validate_name(c.name);
    if (c.valid) {
        EXPECT_FALSE(ec) << ec.message();
    } else {
        EXPECT_EQ(ec, errc::invalid_name);
    }
}

INSTANTIATE_TEST_SUITE_P(
    names, validate_name_test,
    testing::Values(
        name_case{"simple", "file.txt", true}, name_case{"nested", "a/b/c.bin", true},
        name_case{"no_extension", "README", true}, name_case{"dotfile", ".bashrc", true},
        name_case{"nested_dotfile", "dir/.hidden", true}, name_case{"three_dots", "...", true},
        name_case{"dots_in_segment", "a..b", true}, name_case{"dot_dot_prefix", "..x", true},
        name_case{"space", "my file.txt", true},
        name_case{"utf8", "r\xc3\xa9sum\xc3\xa9.pdf", true},
        name_case{"utf8_cjk", "\xe6\x96\x87\xe4\xbb\xb6/\xe6\xb5\x8b\xe8\xaf\x95", true},
        name_case{"tilde_and_dash", "~-_+=%@!", true},
        name_case{"temp_prefix_inside", "x.simplefs.tmp.y", true},
        name_case{"temp_prefix_partial", ".simplefs.tmp", true},
        name_case{"segment_255", segment(255), true},
        name_case{"nested_segment_255", "d/" + segment(255), true},
        name_case{"total_1024", long_name(1024), true},

        name_case{"empty", "", false}, name_case{"dot", ".", false},
        name_case{"dot_dot", "..", false}, name_case{"dot_segment", "a/./b", false},
        name_case{"dot_dot_segment", "a/../b", false}, name_case{"leading_dot_dot", "../x", false},
        name_case{"trailing_dot_dot", "a/..", false}, name_case{"trailing_dot", "a/.", false},
        name_case{"absolute", "/abs", false}, name_case{"root_only", "/", false},
        name_case{"double_slash", "a//b", false}, name_case{"trailing_slash", "a/", false},
        name_case{"nul", std::string("a\0b", 3), false},
        name_case{"nul_only", std::string(1, '\0'), false}, name_case{"control_01", "a\x01", false},
        name_case{"newline", "a\nb", false}, name_case{"tab", "a\tb", false},
        name_case{"control_1f", "\x1f", false}, name_case{"del_7f", "a\x7f", false},
        name_case{"backslash", "a\\b", false}, name_case{"backslash_dotdot", "..\\x", false},
        name_case{"segment_256", segment(256), false},
        name_case{"nested_segment_256", "d/" + segment(256), false},
        name_case{"total_1025", long_name(1025), false},
        name_case{"temp_reserved", ".simplefs.tmp.x", false},
        name_case{"temp_reserved_bare", ".simplefs.tmp.", false},
        name_case{"temp_reserved_nested", "a/.simplefs.tmp.0123456789abcdef", false},
        name_case{"temp_reserved_folder", ".simplefs.tmp.d/file", false}),
    [](const testing::TestParamInfo<name_case>& param_info) { return param_info.param.label; });

TEST(validate_name, long_name_helper_builds_valid_segments) {
    EXPECT_EQ(long_name(1024).size(), 1024u);
    EXPECT_EQ(long_name(1025).size(), 1025u);
    EXPECT_NE(long_name(1025).back(), '/');
}

TEST(validate_name, error_is_in_storage_category) {
    const auto ec = validate_name("..");
    EXPECT_EQ(&ec.category(), &storage_category());
    EXPECT_STREQ(ec.category().name(), "simplefs.storage");
    EXPECT_EQ(ec.message(), "invalid file name");
}

TEST(from_errno, maps_errno_values) {
    EXPECT_EQ(from_errno(ENOENT), errc::not_found);
    EXPECT_EQ(from_errno(ENOTDIR), errc::not_found);
    EXPECT_EQ(from_errno(EEXIST), errc::already_exists);
    EXPECT_EQ(from_errno(ENOSPC), errc::no_space);
    EXPECT_EQ(from_errno(EDQUOT), errc::no_space);
    EXPECT_EQ(from_errno(EISDIR), errc::is_directory);
    EXPECT_EQ(from_errno(EXDEV), errc::escapes_root);
    EXPECT_EQ(from_errno(ELOOP), errc::escapes_root);
    EXPECT_EQ(from_errno(ENAMETOOLONG), errc::invalid_name);
    EXPECT_EQ(from_errno(EACCES), errc::io_error);
    EXPECT_EQ(from_errno(EIO), errc::io_error);
    EXPECT_EQ(from_errno(12345), errc::io_error);
}

TEST(storage_category, has_messages_for_every_value) {
    for (int value = static_cast<int>(errc::not_found); value <= static_cast<int>(errc::io_error);
         ++value) {
        const boost::system::error_code ec(value, storage_category());
        EXPECT_NE(ec.message(), "unknown storage error") << value;
        EXPECT_TRUE(ec.failed());
    }
    EXPECT_EQ(boost::system::error_code(99, storage_category()).message(), "unknown storage error");
}

}  // namespace
}  // namespace simplefs::storage
