#include "storage/posix/posix_backend.hpp"

#include "storage/digest_cache.hpp"
#include "storage/hasher.hpp"
#include "storage/name.hpp"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <openssl/evp.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <sys/xattr.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cctype>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <future>
#include <iterator>
#include <optional>
#include <sstream>
#include <string>
#include <thread>
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

std::string upper(std::string text) {
    for (char& c : text) {
        c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
    }
    return text;
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
        auto committed = (*writer)->commit();
        EXPECT_TRUE(committed.has_value()) << committed.error().message();
        return committed ? committed->info : file_info{};
    }

    /// Writes content to name and commits with opts; the commit's outcome.
    result<commit_result> put_with(std::string_view name, std::string_view content,
                                   const commit_options& opts, writer_options wopts = {}) {
        auto writer = backend_->create_writer(name, wopts);
        if (!writer) {
            return writer.error();
        }
        if (auto written = (*writer)->write(content); !written) {
            return written.error();
        }
        return (*writer)->commit(opts);
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
    EXPECT_EQ(committed->info.size, content.size());
    EXPECT_EQ(committed->info.sha256_hex, openssl_sha256_hex(content));
    EXPECT_GT(committed->info.modified, before);
    EXPECT_FALSE(committed->replaced);
    EXPECT_EQ(committed->info.content_type, "");

    EXPECT_EQ(read_file(root_ / "data.bin"), content);
    EXPECT_EQ(get("data.bin"), content);

    auto info = backend_->stat("data.bin");
    ASSERT_TRUE(info.has_value());
    EXPECT_EQ(info->size, content.size());
    EXPECT_EQ(info->sha256_hex, committed->info.sha256_hex);
    EXPECT_EQ(info->modified, committed->info.modified);

    auto reader = backend_->open_read("data.bin");
    ASSERT_TRUE(reader.has_value());
    EXPECT_EQ((*reader)->info().sha256_hex, committed->info.sha256_hex);
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

TEST_F(posix_backend_test, file_placed_by_hand_gets_sha256_computed_once) {
    write_file(root_ / "manual.txt", "by hand");
    auto info = backend_->stat("manual.txt");
    ASSERT_TRUE(info.has_value());
    EXPECT_EQ(info->size, 7u);
    EXPECT_EQ(info->sha256_hex, openssl_sha256_hex("by hand"));
    EXPECT_EQ(info->content_type, "");
    EXPECT_EQ(backend_->digest_cache_stats().misses, 1u);
    EXPECT_EQ(backend_->digest_cache_stats().entries, 1u);

    auto reader = backend_->open_read("manual.txt");
    ASSERT_TRUE(reader.has_value());
    EXPECT_EQ((*reader)->info().sha256_hex, info->sha256_hex);
    EXPECT_EQ(read_all(**reader), "by hand");
    EXPECT_EQ(backend_->stat("manual.txt")->sha256_hex, info->sha256_hex);
    EXPECT_EQ(backend_->digest_cache_stats().misses, 1u);
    EXPECT_EQ(backend_->digest_cache_stats().hits, 2u);

    write_file(root_ / "manual.txt", "changed by hand");
    EXPECT_EQ(backend_->stat("manual.txt")->sha256_hex, openssl_sha256_hex("changed by hand"));
    EXPECT_EQ(backend_->digest_cache_stats().misses, 2u);
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
    // The folders made for the upload went with it.
    EXPECT_FALSE(fs::exists(root_ / "a"));
}

TEST_F(posix_backend_test, abort_keeps_folders_that_hold_files) {
    put("a/keep.txt", "keep");
    auto writer = backend_->create_writer("a/b/c/never.txt");
    ASSERT_TRUE(writer.has_value());
    ASSERT_TRUE((*writer)->write(std::string_view("data")).has_value());
    (*writer)->abort();
    EXPECT_TRUE(temp_files_under(root_).empty());
    EXPECT_FALSE(fs::exists(root_ / "a" / "b"));
    EXPECT_EQ(get("a/keep.txt"), "keep");
}

TEST_F(posix_backend_test, abort_while_another_upload_uses_the_new_folder) {
    auto first = backend_->create_writer("new/one.txt");
    auto second = backend_->create_writer("new/two.txt");
    ASSERT_TRUE(first.has_value() && second.has_value());
    (*first)->abort();
    ASSERT_TRUE((*second)->write(std::string_view("two")).has_value());
    ASSERT_TRUE((*second)->commit().has_value());
    EXPECT_EQ(get("new/two.txt"), "two");
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
    // a/b/c held only a temp file, and a/b only a/b/c; a holds keep.txt.
    EXPECT_FALSE(fs::exists(root_ / "a" / "b"));
    EXPECT_TRUE(fs::is_directory(root_ / "a"));

    EXPECT_EQ(*backend_->remove_stale_temp_files(), 0u);
}

TEST_F(posix_backend_test, stale_scan_keeps_folders_it_did_not_empty) {
    fs::create_directories(root_ / "empty" / "inner");
    write_file(root_ / "mixed" / ".simplefs.tmp.1", "stale");
    write_file(root_ / "mixed" / "sub" / ".simplefs.tmp.2", "stale");
    fs::create_directories(root_ / "mixed" / "empty");
    write_file(root_ / "only" / "deep" / ".simplefs.tmp.3", "stale");

    EXPECT_EQ(*backend_->remove_stale_temp_files(), 3u);
    EXPECT_TRUE(fs::is_directory(root_ / "empty" / "inner"));
    EXPECT_TRUE(fs::is_directory(root_ / "mixed" / "empty"));
    EXPECT_FALSE(fs::exists(root_ / "mixed" / "sub"));
    EXPECT_FALSE(fs::exists(root_ / "only"));
    EXPECT_TRUE(temp_files_under(root_).empty());
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

TEST_F(posix_backend_test, health_is_always_ready) {
    const storage_health health = backend_->health();
    EXPECT_TRUE(health.ready);
    EXPECT_EQ(health.reason, "");
}

TEST_F(posix_backend_test, commit_without_fsync_works) {
    auto opened = posix_backend::open(root_, posix_options{.fsync = false});
    ASSERT_TRUE(opened.has_value());
    auto writer = (*opened)->create_writer("fast/file.bin");
    ASSERT_TRUE(writer.has_value());
    ASSERT_TRUE((*writer)->write(std::string_view("quick")).has_value());
    auto committed = (*writer)->commit();
    ASSERT_TRUE(committed.has_value());
    EXPECT_EQ(committed->info.sha256_hex, openssl_sha256_hex("quick"));
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

TEST_F(posix_backend_test, replaced_flag_tells_create_from_replace) {
    auto first = put_with("r.txt", "one", {});
    ASSERT_TRUE(first.has_value());
    EXPECT_FALSE(first->replaced);
    auto second = put_with("r.txt", "two", {});
    ASSERT_TRUE(second.has_value());
    EXPECT_TRUE(second->replaced);
    ASSERT_TRUE(backend_->remove("r.txt").has_value());
    auto third = put_with("r.txt", "three", {});
    ASSERT_TRUE(third.has_value());
    EXPECT_FALSE(third->replaced);
}

TEST_F(posix_backend_test, create_only_fails_when_name_exists) {
    put("taken.txt", "original");
    auto committed = put_with("taken.txt", "intruder", {.create_only = true});
    ASSERT_FALSE(committed.has_value());
    EXPECT_EQ(committed.error(), errc::already_exists);
    EXPECT_EQ(get("taken.txt"), "original");
    EXPECT_TRUE(temp_files_under(root_).empty());

    auto fresh = put_with("sub/fresh.txt", "new", {.create_only = true});
    ASSERT_TRUE(fresh.has_value()) << fresh.error().message();
    EXPECT_FALSE(fresh->replaced);
    EXPECT_EQ(get("sub/fresh.txt"), "new");
}

TEST_F(posix_backend_test, create_only_race_has_exactly_one_winner) {
    constexpr int rounds = 50;
    for (int round = 0; round < rounds; ++round) {
        const std::string name = "race/new-" + std::to_string(round);
        std::vector<std::unique_ptr<file_writer>> writers;
        for (int i = 0; i < 2; ++i) {
            auto writer = backend_->create_writer(name);
            ASSERT_TRUE(writer.has_value());
            ASSERT_TRUE((*writer)->write("writer " + std::to_string(i)).has_value());
            writers.push_back(std::move(*writer));
        }
        std::atomic<int> ready{0};
        std::vector<std::optional<result<commit_result>>> outcomes(writers.size());
        std::vector<std::thread> threads;
        for (std::size_t i = 0; i < writers.size(); ++i) {
            threads.emplace_back([&, i] {
                ready.fetch_add(1);
                while (ready.load() < static_cast<int>(writers.size())) {
                }
                outcomes[i] = writers[i]->commit({.create_only = true});
            });
        }
        for (auto& thread : threads) {
            thread.join();
        }
        int winner = -1;
        for (std::size_t i = 0; i < outcomes.size(); ++i) {
            ASSERT_TRUE(outcomes[i].has_value());
            if (outcomes[i]->has_value()) {
                EXPECT_EQ(winner, -1) << "two winners in round " << round;
                winner = static_cast<int>(i);
                EXPECT_FALSE((*outcomes[i])->replaced);
            } else {
                EXPECT_EQ(outcomes[i]->error(), errc::already_exists) << round;
            }
        }
        ASSERT_NE(winner, -1) << "no winner in round " << round;
        EXPECT_EQ(get(name), "writer " + std::to_string(winner));
    }
    EXPECT_TRUE(temp_files_under(root_).empty());
}

TEST_F(posix_backend_test, expected_sha256_replaces_only_the_expected_version) {
    const file_info v1 = put("doc.txt", "version 1");

    auto stale_free = put_with("doc.txt", "version 2", {.expected_sha256 = v1.sha256_hex});
    ASSERT_TRUE(stale_free.has_value()) << stale_free.error().message();
    EXPECT_TRUE(stale_free->replaced);
    EXPECT_EQ(get("doc.txt"), "version 2");

    auto stale = put_with("doc.txt", "version 3", {.expected_sha256 = v1.sha256_hex});
    ASSERT_FALSE(stale.has_value());
    EXPECT_EQ(stale.error(), errc::precondition_failed);
    EXPECT_EQ(get("doc.txt"), "version 2");

    auto any_case =
        put_with("doc.txt", "version 3", {.expected_sha256 = upper(stale_free->info.sha256_hex)});
    ASSERT_TRUE(any_case.has_value());
    EXPECT_EQ(get("doc.txt"), "version 3");
    EXPECT_TRUE(temp_files_under(root_).empty());
}

TEST_F(posix_backend_test, expected_sha256_on_missing_or_folder_target_fails) {
    auto missing = put_with("absent.txt", "x", {.expected_sha256 = openssl_sha256_hex("x")});
    ASSERT_FALSE(missing.has_value());
    EXPECT_EQ(missing.error(), errc::precondition_failed);
    EXPECT_FALSE(fs::exists(root_ / "absent.txt"));

    auto writer = backend_->create_writer("late");
    ASSERT_TRUE(writer.has_value());
    fs::create_directories(root_ / "late" / "inner");
    auto folder = (*writer)->commit({.expected_sha256 = openssl_sha256_hex("")});
    ASSERT_FALSE(folder.has_value());
    EXPECT_EQ(folder.error(), errc::is_directory);
    EXPECT_TRUE(temp_files_under(root_).empty());
}

TEST_F(posix_backend_test, expected_sha256_of_hand_placed_file_is_computed) {
    write_file(root_ / "manual.txt", "by hand");
    auto committed =
        put_with("manual.txt", "by api", {.expected_sha256 = openssl_sha256_hex("by hand")});
    ASSERT_TRUE(committed.has_value()) << committed.error().message();
    EXPECT_TRUE(committed->replaced);
    EXPECT_EQ(get("manual.txt"), "by api");
}

TEST_F(posix_backend_test, expected_sha256_through_symlink_compares_link_target) {
    put("real.txt", "real");
    fs::create_symlink("real.txt", root_ / "link.txt");
    auto wrong = put_with("link.txt", "new", {.expected_sha256 = openssl_sha256_hex("other")});
    EXPECT_EQ(wrong.error(), errc::precondition_failed);
    auto right = put_with("link.txt", "new", {.expected_sha256 = openssl_sha256_hex("real")});
    ASSERT_TRUE(right.has_value()) << right.error().message();
    EXPECT_TRUE(right->replaced);
    EXPECT_FALSE(fs::is_symlink(root_ / "link.txt"));
    EXPECT_EQ(get("link.txt"), "new");
    EXPECT_EQ(get("real.txt"), "real");
}

TEST_F(posix_backend_test, concurrent_if_match_commits_have_one_winner) {
    file_info current = put("cas.txt", "base");
    constexpr int rounds = 30;
    constexpr int contenders = 4;
    for (int round = 0; round < rounds; ++round) {
        std::vector<std::unique_ptr<file_writer>> writers;
        for (int i = 0; i < contenders; ++i) {
            auto writer = backend_->create_writer("cas.txt");
            ASSERT_TRUE(writer.has_value());
            const std::string content = std::to_string(round) + " contender " + std::to_string(i);
            ASSERT_TRUE((*writer)->write(content).has_value());
            writers.push_back(std::move(*writer));
        }
        std::atomic<int> ready{0};
        std::vector<std::optional<result<commit_result>>> outcomes(contenders);
        std::vector<std::thread> threads;
        for (int i = 0; i < contenders; ++i) {
            threads.emplace_back([&, i] {
                ready.fetch_add(1);
                while (ready.load() < contenders) {
                }
                outcomes[i] = writers[i]->commit({.expected_sha256 = current.sha256_hex});
            });
        }
        for (auto& thread : threads) {
            thread.join();
        }
        int winner = -1;
        for (int i = 0; i < contenders; ++i) {
            ASSERT_TRUE(outcomes[i].has_value());
            if (outcomes[i]->has_value()) {
                EXPECT_EQ(winner, -1) << "two winners in round " << round;
                winner = i;
                current = (*outcomes[i])->info;
            } else {
                EXPECT_EQ(outcomes[i]->error(), errc::precondition_failed);
            }
        }
        ASSERT_NE(winner, -1) << "no winner in round " << round;
        EXPECT_EQ(get("cas.txt"), std::to_string(round) + " contender " + std::to_string(winner));
    }
    EXPECT_TRUE(temp_files_under(root_).empty());
}

TEST_F(posix_backend_test, commit_and_remove_wait_for_the_lock_on_the_file) {
    put("sub/target.txt", "old");
    put("sub/victim.txt", "victim");
    // Another process would lock through its own open file descriptions, as this one does.
    const int target_fd = ::open((root_ / "sub" / "target.txt").c_str(), O_RDONLY | O_CLOEXEC);
    const int victim_fd = ::open((root_ / "sub" / "victim.txt").c_str(), O_RDONLY | O_CLOEXEC);
    ASSERT_GE(target_fd, 0);
    ASSERT_GE(victim_fd, 0);
    ASSERT_EQ(::flock(target_fd, LOCK_EX), 0);
    ASSERT_EQ(::flock(victim_fd, LOCK_EX), 0);

    auto writer = backend_->create_writer("sub/target.txt");
    ASSERT_TRUE(writer.has_value());
    ASSERT_TRUE((*writer)->write(std::string_view("new")).has_value());
    auto commit = std::async(std::launch::async, [&] { return (*writer)->commit(); });
    auto removal =
        std::async(std::launch::async, [&] { return backend_->remove("sub/victim.txt"); });
    EXPECT_EQ(commit.wait_for(std::chrono::milliseconds(300)), std::future_status::timeout);
    EXPECT_EQ(removal.wait_for(std::chrono::milliseconds(0)), std::future_status::timeout);
    EXPECT_EQ(get("sub/target.txt"), "old");
    EXPECT_TRUE(fs::exists(root_ / "sub" / "victim.txt"));

    ASSERT_EQ(::flock(target_fd, LOCK_UN), 0);
    ASSERT_EQ(::flock(victim_fd, LOCK_UN), 0);
    EXPECT_TRUE(commit.get().has_value());
    EXPECT_TRUE(removal.get().has_value());
    ::close(target_fd);
    ::close(victim_fd);
    EXPECT_EQ(get("sub/target.txt"), "new");
    EXPECT_FALSE(fs::exists(root_ / "sub" / "victim.txt"));
}

TEST_F(posix_backend_test, a_waiting_commit_locks_the_file_that_replaced_the_locked_one) {
    put("race.txt", "first");
    const int old_fd = ::open((root_ / "race.txt").c_str(), O_RDONLY | O_CLOEXEC);
    ASSERT_GE(old_fd, 0);
    ASSERT_EQ(::flock(old_fd, LOCK_EX), 0);

    auto writer = backend_->create_writer("race.txt");
    ASSERT_TRUE(writer.has_value());
    ASSERT_TRUE((*writer)->write(std::string_view("third")).has_value());
    const auto first_sha = openssl_sha256_hex("first");
    auto commit = std::async(std::launch::async,
                             [&] { return (*writer)->commit({.expected_sha256 = first_sha}); });
    EXPECT_EQ(commit.wait_for(std::chrono::milliseconds(200)), std::future_status::timeout);
    // A second version is renamed over the name while the first file is locked (as a writer
    // that got the lock first would)...
    { std::ofstream(root_ / "second.tmp") << "second"; }
    ASSERT_EQ(::rename((root_ / "second.tmp").c_str(), (root_ / "race.txt").c_str()), 0);
    ASSERT_EQ(::flock(old_fd, LOCK_UN), 0);
    ::close(old_fd);
    // ...so the waiting commit's If-Match is checked against it, not against the file it waited
    // for, and fails.
    auto done = commit.get();
    ASSERT_FALSE(done.has_value());
    EXPECT_EQ(done.error(), errc::precondition_failed);
    EXPECT_EQ(get("race.txt"), "second");
    EXPECT_TRUE(temp_files_under(root_).empty());
}

TEST_F(posix_backend_test, client_sha256_mismatch_keeps_old_file) {
    put("keep.txt", "old");
    auto wrong =
        put_with("keep.txt", "new", {.expected_client_sha256 = openssl_sha256_hex("nope")});
    ASSERT_FALSE(wrong.has_value());
    EXPECT_EQ(wrong.error(), errc::digest_mismatch);
    EXPECT_EQ(get("keep.txt"), "old");
    EXPECT_TRUE(temp_files_under(root_).empty());

    auto fresh = put_with("fresh.txt", "new", {.expected_client_sha256 = "0123"});
    EXPECT_EQ(fresh.error(), errc::digest_mismatch);
    EXPECT_FALSE(fs::exists(root_ / "fresh.txt"));

    auto right =
        put_with("keep.txt", "new", {.expected_client_sha256 = upper(openssl_sha256_hex("new"))});
    ASSERT_TRUE(right.has_value());
    EXPECT_EQ(get("keep.txt"), "new");
}

TEST_F(posix_backend_test, md5_is_computed_and_checked) {
    auto writer = backend_->create_writer("m.txt", {.md5 = true});
    ASSERT_TRUE(writer.has_value());
    ASSERT_TRUE((*writer)->write(std::string_view("a")).has_value());
    ASSERT_TRUE((*writer)->write(std::string_view("bc")).has_value());
    EXPECT_EQ((*writer)->md5_hex(), "900150983cd24fb0d6963f7d28e17f72");
    EXPECT_EQ((*writer)->sha256_hex(),
              "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
    EXPECT_EQ((*writer)->md5_hex(), "900150983cd24fb0d6963f7d28e17f72");
    EXPECT_EQ((*writer)->write(std::string_view("more")).error(), errc::io_error);
    auto committed = (*writer)->commit({.expected_client_md5 = "900150983CD24FB0D6963F7D28E17F72"});
    ASSERT_TRUE(committed.has_value()) << committed.error().message();
    EXPECT_EQ(committed->info.sha256_hex, openssl_sha256_hex("abc"));
    EXPECT_EQ(committed->info.size, 3u);
    EXPECT_EQ((*writer)->sha256_hex(), openssl_sha256_hex("abc"));
    EXPECT_EQ(get("m.txt"), "abc");

    auto wrong = put_with(
        "m.txt", "xyz", {.expected_client_md5 = "900150983cd24fb0d6963f7d28e17f72"}, {.md5 = true});
    EXPECT_EQ(wrong.error(), errc::digest_mismatch);
    EXPECT_EQ(get("m.txt"), "abc");

    auto empty = backend_->create_writer("empty.txt", {.md5 = true});
    ASSERT_TRUE(empty.has_value());
    EXPECT_EQ((*empty)->md5_hex(), "d41d8cd98f00b204e9800998ecf8427e");
    ASSERT_TRUE((*empty)->commit().has_value());
}

TEST_F(posix_backend_test, md5_check_without_md5_writer_is_a_caller_error) {
    auto writer = backend_->create_writer("n.txt");
    ASSERT_TRUE(writer.has_value());
    ASSERT_TRUE((*writer)->write(std::string_view("abc")).has_value());
    EXPECT_EQ((*writer)->md5_hex(), "");
    auto committed = (*writer)->commit({.expected_client_md5 = "900150983cd24fb0d6963f7d28e17f72"});
    EXPECT_EQ(committed.error(), errc::io_error);
    EXPECT_FALSE(fs::exists(root_ / "n.txt"));
    EXPECT_TRUE(temp_files_under(root_).empty());
}

TEST_F(posix_backend_test, content_type_round_trip) {
    auto committed =
        put_with("page.html", "<p>hi</p>", {.content_type = "text/html; charset=utf-8"});
    ASSERT_TRUE(committed.has_value());
    EXPECT_EQ(committed->info.content_type, "text/html; charset=utf-8");
    EXPECT_EQ(backend_->stat("page.html")->content_type, "text/html; charset=utf-8");
    auto reader = backend_->open_read("page.html");
    ASSERT_TRUE(reader.has_value());
    EXPECT_EQ((*reader)->info().content_type, "text/html; charset=utf-8");

    put("page.html", "replaced");
    EXPECT_EQ(backend_->stat("page.html")->content_type, "");
}

bool would_block(const result<std::unique_ptr<file_reader>>& opened) {
    return !opened && opened.error() == errc::would_block;
}

// overlayfs (a container's own file system) refuses RWF_NOWAIT reads with EOPNOTSUPP, so nothing
// there is ever served from the page cache on the calling thread.
bool nowait_reads_supported(const fs::path& file) {
    const int fd = ::open(file.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        return false;
    }
    char byte = 0;
    iovec vec{&byte, 1};
    const bool supported = ::preadv2(fd, &vec, 1, 0, RWF_NOWAIT) >= 0 || errno != EOPNOTSUPP;
    ::close(fd);
    return supported;
}

TEST_F(posix_backend_test, cached_open_serves_what_open_read_learnt) {
    ASSERT_TRUE(put_with("hot.txt", "hot bytes", {.content_type = "text/plain"}).has_value());
    // Nothing learnt yet about this version: the caller must go to the pool.
    EXPECT_TRUE(would_block(backend_->try_open_read_cached("hot.txt")));
    auto slow = backend_->open_read("hot.txt");
    ASSERT_TRUE(slow.has_value());

    auto fast = backend_->try_open_read_cached("hot.txt");
    ASSERT_TRUE(fast.has_value()) << fast.error().message();
    const auto& info = (*fast)->info();
    EXPECT_EQ(info.size, 9u);
    EXPECT_EQ(info.sha256_hex, (*slow)->info().sha256_hex);
    EXPECT_EQ(info.sha256_hex, openssl_sha256_hex("hot bytes"));
    EXPECT_EQ(info.content_type, "text/plain");
    EXPECT_EQ(info.modified, (*slow)->info().modified);
    EXPECT_EQ(read_all(**fast), "hot bytes");
    char buffer[16];
    auto n = (*fast)->try_read_cached_at(4, std::span<char>(buffer, sizeof buffer));
    if (!n && !nowait_reads_supported(root_ / "hot.txt")) {
        GTEST_SKIP() << "this file system refuses RWF_NOWAIT reads (overlayfs?)";
    }
    ASSERT_TRUE(n.has_value()) << n.error().message();
    EXPECT_EQ(std::string(buffer, *n), "bytes");
}

TEST_F(posix_backend_test, cached_open_never_serves_an_older_version) {
    put("v.txt", "version one");
    ASSERT_TRUE(backend_->open_read("v.txt").has_value());
    ASSERT_TRUE(backend_->try_open_read_cached("v.txt").has_value());

    put("v.txt", "version two");  // a new inode
    EXPECT_TRUE(would_block(backend_->try_open_read_cached("v.txt")));
    ASSERT_TRUE(backend_->open_read("v.txt").has_value());
    auto fast = backend_->try_open_read_cached("v.txt");
    ASSERT_TRUE(fast.has_value());
    EXPECT_EQ((*fast)->info().sha256_hex, openssl_sha256_hex("version two"));

    {  // changed in place by hand: same inode, new size and times
        std::ofstream out(root_ / "v.txt", std::ios::binary | std::ios::app);
        out << " and more";
    }
    EXPECT_TRUE(would_block(backend_->try_open_read_cached("v.txt")));
    auto slow = backend_->open_read("v.txt");
    ASSERT_TRUE(slow.has_value());
    auto again = backend_->try_open_read_cached("v.txt");
    ASSERT_TRUE(again.has_value());
    EXPECT_EQ((*again)->info().size, 20u);
    EXPECT_EQ((*again)->info().sha256_hex, (*slow)->info().sha256_hex);
    EXPECT_EQ(read_all(**again), "version two and more");
}

TEST_F(posix_backend_test, cached_open_leaves_every_failure_to_open_read) {
    put("dir/inside.txt", "x");
    fs::create_symlink(outside_ / "secret.txt", root_ / "out.txt");
    ASSERT_TRUE(backend_->stat("dir/inside.txt").has_value());
    for (const char* name : {"missing.txt", "dir", "out.txt", "../outside/secret.txt", "a//b"}) {
        EXPECT_TRUE(would_block(backend_->try_open_read_cached(name))) << name;
    }
}

TEST_F(posix_backend_test, unsafe_content_type_is_not_stored) {
    for (const std::string& bad : {std::string("text/plain\r\nX-Evil: 1"), std::string(256, 'a'),
                                   std::string("text/\x7f"), std::string("text/\xc3\xa9")}) {
        auto committed = put_with("unsafe.txt", "new", {.content_type = bad});
        ASSERT_TRUE(committed.has_value()) << committed.error().message();
        EXPECT_EQ(committed->info.content_type, "");
        EXPECT_EQ(backend_->stat("unsafe.txt")->content_type, "");
        EXPECT_EQ(get("unsafe.txt"), "new");
    }
    const std::string longest(255, 'a');
    auto committed = put_with("unsafe.txt", "new", {.content_type = longest});
    ASSERT_TRUE(committed.has_value());
    EXPECT_EQ(committed->info.content_type, longest);
    EXPECT_EQ(backend_->stat("unsafe.txt")->content_type, longest);
    auto tab = put_with("unsafe.txt", "new", {.content_type = "text/plain;\tcharset=utf-8"});
    ASSERT_TRUE(tab.has_value());
    EXPECT_EQ(backend_->stat("unsafe.txt")->content_type, "text/plain;\tcharset=utf-8");
}

TEST_F(posix_backend_test, hand_set_bad_content_type_xattr_is_ignored) {
    put("x.txt", "x");
    const std::string bad = "text/plain\nX: y";
    ASSERT_EQ(::setxattr((root_ / "x.txt").c_str(), "user.simplefs.content_type", bad.data(),
                         bad.size(), 0),
              0);
    EXPECT_EQ(backend_->stat("x.txt")->content_type, "");
}

TEST_F(posix_backend_test, remove_with_expected_sha256) {
    const file_info info = put("del.txt", "delete me");
    auto wrong = backend_->remove("del.txt", {.expected_sha256 = openssl_sha256_hex("other")});
    ASSERT_FALSE(wrong.has_value());
    EXPECT_EQ(wrong.error(), errc::precondition_failed);
    EXPECT_EQ(get("del.txt"), "delete me");

    ASSERT_TRUE(backend_->remove("del.txt", {.expected_sha256 = info.sha256_hex}).has_value());
    EXPECT_FALSE(fs::exists(root_ / "del.txt"));

    auto missing = backend_->remove("del.txt", {.expected_sha256 = info.sha256_hex});
    EXPECT_EQ(missing.error(), errc::precondition_failed);
    EXPECT_EQ(backend_->remove("del.txt").error(), errc::not_found);

    put("folder/inside", "x");
    EXPECT_EQ(backend_->remove("folder", {.expected_sha256 = info.sha256_hex}).error(),
              errc::is_directory);

    write_file(root_ / "manual.txt", "by hand");
    ASSERT_TRUE(
        backend_->remove("manual.txt", {.expected_sha256 = upper(openssl_sha256_hex("by hand"))})
            .has_value());
    EXPECT_FALSE(fs::exists(root_ / "manual.txt"));
}

TEST_F(posix_backend_test, without_xattrs_digests_come_from_the_cache) {
    auto opened = posix_backend::open(root_, posix_options{.fsync = false, .store_xattrs = false});
    ASSERT_TRUE(opened.has_value());
    posix_backend& plain = **opened;
    auto writer = plain.create_writer("noattr.txt");
    ASSERT_TRUE(writer.has_value());
    ASSERT_TRUE((*writer)->write(std::string_view("no xattrs here")).has_value());
    auto committed = (*writer)->commit({.content_type = "text/plain"});
    ASSERT_TRUE(committed.has_value()) << committed.error().message();
    EXPECT_EQ(committed->info.content_type, "");
    char buffer[128];
    EXPECT_LT(
        ::getxattr((root_ / "noattr.txt").c_str(), "user.simplefs.sha256", buffer, sizeof buffer),
        0);

    auto info = plain.stat("noattr.txt");
    ASSERT_TRUE(info.has_value());
    EXPECT_EQ(info->sha256_hex, openssl_sha256_hex("no xattrs here"));
    EXPECT_EQ(info->content_type, "");
    EXPECT_EQ(plain.digest_cache_stats().misses, 0u);
    EXPECT_EQ(plain.digest_cache_stats().hits, 1u);

    auto replaced = [&] {
        auto next = plain.create_writer("noattr.txt");
        EXPECT_TRUE(next.has_value());
        EXPECT_TRUE((*next)->write(std::string_view("second")).has_value());
        return (*next)->commit({.expected_sha256 = info->sha256_hex});
    }();
    ASSERT_TRUE(replaced.has_value()) << replaced.error().message();
    EXPECT_EQ(plain.stat("noattr.txt")->sha256_hex, openssl_sha256_hex("second"));
    EXPECT_EQ(plain.digest_cache_stats().misses, 0u);
}

TEST(digest_cache, evicts_least_recently_used) {
    digest_cache cache(2);
    const file_version a{1, 1, 0, 0, 0};
    const file_version b{1, 2, 0, 0, 0};
    const file_version c{1, 3, 0, 0, 0};
    cache.insert(a, "a");
    cache.insert(b, "b");
    EXPECT_EQ(cache.find(a), "a");  // b is now the least recently used
    cache.insert(c, "c");
    EXPECT_EQ(cache.find(b), std::nullopt);
    EXPECT_EQ(cache.find(a), "a");
    EXPECT_EQ(cache.find(c), "c");
    cache.insert(c, "c2");
    EXPECT_EQ(cache.find(c), "c2");
    const auto stats = cache.statistics();
    EXPECT_EQ(stats.entries, 2u);
    EXPECT_EQ(stats.hits, 4u);
    EXPECT_EQ(stats.misses, 1u);

    const file_version changed{1, 1, 0, 5, 0};
    EXPECT_EQ(cache.find(changed), std::nullopt);
    const file_version touched{1, 1, 0, 0, 5};
    EXPECT_EQ(cache.find(touched), std::nullopt);
}

TEST(digest_cache, zero_capacity_keeps_nothing) {
    digest_cache cache(0);
    cache.insert({1, 1, 0, 0, 0}, "a");
    EXPECT_EQ(cache.find({1, 1, 0, 0, 0}), std::nullopt);
    EXPECT_EQ(cache.statistics().entries, 0u);
}

TEST(digest_cache, bounded_under_many_inserts) {
    digest_cache cache(100);
    for (std::uint64_t i = 0; i < 10000; ++i) {
        cache.insert({1, i, 0, 0, 0}, std::to_string(i));
    }
    EXPECT_EQ(cache.statistics().entries, 100u);
    EXPECT_EQ(cache.find({1, 9999, 0, 0, 0}), "9999");
    EXPECT_EQ(cache.find({1, 9899, 0, 0, 0}), std::nullopt);
}

TEST(md5, known_vectors) {
    md5 hash;
    EXPECT_EQ(hash.finish(), "d41d8cd98f00b204e9800998ecf8427e");
    hash.update(std::string_view("message "));
    hash.update(std::string_view("digest"));
    EXPECT_EQ(hash.finish(), "f96b697d7cb7938d525a2f31aaf161d0");
}

}  // namespace
}  // namespace simplefs::storage
