#include "http/content_disposition.hpp"

#include <gtest/gtest.h>

#include <cctype>
#include <cstddef>
#include <cstdint>
#include <initializer_list>
#include <optional>
#include <random>
#include <string>
#include <string_view>

namespace simplefs::http {
namespace {

using namespace std::string_view_literals;

struct disposition_case {
    std::string_view filename;
    std::string_view expected;
};

void expect_all(std::initializer_list<disposition_case> cases) {
    for (const auto& c : cases) {
        EXPECT_EQ(attachment_disposition(c.filename), c.expected) << "filename: " << c.filename;
    }
}

TEST(AttachmentDisposition, PlainAsciiHasOnlyTheQuotedForm) {
    expect_all({
        {"report.pdf", R"(attachment; filename="report.pdf")"},
        {"download_20240102030405_a b.txt",
         R"(attachment; filename="download_20240102030405_a b.txt")"},
        {"a;b,c=d'e.txt", R"(attachment; filename="a;b,c=d'e.txt")"},
        {"~!@#$^&*()[]{}<>?/|+`.bin", R"(attachment; filename="~!@#$^&*()[]{}<>?/|+`.bin")"},
        {"", R"(attachment; filename="")"},
    });
}

TEST(AttachmentDisposition, QuotesBackslashesAndPercentAddExtendedForm) {
    expect_all({
        {R"(say "hi".txt)",
         R"(attachment; filename="say \"hi\".txt"; filename*=UTF-8''say%20%22hi%22.txt)"},
        {R"(a\b.txt)", R"(attachment; filename="a\\b.txt"; filename*=UTF-8''a%5Cb.txt)"},
        {"100%25.txt", R"(attachment; filename="100%25.txt"; filename*=UTF-8''100%2525.txt)"},
    });
}

TEST(AttachmentDisposition, NonAsciiIsPercentEncodedAndReplacedInFallback) {
    expect_all({
        {"caf\xc3\xa9.txt", R"(attachment; filename="caf_.txt"; filename*=UTF-8''caf%C3%A9.txt)"},
        {"\xe6\x97\xa5\xe6\x9c\xac.pdf",
         R"(attachment; filename="__.pdf"; filename*=UTF-8''%E6%97%A5%E6%9C%AC.pdf)"},
        {"\xf0\x9f\x98\x80", R"(attachment; filename="_"; filename*=UTF-8''%F0%9F%98%80)"},
        {"\xef\xbf\xbf", R"(attachment; filename="_"; filename*=UTF-8''%EF%BF%BF)"},
        {"\xf4\x8f\xbf\xbf", R"(attachment; filename="_"; filename*=UTF-8''%F4%8F%BF%BF)"},
        {"\xc2\x80", R"(attachment; filename="_"; filename*=UTF-8''%C2%80)"},
        {"\xed\x9f\xbf", R"(attachment; filename="_"; filename*=UTF-8''%ED%9F%BF)"},
    });
}

TEST(AttachmentDisposition, ControlCharactersAreReplaced) {
    expect_all({
        {"a\r\nSet-Cookie: x=1",
         R"(attachment; filename="a__Set-Cookie: x=1"; filename*=UTF-8''a__Set-Cookie%3A%20x%3D1)"},
        {"a\0b"sv, R"(attachment; filename="a_b"; filename*=UTF-8''a_b)"},
        {"tab\there", R"(attachment; filename="tab_here"; filename*=UTF-8''tab_here)"},
        {"del\x7f", R"(attachment; filename="del_"; filename*=UTF-8''del_)"},
    });
}

TEST(AttachmentDisposition, InvalidUtf8BytesAreReplacedOneByOne) {
    expect_all({
        {"\xff.txt", R"(attachment; filename="_.txt"; filename*=UTF-8''_.txt)"},
        {"\x80", R"(attachment; filename="_"; filename*=UTF-8''_)"},
        {"\xc3", R"(attachment; filename="_"; filename*=UTF-8''_)"},
        {"\xc3x", R"(attachment; filename="_x"; filename*=UTF-8''_x)"},
        {"\xc0\xaf", R"(attachment; filename="__"; filename*=UTF-8''__)"},
        {"\xe0\x80\xaf", R"(attachment; filename="___"; filename*=UTF-8''___)"},
        {"\xed\xa0\x80", R"(attachment; filename="___"; filename*=UTF-8''___)"},
        {"\xf4\x90\x80\x80", R"(attachment; filename="____"; filename*=UTF-8''____)"},
        {"\xf5\x80\x80\x80", R"(attachment; filename="____"; filename*=UTF-8''____)"},
        {"\xe6\x97", R"(attachment; filename="__"; filename*=UTF-8''__)"},
        {"\xe6\x97\xa5\xe6", R"(attachment; filename="__"; filename*=UTF-8''%E6%97%A5_)"},
        {"\xc3\x0a", R"(attachment; filename="__"; filename*=UTF-8''__)"},
    });
}

bool is_attr_char(char c) {
    return std::isalnum(static_cast<unsigned char>(c)) != 0 ||
           std::string_view{"!#$&+-.^_`|~"}.find(c) != std::string_view::npos;
}

int hex_value(char c) {
    if (c >= '0' && c <= '9') {
        return c - '0';
    }
    if (c >= 'A' && c <= 'F') {
        return c - 'A' + 10;
    }
    return -1;
}

// Parses the value back by RFC 6266 §4.1 grammar; nullopt when it does not conform.
std::optional<std::string> decode_extended(std::string_view value, bool& has_extended) {
    constexpr std::string_view prefix = "attachment; filename=\"";
    if (!value.starts_with(prefix)) {
        return std::nullopt;
    }
    value.remove_prefix(prefix.size());
    while (!value.empty() && value.front() != '"') {
        if (value.front() == '\\') {
            if (value.size() < 2 || (value[1] != '"' && value[1] != '\\')) {
                return std::nullopt;
            }
            value.remove_prefix(1);
        }
        value.remove_prefix(1);
    }
    if (value.empty()) {
        return std::nullopt;
    }
    value.remove_prefix(1);
    has_extended = !value.empty();
    if (!has_extended) {
        return std::string{};
    }
    constexpr std::string_view extended = "; filename*=UTF-8''";
    if (!value.starts_with(extended)) {
        return std::nullopt;
    }
    value.remove_prefix(extended.size());
    std::string decoded;
    while (!value.empty()) {
        if (value.front() == '%') {
            if (value.size() < 3 || hex_value(value[1]) < 0 || hex_value(value[2]) < 0) {
                return std::nullopt;
            }
            decoded += static_cast<char>(hex_value(value[1]) * 16 + hex_value(value[2]));
            value.remove_prefix(3);
        } else if (is_attr_char(value.front())) {
            decoded += value.front();
            value.remove_prefix(1);
        } else {
            return std::nullopt;
        }
    }
    return decoded;
}

TEST(AttachmentDisposition, RandomBytesAlwaysGiveAWellFormedPrintableValue) {
    std::mt19937 random{20240601};
    std::uniform_int_distribution<int> length_of{0, 24};
    std::uniform_int_distribution<int> byte_of{0, 255};
    std::uniform_int_distribution<int> pick{0, 3};
    constexpr std::string_view interesting =
        "\r\n\0\"\\%\xc3\xa9\xe6\x97\xa5\xf0\x9f\x98\x80\xed\xa0"sv;
    for (int round = 0; round < 20000; ++round) {
        std::string name;
        const int length = length_of(random);
        for (int i = 0; i < length; ++i) {
            if (pick(random) == 0) {
                name += interesting[static_cast<std::size_t>(byte_of(random)) % interesting.size()];
            } else {
                name += static_cast<char>(byte_of(random));
            }
        }
        const auto value = attachment_disposition(name);
        for (const char c : value) {
            const auto u = static_cast<std::uint8_t>(c);
            ASSERT_TRUE(u >= 0x20 && u < 0x7f) << "byte " << int{u} << " in " << value;
        }
        bool has_extended = false;
        const auto decoded = decode_extended(value, has_extended);
        ASSERT_TRUE(decoded.has_value()) << value;
        if (has_extended) {
            for (const char c : *decoded) {
                const auto u = static_cast<std::uint8_t>(c);
                ASSERT_FALSE(u < 0x20 || u == 0x7f) << value;
            }
        }
    }
}

TEST(AttachmentDisposition, ValidUtf8RoundTripsThroughTheExtendedForm) {
    for (const std::string_view name : {"caf\xc3\xa9.txt"sv, "\xe6\x97\xa5\xe6\x9c\xac \"q\".pdf"sv,
                                        "\xf0\x9f\x98\x80%20.bin"sv, "a\\b"sv}) {
        bool has_extended = false;
        const auto decoded = decode_extended(attachment_disposition(name), has_extended);
        ASSERT_TRUE(decoded.has_value()) << name;
        EXPECT_TRUE(has_extended) << name;
        EXPECT_EQ(*decoded, name);
    }
}

}  // namespace
}  // namespace simplefs::http
