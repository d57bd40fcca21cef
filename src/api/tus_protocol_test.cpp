#include "api/tus_protocol.hpp"

#include <gtest/gtest.h>

namespace simplefs::api::tus {
namespace {

TEST(ParseLength, DigitsOnly) {
    EXPECT_EQ(parse_length("0"), 0u);
    EXPECT_EQ(parse_length(" 42\t"), 42u);
    EXPECT_EQ(parse_length("18446744073709551615"), 18446744073709551615ull);
    EXPECT_FALSE(parse_length(""));
    EXPECT_FALSE(parse_length("-1"));
    EXPECT_FALSE(parse_length("+1"));
    EXPECT_FALSE(parse_length("1 2"));
    EXPECT_FALSE(parse_length("0x10"));
    EXPECT_FALSE(parse_length("18446744073709551616"));
}

TEST(ParseUploadMetadata, PairsAndBareKeys) {
    // "a.txt" and "docs"
    const auto pairs = parse_upload_metadata("filename YS50eHQ=,is_confidential, path ZG9jcw==");
    ASSERT_TRUE(pairs);
    ASSERT_EQ(pairs->size(), 3u);
    EXPECT_EQ((*pairs)[0], (metadata_pair{"filename", "a.txt"}));
    EXPECT_EQ((*pairs)[1], (metadata_pair{"is_confidential", std::nullopt}));
    EXPECT_EQ((*pairs)[2], (metadata_pair{"path", "docs"}));
    EXPECT_EQ(metadata_value(*pairs, "filename"), "a.txt");
    EXPECT_EQ(metadata_value(*pairs, "is_confidential"), std::nullopt);
    EXPECT_EQ(metadata_value(*pairs, "missing"), std::nullopt);
}

TEST(ParseUploadMetadata, EmptyValueAndEmptyField) {
    // Spaces around a pair are not part of it: "note " is a key without a value.
    const auto bare = parse_upload_metadata("note ");
    ASSERT_TRUE(bare);
    EXPECT_EQ((*bare)[0], (metadata_pair{"note", std::nullopt}));
    const auto none = parse_upload_metadata("");
    ASSERT_TRUE(none);
    EXPECT_TRUE(none->empty());
}

TEST(ParseUploadMetadata, RejectsMalformed) {
    for (const std::string_view bad :
         {"filename not*base64", "filename YS50eHQ",
          ",filename YS50eHQ=", "a YQ==,a Yg==", "filename YS50eHQ=,", "key YQ== extra"}) {
        EXPECT_FALSE(parse_upload_metadata(bad)) << bad;
    }
}

TEST(ParseUploadChecksum, Sha1AndSha256) {
    // SHA-1 and SHA-256 of "hello".
    const auto sha1 = parse_upload_checksum("sha1 qvTGHdzF6KLavt4PO0gs2a6pQ00=");
    EXPECT_EQ(sha1.result, upload_checksum::outcome::ok);
    EXPECT_EQ(sha1.algorithm, checksum_algorithm::sha1);
    EXPECT_EQ(sha1.hex, "aaf4c61ddcc5e8a2dabede0f3b482cd9aea9434d");
    const auto sha256 =
        parse_upload_checksum("sha256 LPJNul+wow4m6DsqxbninhsWHlwfp0JecwQzYpOLmCQ=");
    EXPECT_EQ(sha256.result, upload_checksum::outcome::ok);
    EXPECT_EQ(sha256.algorithm, checksum_algorithm::sha256);
    EXPECT_EQ(sha256.hex, "2cf24dba5fb0a30e26e83b2ac5b9e29e1b161e5c1fa7425e73043362938b9824");
}

TEST(ParseUploadChecksum, AbsentUnsupportedMalformed) {
    EXPECT_EQ(parse_upload_checksum("").result, upload_checksum::outcome::absent);
    EXPECT_EQ(parse_upload_checksum("md5 XUFAKrxLKna5cZ2REBfFkg==").result,
              upload_checksum::outcome::unsupported);
    EXPECT_EQ(parse_upload_checksum("sha1").result, upload_checksum::outcome::malformed);
    // A SHA-256-sized digest under sha1, and bad base64.
    EXPECT_EQ(parse_upload_checksum("sha1 LPJNul+wow4m6DsqxbninhsWHlwfp0JecwQzYpOLmCQ=").result,
              upload_checksum::outcome::malformed);
    EXPECT_EQ(parse_upload_checksum("sha256 ***").result, upload_checksum::outcome::malformed);
}

TEST(ParseUploadConcat, PartialAndFinal) {
    EXPECT_EQ(parse_upload_concat("").type, upload_concat::kind::none);
    EXPECT_EQ(parse_upload_concat("partial").type, upload_concat::kind::partial);
    const auto final_concat =
        parse_upload_concat("final;/uploads/aaaa http://host:8080/uploads/bbbb");
    EXPECT_FALSE(final_concat.malformed);
    EXPECT_EQ(final_concat.type, upload_concat::kind::final);
    EXPECT_EQ(final_concat.parts, (std::vector<std::string>{"aaaa", "bbbb"}));
    EXPECT_TRUE(parse_upload_concat("final;").malformed);
    EXPECT_TRUE(parse_upload_concat("whole").malformed);
}

TEST(IsOffsetStream, MediaTypeWithoutParametersOrCase) {
    EXPECT_TRUE(is_offset_stream("application/offset+octet-stream"));
    EXPECT_TRUE(is_offset_stream("Application/Offset+Octet-Stream ; charset=x"));
    EXPECT_FALSE(is_offset_stream("application/octet-stream"));
    EXPECT_FALSE(is_offset_stream(""));
}

}  // namespace
}  // namespace simplefs::api::tus
