#include "storage/posix/posix_backend.hpp"

#include "storage/name.hpp"
#include "storage/sha256.hpp"

#include <gtest/gtest.h>
#include <openssl/evp.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <sstream>
#include <string>
#include <vector>

namespace simplefs::storage {
namespace {

namespace fs = std::filesystem;

std::string openssl_sha256_hex(std::string_view data) {
    unsigned char digest[EVP_MAX_MD_SIZE];
    unsigned int length = 0;
    EXPECT_EQ(EVP_Digest(data.data(), data.size(), digest, &length, EVP_sha256(), nullptr), 1);
    std::string hex;
    static constexpr char digits[] = "0123456789abcdef";
    for (unsigned int i = 0; i < length; ++i) {
        hex += digits[digest[i] >> 4];
        hex += digits[digest[i] & 0x0f];
    }
    return hex;
}

std::string read_file(const fs::path& path) {
    std::ifstream in(path, std::ios::binary);
    return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

void write_file(const fs::path& path, std::string_view content) {
    fs::create_directories(path.parent_path());
    std::ofstream out(path, std::ios::binary);
    out << content;
}

std::vector<fs::path> temp_files_under(const fs::path& dir) {
    std::vector<fs::path> found;
    for (const auto& entry : fs::recursive_directory_iterator(dir)) {
        if (entry.path().filename().string().starts_with(temp_prefix)) {
            found.push_back(entry.path());
        }
    }
    return found;
}

/// Snapshot of a directory tree (paths and file contents) to prove it did not change.
std::string tree_snapshot(const fs::path& dir) {
    std::vector<std::string> lines;
    for (const auto& entry : fs::recursive_directory_iterator(dir)) {
        std::string line = fs::relative(entry.path(), dir).string();
        if (entry.is_regular_file()) {
            line += "=" + read_file(entry.path());
        }
        lines.push_back(line);
    }
    std::sort(lines.begin(), lines.end());
    std::ostringstream out;
    for (const auto& line : lines) {
        out << line << '\n';
    }
    return out.str();
}

std::string read_all(file_reader& reader) {
    std::string content;
    char buffer[7];
    for (;;) {
        auto n = reader.read_at(content.size(), buffer);
        EXPECT_TRUE(n.has_value());
        if (!n || *n == 0) {
            return content;
        }
        content.append(buffer, *n);
    }
}

class posix_backend_test : public testing::Test {
protected:
    void SetUp() override {
        std::string pattern = (fs::temp_directory_path() / "simplefs-test-XXXXXX").string();
        ASSERT_NE(::mkdtemp(pattern.data()), nullptr);
        base_ = pattern;
        root_ = base_ / "root";
        outside_ = base_ / "outside";
        fs::create_directories(outside_ / "dir");
        write_file(outside_ / "dir" / "victim.txt", "outside dir file");
        write_file(outside_ / "secret.txt", "outside file");
        auto opened = posix_backend::open(root_, {});
        ASSERT_TRUE(opened.has_value()) << opened.error().message();
        backend_ = std::move(*opened);
    }

    void TearDown() override {
        backend_.reset();
        std::error_code ec;
        fs::remove_all(base_, ec);
    }

    file_info put(std::string_view name, std::string_view content) {
        auto writer = backend_->create_writer(name);
        EXPECT_TRUE(writer.has_value()) << name << ": " << writer.error().message();
        if (!writer) {
            return {};
        }
        EXPECT_TRUE((*writer)->write(content).has_value());
        auto info = (*writer)->commit();
        EXPECT_TRUE(info.has_value()) << info.error().message();
        return info ? *info : file_info{};
    }

    std::string get(std::string_view name) {
        auto reader = backend_->open_read(name);
        EXPECT_TRUE(reader.has_value()) << name << ": " << reader.error().message();
        return reader ? read_all(**reader) : std::string();
    }

    fs::path base_;
    fs::path root_;
    fs::path outside_;
    std::unique_ptr<posix_backend> backend_;
};

TEST(sha256, known_vectors) {
    sha256 empty;
    EXPECT_EQ(empty.finish(), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
    sha256 abc;
    abc.update(std::string_view("a"));
    abc.update(std::string_view(""));
    abc.update(std::string_view("bc"));
    EXPECT_EQ(abc.finish(), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
    EXPECT_EQ(abc.finish(), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
    abc.update(std::string_view("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq"));
    EXPECT_EQ(abc.finish(), "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
}

TEST_F(posix_backend_test, open_creates_missing_root) {
    const fs::path nested = base_ / "a" / "b" / "root";
    auto opened = posix_backend::open(nested, {});
    ASSERT_TRUE(opened.has_value());
    EXPECT_TRUE(fs::is_directory(nested));
}

TEST_F(posix_backend_test, open_fails_when_root_is_a_file) {
    write_file(base_ / "plain", "x");
    EXPECT_FALSE(posix_backend::open(base_ / "plain", {}).has_value());
}

TEST_F(posix_backend_test, write_commit_and_read_back) {
    std::string content;
    for (int i = 0; i < 100000; ++i) {
        content += static_cast<char>(i * 31 % 256);
    }
    auto writer = backend_->create_writer("data.bin");
    ASSERT_TRUE(writer.has_value());
    for (std::size_t at = 0; at < content.size(); at += 4096) {
        ASSERT_TRUE((*writer)->write(std::string_view(content).substr(at, 4096)).has_value());
    }
    EXPECT_EQ((*writer)->bytes_written(), content.size());
    const auto before = std::chrono::system_clock::now() - std::chrono::seconds(5);
    auto committed = (*writer)->commit();
    ASSERT_TRUE(committed.has_value()) << committed.error().message();
    EXPECT_EQ(committed->size, content.size());
    EXPECT_EQ(committed->sha256_hex, openssl_sha256_hex(content));
    EXPECT_GT(committed->modified, before);

    EXPECT_EQ(read_file(root_ / "data.bin"), content);
    EXPECT_EQ(get("data.bin"), content);

    auto info = backend_->stat("data.bin");
    ASSERT_TRUE(info.has_value());
    EXPECT_EQ(info->size, content.size());
    EXPECT_EQ(info->sha256_hex, committed->sha256_hex);
    EXPECT_EQ(info->modified, committed->modified);

    auto reader = backend_->open_read("data.bin");
    ASSERT_TRUE(reader.has_value());
    EXPECT_EQ((*reader)->info().sha256_hex, committed->sha256_hex);
    EXPECT_EQ((*reader)->info().size, content.size());
    EXPECT_GE((*reader)->native_handle(), 0);
}

TEST_F(posix_backend_test, sha256_matches_known_vector) {
    const file_info info = put("abc.txt", "abc");
    EXPECT_EQ(info.sha256_hex, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
    EXPECT_EQ(backend_->stat("abc.txt")->sha256_hex, info.sha256_hex);
    const file_info empty = put("empty.txt", "");
    EXPECT_EQ(empty.size, 0u);
    EXPECT_EQ(empty.sha256_hex, "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
    EXPECT_EQ(get("empty.txt"), "");
}

TEST_F(posix_backend_test, read_at_offsets) {
    put("f", "0123456789");
    auto reader = backend_->open_read("f");
    ASSERT_TRUE(reader.has_value());
    char buffer[4];
    auto n = (*reader)->read_at(8, buffer);
    ASSERT_TRUE(n.has_value());
    EXPECT_EQ(std::string(buffer, *n), "89");
    EXPECT_EQ(*(*reader)->read_at(10, buffer), 0u);
    EXPECT_EQ(*(*reader)->read_at(1000, buffer), 0u);
    EXPECT_EQ(*(*reader)->read_at(~std::uint64_t{0}, buffer), 0u);
    EXPECT_EQ(*(*reader)->read_at(0, std::span<char>()), 0u);
}

TEST_F(posix_backend_test, file_placed_by_hand_has_no_sha256) {
    write_file(root_ / "manual.txt", "by hand");
    auto info = backend_->stat("manual.txt");
    ASSERT_TRUE(info.has_value());
    EXPECT_EQ(info->size, 7u);
    EXPECT_EQ(info->sha256_hex, "");
    EXPECT_EQ(get("manual.txt"), "by hand");
}

TEST_F(posix_backend_test, reader_opened_before_replace_sees_old_bytes) {
    put("doc.txt", "old content");
    auto old_reader = backend_->open_read("doc.txt");
    ASSERT_TRUE(old_reader.has_value());
    const file_info replaced = put("doc.txt", "new and longer content");
    EXPECT_EQ(read_all(**old_reader), "old content");
    EXPECT_EQ((*old_reader)->info().size, 11u);
    EXPECT_EQ(get("doc.txt"), "new and longer content");
    EXPECT_EQ(backend_->stat("doc.txt")->sha256_hex, replaced.sha256_hex);
    EXPECT_NE((*old_reader)->info().sha256_hex, replaced.sha256_hex);
}

TEST_F(posix_backend_test, temp_file_lives_beside_target_until_commit) {
    auto writer = backend_->create_writer("sub/dir/f.txt");
    ASSERT_TRUE(writer.has_value());
    ASSERT_TRUE((*writer)->write(std::string_view("hello")).has_value());
    const auto temps = temp_files_under(root_);
    ASSERT_EQ(temps.size(), 1u);
    EXPECT_EQ(temps[0].parent_path(), root_ / "sub" / "dir");
    EXPECT_EQ(temps[0].filename().string().size(), temp_prefix.size() + 16);
    EXPECT_FALSE(fs::exists(root_ / "sub" / "dir" / "f.txt"));
    EXPECT_EQ(backend_->stat("sub/dir/f.txt").error(), errc::not_found);
    ASSERT_TRUE((*writer)->commit().has_value());
    EXPECT_TRUE(temp_files_under(root_).empty());
    EXPECT_EQ(read_file(root_ / "sub" / "dir" / "f.txt"), "hello");
}

TEST_F(posix_backend_test, abort_removes_temp_file) {
    put("keep.txt", "keep");
    auto writer = backend_->create_writer("keep.txt");
    ASSERT_TRUE(writer.has_value());
    ASSERT_TRUE((*writer)->write(std::string_view("replacement")).has_value());
    EXPECT_EQ(temp_files_under(root_).size(), 1u);
    (*writer)->abort();
    EXPECT_TRUE(temp_files_under(root_).empty());
    (*writer)->abort();
    EXPECT_FALSE((*writer)->write(std::string_view("x")).has_value());
    EXPECT_FALSE((*writer)->commit().has_value());
    EXPECT_EQ(get("keep.txt"), "keep");
}

TEST_F(posix_backend_test, destruction_without_commit_removes_temp_file) {
    {
        auto writer = backend_->create_writer("a/b/never.txt");
        ASSERT_TRUE(writer.has_value());
        ASSERT_TRUE((*writer)->write(std::string_view("data")).has_value());
        EXPECT_EQ(temp_files_under(root_).size(), 1u);
    }
    EXPECT_TRUE(temp_files_under(root_).empty());
    EXPECT_FALSE(fs::exists(root_ / "a" / "b" / "never.txt"));
}

TEST_F(posix_backend_test, calls_after_commit_fail) {
    auto writer = backend_->create_writer("once.txt");
    ASSERT_TRUE(writer.has_value());
    ASSERT_TRUE((*writer)->commit().has_value());
    EXPECT_EQ((*writer)->write(std::string_view("x")).error(), errc::io_error);
    EXPECT_EQ((*writer)->commit().error(), errc::io_error);
    (*writer)->abort();
    EXPECT_TRUE(fs::exists(root_ / "once.txt"));
}

TEST_F(posix_backend_test, nested_names_create_folders) {
    put("x/y/z/deep.txt", "deep");
    EXPECT_TRUE(fs::is_directory(root_ / "x" / "y" / "z"));
    EXPECT_EQ(get("x/y/z/deep.txt"), "deep");
    put("x/y/other.txt", "other");
    EXPECT_EQ(get("x/y/other.txt"), "other");
}

TEST_F(posix_backend_test, parent_that_is_a_file_is_not_found) {
    put("file", "x");
    auto writer = backend_->create_writer("file/child");
    ASSERT_FALSE(writer.has_value());
    EXPECT_EQ(writer.error(), errc::not_found);
    EXPECT_EQ(backend_->stat("file/child").error(), errc::not_found);
    EXPECT_EQ(backend_->remove("file/child").error(), errc::not_found);
    EXPECT_TRUE(temp_files_under(root_).empty());
}

TEST_F(posix_backend_test, remove_deletes_file_and_empty_parents) {
    put("a/b/c/f1", "1");
    put("a/g", "2");
    ASSERT_TRUE(backend_->remove("a/b/c/f1").has_value());
    EXPECT_FALSE(fs::exists(root_ / "a" / "b"));
    EXPECT_TRUE(fs::exists(root_ / "a" / "g"));
    ASSERT_TRUE(backend_->remove("a/g").has_value());
    EXPECT_FALSE(fs::exists(root_ / "a"));
    EXPECT_TRUE(fs::is_directory(root_));
    EXPECT_EQ(backend_->remove("a/g").error(), errc::not_found);
    EXPECT_EQ(backend_->stat("a/g").error(), errc::not_found);
}

TEST_F(posix_backend_test, remove_keeps_non_empty_parents) {
    put("p/q/one", "1");
    put("p/q/two", "2");
    ASSERT_TRUE(backend_->remove("p/q/one").has_value());
    EXPECT_TRUE(fs::exists(root_ / "p" / "q" / "two"));
}

TEST_F(posix_backend_test, directories_are_reported) {
    put("folder/file", "x");
    EXPECT_EQ(backend_->stat("folder").error(), errc::is_directory);
    EXPECT_EQ(backend_->open_read("folder").error(), errc::is_directory);
    EXPECT_EQ(backend_->remove("folder").error(), errc::is_directory);
    EXPECT_TRUE(fs::exists(root_ / "folder" / "file"));
}

TEST_F(posix_backend_test, fifo_is_not_found) {
    ASSERT_EQ(::mkfifo((root_ / "pipe").c_str(), 0600), 0);
    EXPECT_EQ(backend_->stat("pipe").error(), errc::not_found);
    EXPECT_EQ(backend_->open_read("pipe").error(), errc::not_found);
}

TEST_F(posix_backend_test, writing_over_existing_directory_fails_cleanly) {
    put("folder/file", "x");
    auto writer = backend_->create_writer("folder");
    ASSERT_FALSE(writer.has_value());
    EXPECT_EQ(writer.error(), errc::is_directory);
    EXPECT_TRUE(temp_files_under(root_).empty());
    EXPECT_EQ(read_file(root_ / "folder" / "file"), "x");
}

TEST_F(posix_backend_test, directory_appearing_before_commit_fails_cleanly) {
    auto writer = backend_->create_writer("late");
    ASSERT_TRUE(writer.has_value());
    ASSERT_TRUE((*writer)->write(std::string_view("data")).has_value());
    fs::create_directories(root_ / "late" / "inner");
    auto committed = (*writer)->commit();
    ASSERT_FALSE(committed.has_value());
    EXPECT_EQ(committed.error(), errc::is_directory);
    EXPECT_TRUE(temp_files_under(root_).empty());
    EXPECT_TRUE(fs::is_directory(root_ / "late" / "inner"));
}

TEST_F(posix_backend_test, invalid_names_are_rejected) {
    for (const std::string_view name :
         {"../x", "/etc/passwd", "a/../../x", "", "a//b", "a/", ".simplefs.tmp.0123456789abcdef"}) {
        EXPECT_EQ(backend_->stat(name).error(), errc::invalid_name) << name;
        EXPECT_EQ(backend_->open_read(name).error(), errc::invalid_name) << name;
        EXPECT_EQ(backend_->create_writer(name).error(), errc::invalid_name) << name;
        EXPECT_EQ(backend_->remove(name).error(), errc::invalid_name) << name;
    }
    EXPECT_FALSE(fs::exists(base_ / "x"));
    EXPECT_TRUE(fs::is_empty(root_));
}

TEST_F(posix_backend_test, symlinks_leading_outside_escape) {
    fs::create_directory_symlink(outside_ / "dir", root_ / "abs_dir_link");
    fs::create_directory_symlink("../outside/dir", root_ / "rel_dir_link");
    fs::create_symlink(outside_ / "secret.txt", root_ / "abs_file_link");
    fs::create_symlink("../outside/secret.txt", root_ / "rel_file_link");
    fs::create_directories(root_ / "sub");
    fs::create_symlink("../../outside/secret.txt", root_ / "sub" / "deep_link");
    const std::string before = tree_snapshot(outside_);

    for (const std::string_view dir_link : {"abs_dir_link", "rel_dir_link"}) {
        const std::string existing = std::string(dir_link) + "/victim.txt";
        const std::string fresh = std::string(dir_link) + "/new.txt";
        const std::string nested = std::string(dir_link) + "/made/new.txt";
        EXPECT_EQ(backend_->stat(existing).error(), errc::escapes_root) << existing;
        EXPECT_EQ(backend_->open_read(existing).error(), errc::escapes_root) << existing;
        EXPECT_EQ(backend_->remove(existing).error(), errc::escapes_root) << existing;
        EXPECT_EQ(backend_->create_writer(existing).error(), errc::escapes_root) << existing;
        EXPECT_EQ(backend_->create_writer(fresh).error(), errc::escapes_root) << fresh;
        EXPECT_EQ(backend_->create_writer(nested).error(), errc::escapes_root) << nested;
        EXPECT_EQ(backend_->stat(dir_link).error(), errc::escapes_root) << dir_link;
    }
    for (const std::string_view file_link : {"abs_file_link", "rel_file_link", "sub/deep_link"}) {
        EXPECT_EQ(backend_->stat(file_link).error(), errc::escapes_root) << file_link;
        EXPECT_EQ(backend_->open_read(file_link).error(), errc::escapes_root) << file_link;
        EXPECT_EQ(backend_->create_writer(file_link).error(), errc::escapes_root) << file_link;
        EXPECT_EQ(backend_->remove(file_link).error(), errc::escapes_root) << file_link;
    }

    EXPECT_EQ(tree_snapshot(outside_), before);
    EXPECT_TRUE(fs::is_symlink(root_ / "abs_file_link"));
    EXPECT_TRUE(fs::is_symlink(root_ / "sub" / "deep_link"));
    EXPECT_TRUE(temp_files_under(root_).empty());
}

TEST_F(posix_backend_test, symlinks_staying_inside_are_followed) {
    put("real/file.txt", "inside");
    fs::create_directory_symlink("real", root_ / "alias");
    fs::create_symlink("real/file.txt", root_ / "file_alias");
    EXPECT_EQ(get("alias/file.txt"), "inside");
    EXPECT_EQ(get("file_alias"), "inside");
    EXPECT_EQ(backend_->stat("file_alias")->size, 6u);
    put("alias/second.txt", "two");
    EXPECT_EQ(read_file(root_ / "real" / "second.txt"), "two");
}

TEST_F(posix_backend_test, stale_temp_files_are_removed_and_counted) {
    write_file(root_ / ".simplefs.tmp.0000000000000000", "stale");
    write_file(root_ / "a" / ".simplefs.tmp.1111111111111111", "stale");
    write_file(root_ / "a" / "b" / "c" / ".simplefs.tmp.x", "stale");
    write_file(root_ / "a" / "keep.txt", "keep");
    write_file(root_ / ".simplefs.tmpnot", "keep");
    fs::create_directories(root_ / ".simplefs.tmp.folder");
    write_file(outside_ / "dir" / ".simplefs.tmp.outside", "outside");
    fs::create_directory_symlink(outside_ / "dir", root_ / "link");
    fs::create_symlink(outside_ / "dir" / ".simplefs.tmp.outside", root_ / ".simplefs.tmp.link");

    auto removed = backend_->remove_stale_temp_files();
    ASSERT_TRUE(removed.has_value()) << removed.error().message();
    EXPECT_EQ(*removed, 3u);
    EXPECT_FALSE(fs::exists(root_ / ".simplefs.tmp.0000000000000000"));
    EXPECT_FALSE(fs::exists(root_ / "a" / ".simplefs.tmp.1111111111111111"));
    EXPECT_FALSE(fs::exists(root_ / "a" / "b" / "c" / ".simplefs.tmp.x"));
    EXPECT_TRUE(fs::exists(root_ / "a" / "keep.txt"));
    EXPECT_TRUE(fs::exists(root_ / ".simplefs.tmpnot"));
    EXPECT_TRUE(fs::is_directory(root_ / ".simplefs.tmp.folder"));
    EXPECT_TRUE(fs::exists(outside_ / "dir" / ".simplefs.tmp.outside"));
    EXPECT_TRUE(fs::is_symlink(root_ / ".simplefs.tmp.link"));

    EXPECT_EQ(*backend_->remove_stale_temp_files(), 0u);
}

TEST_F(posix_backend_test, stale_scan_also_removes_temp_of_live_writer) {
    auto writer = backend_->create_writer("busy.txt");
    ASSERT_TRUE(writer.has_value());
    EXPECT_EQ(*backend_->remove_stale_temp_files(), 1u);
    EXPECT_FALSE((*writer)->commit().has_value());
    EXPECT_TRUE(temp_files_under(root_).empty());
}

TEST_F(posix_backend_test, usage_is_sane) {
    auto usage = backend_->usage();
    ASSERT_TRUE(usage.has_value());
    EXPECT_GT(usage->total_bytes, 0u);
    EXPECT_LE(usage->available_bytes, usage->total_bytes);
    EXPECT_GE(usage->used_fraction, 0.0);
    EXPECT_LE(usage->used_fraction, 1.0);
}

TEST_F(posix_backend_test, commit_without_fsync_works) {
    auto opened = posix_backend::open(root_, posix_options{.fsync = false});
    ASSERT_TRUE(opened.has_value());
    auto writer = (*opened)->create_writer("fast/file.bin");
    ASSERT_TRUE(writer.has_value());
    ASSERT_TRUE((*writer)->write(std::string_view("quick")).has_value());
    auto info = (*writer)->commit();
    ASSERT_TRUE(info.has_value());
    EXPECT_EQ(info->sha256_hex, openssl_sha256_hex("quick"));
    EXPECT_EQ(get("fast/file.bin"), "quick");
    EXPECT_TRUE(temp_files_under(root_).empty());
}

TEST_F(posix_backend_test, concurrent_writers_to_same_name_last_commit_wins) {
    auto first = backend_->create_writer("same.txt");
    auto second = backend_->create_writer("same.txt");
    ASSERT_TRUE(first.has_value());
    ASSERT_TRUE(second.has_value());
    ASSERT_TRUE((*first)->write(std::string_view("first")).has_value());
    ASSERT_TRUE((*second)->write(std::string_view("second")).has_value());
    EXPECT_EQ(temp_files_under(root_).size(), 2u);
    ASSERT_TRUE((*second)->commit().has_value());
    ASSERT_TRUE((*first)->commit().has_value());
    EXPECT_EQ(get("same.txt"), "first");
    EXPECT_TRUE(temp_files_under(root_).empty());
}

}  // namespace
}  // namespace simplefs::storage
