#include "storage/posix/posix_upload_store.hpp"
#include "storage/posix/posix_backend.hpp"

#include <gtest/gtest.h>
#include <stdlib.h>

#include <filesystem>
#include <string>

namespace simplefs::storage {
namespace {

namespace fs = std::filesystem;

class posix_upload_store_test : public testing::Test {
protected:
    void SetUp() override {
        std::string pattern = (fs::temp_directory_path() / "simplefs-uploads-XXXXXX").string();
        ASSERT_NE(::mkdtemp(pattern.data()), nullptr);
        root_ = pattern;
        auto opened = posix_upload_store::open(root_, true);
        ASSERT_TRUE(opened.has_value());
        store_ = std::move(*opened);
    }
    void TearDown() override { fs::remove_all(root_); }

    static std::string read_all(upload_data& data) {
        std::string out;
        char buffer[5];
        for (;;) {
            auto n = data.read_at(out.size(), buffer);
            EXPECT_TRUE(n.has_value());
            if (!n || *n == 0) {
                return out;
            }
            out.append(buffer, *n);
        }
    }

    fs::path root_;
    std::unique_ptr<posix_upload_store> store_;
};

TEST_F(posix_upload_store_test, NothingOnDiskBeforeTheFirstUpload) {
    EXPECT_FALSE(fs::exists(root_ / upload_folder));
    auto ids = store_->list();
    ASSERT_TRUE(ids.has_value());
    EXPECT_TRUE(ids->empty());
    EXPECT_EQ(store_->read_info(make_upload_id()).error(), errc::not_found);
}

TEST_F(posix_upload_store_test, CreateReadWriteRemove) {
    const auto id = make_upload_id();
    upload_info info{.length = 10, .name = "a.txt"};
    ASSERT_TRUE(store_->create(id, info).has_value());
    EXPECT_EQ(store_->create(id, info).error(), errc::already_exists);
    EXPECT_EQ(*store_->read_info(id), info);
    auto ids = store_->list();
    ASSERT_TRUE(ids.has_value());
    EXPECT_EQ(*ids, std::vector<std::string>{id});

    auto data = store_->lock(id);
    ASSERT_TRUE(data.has_value());
    ASSERT_TRUE((*data)->append(std::string_view("hello")).has_value());
    ASSERT_TRUE((*data)->append(std::string_view(" world")).has_value());
    ASSERT_TRUE((*data)->sync().has_value());
    info.offset = 11;
    ASSERT_TRUE(store_->write_info(id, info).has_value());
    EXPECT_EQ(store_->read_info(id)->offset, 11u);
    EXPECT_EQ(read_all(**data), "hello world");

    // A crash left bytes past the acknowledged offset: cut back, then append.
    ASSERT_TRUE((*data)->truncate(5).has_value());
    ASSERT_TRUE((*data)->append(std::string_view("!")).has_value());
    EXPECT_EQ(read_all(**data), "hello!");
    EXPECT_EQ(*(*data)->size(), 6u);

    ASSERT_TRUE(store_->remove(id).has_value());
    data->reset();
    EXPECT_EQ(store_->read_info(id).error(), errc::not_found);
    EXPECT_EQ(store_->lock(id).error(), errc::not_found);
    // Only the folder is left, with nothing in it.
    EXPECT_TRUE(fs::is_empty(root_ / upload_folder));
}

TEST_F(posix_upload_store_test, SecondLockIsRefusedAlsoFromAnotherStoreOnTheSameRoot) {
    const auto id = make_upload_id();
    ASSERT_TRUE(store_->create(id, {}).has_value());
    auto other = posix_upload_store::open(root_, true);
    ASSERT_TRUE(other.has_value());
    {
        auto held = store_->lock(id);
        ASSERT_TRUE(held.has_value());
        EXPECT_EQ(store_->lock(id).error(), errc::locked);
        EXPECT_EQ((*other)->lock(id).error(), errc::locked);
    }
    // Released with the holder.
    EXPECT_TRUE((*other)->lock(id).has_value());
}

TEST_F(posix_upload_store_test, BadIdsTouchNothing) {
    EXPECT_EQ(store_->create("../x", {}).error(), errc::not_found);
    EXPECT_EQ(store_->lock("0123").error(), errc::not_found);
    EXPECT_FALSE(fs::exists(root_ / upload_folder));
}

TEST_F(posix_upload_store_test, FolderIsNeitherListedNorAddressable) {
    auto backend = posix_backend::open(root_);
    ASSERT_TRUE(backend.has_value());
    auto* uploads = (*backend)->uploads();
    ASSERT_NE(uploads, nullptr);
    ASSERT_TRUE(uploads->create(make_upload_id(), {}).has_value());
    auto page = (*backend)->list("", {});
    ASSERT_TRUE(page.has_value());
    EXPECT_TRUE(page->files.empty());
    EXPECT_TRUE(page->folders.empty());
    EXPECT_EQ((*backend)->stat(std::string(upload_folder)).error(), errc::invalid_name);
    // Start-up cleaning keeps upload state.
    ASSERT_TRUE((*backend)->remove_stale_temp_files().has_value());
    EXPECT_EQ(uploads->list()->size(), 1u);
}

}  // namespace
}  // namespace simplefs::storage
