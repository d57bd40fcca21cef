#include "http/digest_fields.hpp"

#include <gtest/gtest.h>

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace simplefs::http {
namespace {

constexpr std::string_view sha256_empty_hex =
    "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";
constexpr std::string_view sha256_empty_b64 = "47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=";
constexpr std::string_view sha256_abc_hex =
    "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad";
constexpr std::string_view sha256_abc_b64 = "ungWv48Bz+pBQUDeXa4iI7ADYaOWF3qctBD/YfIAFa0=";
constexpr std::string_view sha512_abc_b64 =
    "3a81oZNherrMQXNJriBBMRLm+k6JqX6iCp7u5ktV05ohkpkqJ0/BqDa6PCOj/uu9RU1EI2Q86A4qmslPpUyknw==";
constexpr std::string_view md5_abc_hex = "900150983cd24fb0d6963f7d28e17f72";
constexpr std::string_view md5_abc_b64 = "kAFQmDzST7DWlj99KOF/cg==";

std::vector<std::uint8_t> bytes_of(std::string_view s) {
    return {s.begin(), s.end()};
}

std::string sha256_field(std::string_view b64) {
    return "sha-256=:" + std::string{b64} + ":";
}

TEST(Base64, EncodesRfc4648Vectors) {
    EXPECT_EQ(base64_encode(bytes_of("")), "");
    EXPECT_EQ(base64_encode(bytes_of("f")), "Zg==");
    EXPECT_EQ(base64_encode(bytes_of("fo")), "Zm8=");
    EXPECT_EQ(base64_encode(bytes_of("foo")), "Zm9v");
    EXPECT_EQ(base64_encode(bytes_of("foob")), "Zm9vYg==");
    EXPECT_EQ(base64_encode(bytes_of("fooba")), "Zm9vYmE=");
    EXPECT_EQ(base64_encode(bytes_of("foobar")), "Zm9vYmFy");
}

TEST(Base64, DecodesRfc4648Vectors) {
    EXPECT_EQ(base64_decode(""), bytes_of(""));
    EXPECT_EQ(base64_decode("Zg=="), bytes_of("f"));
    EXPECT_EQ(base64_decode("Zm8="), bytes_of("fo"));
    EXPECT_EQ(base64_decode("Zm9v"), bytes_of("foo"));
    EXPECT_EQ(base64_decode("Zm9vYg=="), bytes_of("foob"));
    EXPECT_EQ(base64_decode("Zm9vYmE="), bytes_of("fooba"));
    EXPECT_EQ(base64_decode("Zm9vYmFy"), bytes_of("foobar"));
}

TEST(Base64, RoundTripsEveryByteValue) {
    std::vector<std::uint8_t> all;
    for (int i = 0; i < 256; ++i) {
        all.push_back(static_cast<std::uint8_t>(i));
    }
    for (std::size_t n = 0; n <= all.size(); n += 37) {
        const std::vector<std::uint8_t> prefix(all.begin(),
                                               all.begin() + static_cast<std::ptrdiff_t>(n));
        EXPECT_EQ(base64_decode(base64_encode(prefix)), prefix) << n;
    }
    EXPECT_EQ(base64_decode(base64_encode(all)), all);
    EXPECT_EQ(base64_encode(std::vector<std::uint8_t>{0xfb, 0xff, 0xbf}), "+/+/");
}

TEST(Base64, RejectsMissingOrBadPadding) {
    EXPECT_EQ(base64_decode("Zg"), std::nullopt);
    EXPECT_EQ(base64_decode("Zg="), std::nullopt);
    EXPECT_EQ(base64_decode("Zm8"), std::nullopt);
    EXPECT_EQ(base64_decode("Z"), std::nullopt);
    EXPECT_EQ(base64_decode("Z==="), std::nullopt);
    EXPECT_EQ(base64_decode("===="), std::nullopt);
    EXPECT_EQ(base64_decode("Zg==Zg=="), std::nullopt);
    EXPECT_EQ(base64_decode("Z=g="), std::nullopt);
    EXPECT_EQ(base64_decode("Zm9vYg==="), std::nullopt);
}

TEST(Base64, RejectsNonZeroPadBits) {
    EXPECT_EQ(base64_decode("Zh=="), std::nullopt);
    EXPECT_EQ(base64_decode("Zm9="), std::nullopt);
    EXPECT_EQ(base64_decode("//=="), std::nullopt);
}

TEST(Base64, RejectsCharactersOutsideTheAlphabet) {
    EXPECT_EQ(base64_decode("Zm9v YmFy"), std::nullopt);
    EXPECT_EQ(base64_decode("Zm9vYmFy\n"), std::nullopt);
    EXPECT_EQ(base64_decode(" Zm9v"), std::nullopt);
    EXPECT_EQ(base64_decode("Zm9-"), std::nullopt);
    EXPECT_EQ(base64_decode("Zm9_"), std::nullopt);
    EXPECT_EQ(base64_decode("Zm9."), std::nullopt);
    EXPECT_EQ(base64_decode(std::string_view{"Zm\0v", 4}), std::nullopt);
    EXPECT_EQ(base64_decode("Zm\xc3\xa9"), std::nullopt);
}

TEST(HexBase64, ConvertsSha256OfEmptyAndAbc) {
    EXPECT_EQ(hex_to_base64(sha256_empty_hex), sha256_empty_b64);
    EXPECT_EQ(hex_to_base64(sha256_abc_hex), sha256_abc_b64);
    EXPECT_EQ(base64_to_hex(sha256_empty_b64), sha256_empty_hex);
    EXPECT_EQ(base64_to_hex(sha256_abc_b64), sha256_abc_hex);
}

TEST(HexBase64, AcceptsUppercaseHexAndProducesLowercase) {
    EXPECT_EQ(hex_to_base64("BA7816BF8F01CFEA414140DE5DAE2223B00361A396177A9CB410FF61F20015AD"),
              sha256_abc_b64);
    EXPECT_EQ(base64_to_hex("+/+/"), "fbffbf");
    EXPECT_EQ(hex_to_base64(""), "");
    EXPECT_EQ(base64_to_hex(""), "");
}

TEST(HexBase64, Base64ToHexRejectsInvalidBase64) {
    EXPECT_EQ(base64_to_hex("47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU"), std::nullopt);
    EXPECT_EQ(base64_to_hex("not base64!"), std::nullopt);
}

TEST(ParseContentDigests, BothAbsent) {
    const auto d = parse_content_digests("", "");
    EXPECT_EQ(d.sha256_hex, std::nullopt);
    EXPECT_EQ(d.md5_hex, std::nullopt);
    EXPECT_FALSE(d.malformed);

    const auto blank = parse_content_digests("  \t", " ");
    EXPECT_EQ(blank.sha256_hex, std::nullopt);
    EXPECT_EQ(blank.md5_hex, std::nullopt);
    EXPECT_FALSE(blank.malformed);
}

TEST(ParseContentDigests, Sha256Only) {
    const auto d = parse_content_digests(sha256_field(sha256_abc_b64), "");
    EXPECT_EQ(d.sha256_hex, sha256_abc_hex);
    EXPECT_EQ(d.md5_hex, std::nullopt);
    EXPECT_FALSE(d.malformed);
}

TEST(ParseContentDigests, Sha512AndSha256) {
    for (const std::string& field :
         {"sha-512=:" + std::string{sha512_abc_b64} + ":, " + sha256_field(sha256_abc_b64),
          sha256_field(sha256_abc_b64) + ",sha-512=:" + std::string{sha512_abc_b64} + ":"}) {
        const auto d = parse_content_digests(field, "");
        EXPECT_EQ(d.sha256_hex, sha256_abc_hex) << field;
        EXPECT_FALSE(d.malformed) << field;
    }
}

TEST(ParseContentDigests, IgnoresParameters) {
    for (const std::string& field :
         {sha256_field(sha256_abc_b64) + ";a=1;b", sha256_field(sha256_abc_b64) + "; q=\"x\";*z=?0",
          "sha-512=:" + std::string{sha512_abc_b64} + ":;k=tok/en, " +
              sha256_field(sha256_abc_b64) + ";n=-1.5"}) {
        const auto d = parse_content_digests(field, "");
        EXPECT_EQ(d.sha256_hex, sha256_abc_hex) << field;
        EXPECT_FALSE(d.malformed) << field;
    }
}

TEST(ParseContentDigests, AllowsWhitespaceAroundMembers) {
    for (const std::string& field :
         {"  " + sha256_field(sha256_abc_b64) + "  ",
          "\tunixsum=30637 ,\t " + sha256_field(sha256_abc_b64) + " \t",
          "md5=:" + std::string{md5_abc_b64} + ":  ,  " + sha256_field(sha256_abc_b64)}) {
        const auto d = parse_content_digests(field, "");
        EXPECT_EQ(d.sha256_hex, sha256_abc_hex) << field;
        EXPECT_FALSE(d.malformed) << field;
    }
}

TEST(ParseContentDigests, LastDuplicateWins) {
    const auto d = parse_content_digests(
        sha256_field(sha256_empty_b64) + ", " + sha256_field(sha256_abc_b64), "");
    EXPECT_EQ(d.sha256_hex, sha256_abc_hex);
    EXPECT_FALSE(d.malformed);

    const auto bad_then_good =
        parse_content_digests("sha-256=:AAAA:, " + sha256_field(sha256_abc_b64), "");
    EXPECT_EQ(bad_then_good.sha256_hex, sha256_abc_hex);
    EXPECT_FALSE(bad_then_good.malformed);

    const auto good_then_bad =
        parse_content_digests(sha256_field(sha256_abc_b64) + ", sha-256=:AAAA:", "");
    EXPECT_EQ(good_then_bad.sha256_hex, std::nullopt);
    EXPECT_TRUE(good_then_bad.malformed);
}

TEST(ParseContentDigests, ByteSequenceMayOmitPaddingAndHaveNonZeroPadBits) {
    const auto unpadded =
        parse_content_digests("sha-256=:ungWv48Bz+pBQUDeXa4iI7ADYaOWF3qctBD/YfIAFa0:", "");
    EXPECT_EQ(unpadded.sha256_hex, sha256_abc_hex);
    EXPECT_FALSE(unpadded.malformed);

    const auto pad_bits =
        parse_content_digests("sha-256=:ungWv48Bz+pBQUDeXa4iI7ADYaOWF3qctBD/YfIAFa1=:", "");
    EXPECT_EQ(pad_bits.sha256_hex, sha256_abc_hex);
    EXPECT_FALSE(pad_bits.malformed);
}

TEST(ParseContentDigests, WrongLengthIsMalformed) {
    for (const std::string_view field :
         {"sha-256=::", "sha-256=:AAAA:",
          "sha-256=:3a81oZNherrMQXNJriBBMRLm+k6JqX6iCp7u5ktV05ohkpkqJ0/BqDa6PCOj/uu9RU1EI2Q86A4qmsl"
          "PpUyknw==:",
          "sha-256=:ungWv48Bz+pBQUDeXa4iI7ADYaOWF3qctBD/YfIAFQ==:"}) {
        const auto d = parse_content_digests(field, "");
        EXPECT_EQ(d.sha256_hex, std::nullopt) << field;
        EXPECT_TRUE(d.malformed) << field;
    }
}

TEST(ParseContentDigests, Sha256NotAByteSequenceIsMalformed) {
    for (const std::string_view field :
         {"sha-256=ungWv48Bz+pBQUDeXa4iI7ADYaOWF3qctBD/YfIAFa0=", "sha-256=42", "sha-256=4.2",
          "sha-256=\"ungWv48Bz+pBQUDeXa4iI7ADYaOWF3qctBD/YfIAFa0=\"", "sha-256", "sha-256=?1",
          "sha-256=(:ungWv48Bz+pBQUDeXa4iI7ADYaOWF3qctBD/YfIAFa0=:)", "sha-256=token"}) {
        const auto d = parse_content_digests(field, "");
        EXPECT_EQ(d.sha256_hex, std::nullopt) << field;
        EXPECT_TRUE(d.malformed) << field;
    }
}

TEST(ParseContentDigests, SyntaxErrorsAreMalformed) {
    for (const std::string_view field : {
             "sha-256=:ungWv48Bz+pBQUDeXa4iI7ADYaOWF3qctBD/YfIAFa0=",
             "sha-256=:ungWv48Bz+pBQUDeXa4iI7ADYaOWF3qctBD/YfIAFa0=:,",
             ", sha-256=:ungWv48Bz+pBQUDeXa4iI7ADYaOWF3qctBD/YfIAFa0=:",
             "SHA-256=:ungWv48Bz+pBQUDeXa4iI7ADYaOWF3qctBD/YfIAFa0=:",
             "sha-256=:ungWv48Bz+pBQUDeXa4iI7ADYaOWF3qctBD/YfIAFa0=: sha-512=:AA==:",
             "sha-256 = :ungWv48Bz+pBQUDeXa4iI7ADYaOWF3qctBD/YfIAFa0=:",
             "sha-256=:ungWv48Bz-pBQUDeXa4iI7ADYaOWF3qctBD_YfIAFa0=:",
             "sha-256=:ungW v48Bz+pBQUDeXa4iI7ADYaOWF3qctBD/YfIAFa0=:",
             "sha-512=:not base64:, sha-256=:ungWv48Bz+pBQUDeXa4iI7ADYaOWF3qctBD/YfIAFa0=:",
             "sha-512=\"unterminated, sha-256=:ungWv48Bz+pBQUDeXa4iI7ADYaOWF3qctBD/YfIAFa0=:",
             "sha-256=:ungWv48Bz+pBQUDeXa4iI7ADYaOWF3qctBD/YfIAFa0=:;",
             "sha-256=:ungWv48Bz+pBQUDeXa4iI7ADYaOWF3qctBD/YfIAFa0=:;A=1",
             "1sha=:AA==:",
             "sha-512=1234567890123456",
             "sha-512=1.2345",
             "sha-512=(1 2",
             "sha-512=?2",
             "garbage!",
         }) {
        const auto d = parse_content_digests(field, "");
        EXPECT_EQ(d.sha256_hex, std::nullopt) << field;
        EXPECT_TRUE(d.malformed) << field;
    }
}

TEST(ParseContentDigests, UnknownAlgorithmsOnlyAreIgnored) {
    for (const std::string_view field :
         {"sha-512=:z4PhNX7vuL3xVChQ1m2AB9Yg5AULVxXcg/"
          "SpIdNs6c5H0NE8XYXysP+DGNKHfuwvY7kxvUdBeoGlODJ6+"
          "SfaPg==:",
          "unixsum=:MTIz:", "unixsum=30637, id-sha-256=(1 \"two\" three);p, *x=?1",
          "sha-512=:AA==:"}) {
        const auto d = parse_content_digests(field, "");
        EXPECT_EQ(d.sha256_hex, std::nullopt) << field;
        EXPECT_EQ(d.md5_hex, std::nullopt) << field;
        EXPECT_FALSE(d.malformed) << field;
    }
}

TEST(ParseContentDigests, ContentMd5Valid) {
    const auto d = parse_content_digests("", md5_abc_b64);
    EXPECT_EQ(d.md5_hex, md5_abc_hex);
    EXPECT_EQ(d.sha256_hex, std::nullopt);
    EXPECT_FALSE(d.malformed);

    const auto padded =
        parse_content_digests("", std::string{" "} + std::string{md5_abc_b64} + "\t");
    EXPECT_EQ(padded.md5_hex, md5_abc_hex);
    EXPECT_FALSE(padded.malformed);
}

TEST(ParseContentDigests, ContentMd5Invalid) {
    for (const std::string_view field :
         {"kAFQmDzST7DWlj99KOF/cg", "kAFQmDzST7DWlj99KOF/ch==", "kAFQmDzST7DWlj99KOF/",
          "ungWv48Bz+pBQUDeXa4iI7ADYaOWF3qctBD/YfIAFa0=", "kAFQ mDzS",
          "900150983cd24fb0d6963f7d28e17f72", ":kAFQmDzST7DWlj99KOF/cg==:"}) {
        const auto d = parse_content_digests("", field);
        EXPECT_EQ(d.md5_hex, std::nullopt) << field;
        EXPECT_TRUE(d.malformed) << field;
    }
}

TEST(ParseContentDigests, BothFieldsTogether) {
    const auto d = parse_content_digests(sha256_field(sha256_abc_b64), md5_abc_b64);
    EXPECT_EQ(d.sha256_hex, sha256_abc_hex);
    EXPECT_EQ(d.md5_hex, md5_abc_hex);
    EXPECT_FALSE(d.malformed);

    const auto bad_md5 = parse_content_digests(sha256_field(sha256_abc_b64), "nope");
    EXPECT_EQ(bad_md5.sha256_hex, sha256_abc_hex);
    EXPECT_TRUE(bad_md5.malformed);

    const auto bad_digest = parse_content_digests("sha-256=:AAAA:", md5_abc_b64);
    EXPECT_EQ(bad_digest.md5_hex, md5_abc_hex);
    EXPECT_TRUE(bad_digest.malformed);
}

TEST(FormatSha256DigestField, FormatsByteSequence) {
    EXPECT_EQ(format_sha256_digest_field(sha256_empty_hex),
              "sha-256=:47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=:");
    EXPECT_EQ(format_sha256_digest_field(sha256_abc_hex),
              "sha-256=:ungWv48Bz+pBQUDeXa4iI7ADYaOWF3qctBD/YfIAFa0=:");
}

TEST(FormatSha256DigestField, RoundTripsThroughParse) {
    const auto d = parse_content_digests(format_sha256_digest_field(sha256_abc_hex), "");
    EXPECT_EQ(d.sha256_hex, sha256_abc_hex);
    EXPECT_FALSE(d.malformed);
}

TEST(WantsSha256, AbsentMeansYes) {
    EXPECT_TRUE(wants_sha256(""));
    EXPECT_TRUE(wants_sha256(" \t "));
}

TEST(WantsSha256, PreferenceForSha256) {
    EXPECT_TRUE(wants_sha256("sha-256=1"));
    EXPECT_TRUE(wants_sha256("sha-256=10"));
    EXPECT_TRUE(wants_sha256("sha-256=5;q=1"));
    EXPECT_FALSE(wants_sha256("sha-256=0"));
    EXPECT_FALSE(wants_sha256("sha-256=0, sha-512=10"));
}

TEST(WantsSha256, OtherAlgorithmsOnly) {
    EXPECT_FALSE(wants_sha256("sha-512=3"));
    EXPECT_FALSE(wants_sha256("sha-512=3, unixsum=1"));
    EXPECT_FALSE(wants_sha256("sha-512=foo"));
}

TEST(WantsSha256, Sha256AmongOthers) {
    EXPECT_TRUE(wants_sha256("sha-512=3, sha-256=10"));
    EXPECT_TRUE(wants_sha256("sha-512=3,sha-256=1"));
    EXPECT_FALSE(wants_sha256("sha-512=3, sha-256=0"));
}

TEST(WantsSha256, LastDuplicateWins) {
    EXPECT_FALSE(wants_sha256("sha-256=5, sha-256=0"));
    EXPECT_TRUE(wants_sha256("sha-256=0, sha-256=5"));
}

TEST(WantsSha256, MalformedIsIgnored) {
    EXPECT_TRUE(wants_sha256("garbage!"));
    EXPECT_TRUE(wants_sha256("sha-256=1,"));
    EXPECT_TRUE(wants_sha256("SHA-256=0"));
    EXPECT_TRUE(wants_sha256("sha-256=0 sha-512=1"));
    EXPECT_TRUE(wants_sha256("sha-512=3, sha-256="));
    EXPECT_TRUE(wants_sha256("sha-256=11"));
    EXPECT_TRUE(wants_sha256("sha-256=-1"));
    EXPECT_TRUE(wants_sha256("sha-256=0.5"));
    EXPECT_TRUE(wants_sha256("sha-256"));
    EXPECT_TRUE(wants_sha256("sha-256=?0"));
    EXPECT_TRUE(wants_sha256("sha-256=(0)"));
    EXPECT_TRUE(wants_sha256("sha-256=\"0\""));
}

}  // namespace
}  // namespace simplefs::http
