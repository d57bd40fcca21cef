#include "storage/upload_info.hpp"
#include "storage/upload_store.hpp"

#include <gtest/gtest.h>

namespace simplefs::storage {
namespace {

TEST(UploadInfo, RoundTripsEveryField) {
    const upload_info info{.length = 1234567890123ULL,
                           .offset = 42,
                           .metadata = "filename YS50eHQ=,is_confidential",
                           .name = "docs/a \"quoted\" name.txt",
                           .content_type = "text/plain; charset=utf-8",
                           .expires = 1'900'000'000,
                           .partial = false,
                           .parts = {"0123456789abcdef0123456789abcdef"},
                           .completed = true};
    const auto back = parse_upload_info(to_json(info));
    ASSERT_TRUE(back.has_value());
    EXPECT_EQ(*back, info);
}

TEST(UploadInfo, DeferredLengthStaysDeferred) {
    upload_info info;
    info.partial = true;
    const auto back = parse_upload_info(to_json(info));
    ASSERT_TRUE(back.has_value());
    EXPECT_FALSE(back->length.has_value());
    EXPECT_TRUE(back->partial);
}

TEST(UploadInfo, CorruptTextIsAnError) {
    for (const std::string_view text :
         {"", "{", "[]", "{}", R"({"length":null})",
          R"({"length":-1,"offset":0,"metadata":"","name":"","content_type":"","expires":0,)"
          R"("partial":false,"parts":[],"completed":false})",
          R"({"length":null,"offset":"0","metadata":"","name":"","content_type":"","expires":0,)"
          R"("partial":false,"parts":[],"completed":false})",
          R"({"length":null,"offset":0,"metadata":"","name":"","content_type":"","expires":0,)"
          R"("partial":false,"parts":[1],"completed":false})"}) {
        EXPECT_EQ(parse_upload_info(text).error(), errc::io_error) << text;
    }
}

TEST(UploadId, FreshIdsAreValidAndDistinct) {
    const auto a = make_upload_id();
    const auto b = make_upload_id();
    EXPECT_TRUE(valid_upload_id(a));
    EXPECT_TRUE(valid_upload_id(b));
    EXPECT_NE(a, b);
}

TEST(UploadId, RejectsOtherShapes) {
    EXPECT_FALSE(valid_upload_id(""));
    EXPECT_FALSE(valid_upload_id("0123456789abcdef0123456789abcde"));
    EXPECT_FALSE(valid_upload_id("0123456789ABCDEF0123456789abcdef"));
    EXPECT_FALSE(valid_upload_id("../3456789abcdef0123456789abcdef"));
}

}  // namespace
}  // namespace simplefs::storage
