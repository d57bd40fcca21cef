#include "storage/name.hpp"
#include "storage/posix/posix_backend.hpp"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <openssl/evp.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <random>
#include <set>
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

void write_file(const fs::path& path, std::string_view content) {
    fs::create_directories(path.parent_path());
    std::ofstream out(path, std::ios::binary);
    out << content;
}

/// Creates an empty file quickly (no stream).
void touch(const fs::path& path) {
    const int fd = ::open(path.c_str(), O_CREAT | O_WRONLY | O_CLOEXEC, 0644);
    ASSERT_GE(fd, 0) << path;
    ::close(fd);
}

std::vector<std::string> file_names(const list_page& page) {
    std::vector<std::string> names;
    for (const auto& entry : page.files) {
        names.push_back(entry.name);
    }
    return names;
}

/// Every name of the page, files and folders merged in byte order.
std::vector<std::string> all_names(const list_page& page) {
    std::vector<std::string> names = file_names(page);
    names.insert(names.end(), page.folders.begin(), page.folders.end());
    std::sort(names.begin(), names.end());
    return names;
}

using names = std::vector<std::string>;

class posix_listing_test : public testing::Test {
protected:
    void SetUp() override {
        std::string pattern = (fs::temp_directory_path() / "simplefs-list-XXXXXX").string();
        ASSERT_NE(::mkdtemp(pattern.data()), nullptr);
        base_ = pattern;
        root_ = base_ / "root";
        outside_ = base_ / "outside";
        fs::create_directories(outside_ / "dir");
        write_file(outside_ / "secret.txt", "outside file");
        auto opened = posix_backend::open(root_, {.fsync = false});
        ASSERT_TRUE(opened.has_value()) << opened.error().message();
        backend_ = std::move(*opened);
    }

    void TearDown() override {
        backend_.reset();
        std::error_code ec;
        fs::remove_all(base_, ec);
    }

    void put(std::string_view name, std::string_view content, const commit_options& opts = {}) {
        auto writer = backend_->create_writer(name);
        ASSERT_TRUE(writer.has_value()) << name << ": " << writer.error().message();
        ASSERT_TRUE((*writer)->write(content).has_value());
        auto committed = (*writer)->commit(opts);
        ASSERT_TRUE(committed.has_value()) << committed.error().message();
    }

    list_page list_ok(std::string_view folder, const list_options& opts) {
        auto page = backend_->list(folder, opts);
        EXPECT_TRUE(page.has_value()) << folder << ": " << page.error().message();
        return page ? std::move(*page) : list_page{};
    }

    /// Pages through folder with opts, checking order and cursor semantics; all names seen.
    std::vector<std::string> page_through(std::string_view folder, list_options opts,
                                          std::size_t* pages = nullptr) {
        std::vector<std::string> seen;
        std::size_t count = 0;
        for (;;) {
            const list_page page = list_ok(folder, opts);
            ++count;
            const std::vector<std::string> page_names = all_names(page);
            EXPECT_LE(page_names.size(), std::max<std::size_t>(opts.limit, 1));
            const std::vector<std::string> files = file_names(page);
            EXPECT_TRUE(std::is_sorted(files.begin(), files.end()));
            EXPECT_TRUE(std::is_sorted(page.folders.begin(), page.folders.end()));
            if (!page_names.empty()) {
                EXPECT_GT(page_names.front(), opts.after);
                if (!seen.empty()) {
                    EXPECT_GT(page_names.front(), seen.back());
                }
            }
            seen.insert(seen.end(), page_names.begin(), page_names.end());
            if (!page.next_after) {
                break;
            }
            EXPECT_EQ(page_names.size(), opts.limit);
            EXPECT_EQ(*page.next_after, page_names.back());
            opts.after = *page.next_after;
            if (count > 1'000'000) {
                ADD_FAILURE() << "paging does not end";
                break;
            }
        }
        if (pages != nullptr) {
            *pages = count;
        }
        return seen;
    }

    fs::path base_;
    fs::path root_;
    fs::path outside_;
    std::unique_ptr<posix_backend> backend_;
};

TEST_F(posix_listing_test, files_and_folders_sorted_with_metadata) {
    put("b.txt", "bee", {.content_type = "text/plain"});
    put("a.txt", "ay");
    put("dir2/x", "x");
    put("dir1/y", "y");
    write_file(root_ / "Z-by-hand", "hand");
    write_file(root_ / "\xc3\xa9t\xc3\xa9", "utf-8 name");
    fs::create_directories(root_ / "empty-folder");

    const list_page page = list_ok("", {});
    EXPECT_EQ(file_names(page), (names{"Z-by-hand", "a.txt", "b.txt", "\xc3\xa9t\xc3\xa9"}));
    EXPECT_EQ(page.folders, (names{"dir1", "dir2", "empty-folder"}));
    EXPECT_FALSE(page.next_after.has_value());

    ASSERT_EQ(page.files.size(), 4u);
    const file_info& hand = page.files[0].info;
    EXPECT_EQ(hand.size, 4u);
    EXPECT_EQ(hand.sha256_hex, openssl_sha256_hex("hand"));
    EXPECT_EQ(hand.content_type, "");
    EXPECT_FALSE(hand.is_folder);
    const file_info& bee = page.files[2].info;
    EXPECT_EQ(bee.size, 3u);
    EXPECT_EQ(bee.sha256_hex, openssl_sha256_hex("bee"));
    EXPECT_EQ(bee.content_type, "text/plain");
    EXPECT_EQ(bee.modified, backend_->stat("b.txt")->modified);
}

TEST_F(posix_listing_test, nested_folder_names_have_no_prefix) {
    put("docs/2024/report.pdf", "pdf");
    put("docs/readme.md", "md");
    const list_page docs = list_ok("docs", {});
    EXPECT_EQ(file_names(docs), (names{"readme.md"}));
    EXPECT_EQ(docs.folders, (names{"2024"}));
    const list_page year = list_ok("docs/2024", {});
    EXPECT_EQ(file_names(year), (names{"report.pdf"}));
    EXPECT_TRUE(year.folders.empty());
}

TEST_F(posix_listing_test, prefix_filters_files_and_folders) {
    put("log-1", "1");
    put("log-2", "2");
    put("logs/inner", "3");
    put("other", "4");
    put("lo", "5");
    const list_page log = list_ok("", {.prefix = "log"});
    EXPECT_EQ(file_names(log), (names{"log-1", "log-2"}));
    EXPECT_EQ(log.folders, (names{"logs"}));
    const list_page dash = list_ok("", {.prefix = "log-"});
    EXPECT_EQ(file_names(dash), (names{"log-1", "log-2"}));
    EXPECT_TRUE(dash.folders.empty());
    const list_page none = list_ok("", {.prefix = "zzz"});
    EXPECT_TRUE(none.files.empty());
    EXPECT_TRUE(none.folders.empty());
    EXPECT_FALSE(none.next_after.has_value());

    const list_page paged = list_ok("", {.prefix = "log", .limit = 2});
    EXPECT_EQ(all_names(paged), (names{"log-1", "log-2"}));
    ASSERT_TRUE(paged.next_after.has_value());
    const list_page rest = list_ok("", {.prefix = "log", .limit = 2, .after = *paged.next_after});
    EXPECT_EQ(all_names(rest), (names{"logs"}));
    EXPECT_FALSE(rest.next_after.has_value());
}

TEST_F(posix_listing_test, temp_files_and_odd_entries_are_hidden) {
    put("visible.txt", "v");
    auto live = backend_->create_writer("in-progress.txt");
    ASSERT_TRUE(live.has_value());
    write_file(root_ / ".simplefs.tmp.0123456789abcdef", "stale temp");
    fs::create_directories(root_ / ".simplefs.tmp.folder");
    ASSERT_EQ(::mkfifo((root_ / "pipe").c_str(), 0600), 0);
    write_file(root_ / "back\\slash", "unusable name");
    write_file(root_ / "new\nline", "unusable name");
    fs::create_symlink(outside_ / "secret.txt", root_ / "abs_out");
    fs::create_symlink("../outside/secret.txt", root_ / "rel_out");
    fs::create_directory_symlink("../outside/dir", root_ / "dir_out");
    fs::create_symlink("missing", root_ / "dangling");
    fs::create_symlink("pipe", root_ / "to_pipe");
    fs::create_symlink("visible.txt", root_ / "file_link");
    put("real/inside", "i");
    fs::create_directory_symlink("real", root_ / "dir_link");

    const list_page page = list_ok("", {});
    EXPECT_EQ(file_names(page), (names{"file_link", "visible.txt"}));
    EXPECT_EQ(page.folders, (names{"dir_link", "real"}));
    ASSERT_EQ(page.files.size(), 2u);
    EXPECT_EQ(page.files[0].info.sha256_hex, openssl_sha256_hex("v"));
    EXPECT_EQ(page.files[0].info.size, 1u);

    const list_page through_link = list_ok("dir_link", {});
    EXPECT_EQ(file_names(through_link), (names{"inside"}));
}

TEST_F(posix_listing_test, paging_through_2500_entries) {
    std::set<std::string> expected;
    std::set<std::string> folders;
    std::vector<int> order(2500);
    for (int i = 0; i < 2500; ++i) {
        order[i] = i;
    }
    std::shuffle(order.begin(), order.end(), std::mt19937(42));
    for (const int i : order) {
        char name[16];
        std::snprintf(name, sizeof name, "e%05d", i * 7919 % 100000);
        if (i % 5 == 0) {
            fs::create_directory(root_ / name);
            folders.insert(name);
        } else {
            touch(root_ / name);
        }
        expected.insert(name);
    }
    ASSERT_EQ(expected.size(), 2500u);
    write_file(root_ / ".simplefs.tmp.hidden", "");

    std::size_t pages = 0;
    const std::vector<std::string> seen = page_through("", {.limit = 1000}, &pages);
    EXPECT_EQ(pages, 3u);
    EXPECT_EQ(seen.size(), 2500u);
    EXPECT_EQ(std::set<std::string>(seen.begin(), seen.end()), expected);
    EXPECT_TRUE(std::is_sorted(seen.begin(), seen.end()));
    EXPECT_EQ(std::adjacent_find(seen.begin(), seen.end()), seen.end());

    const list_page first = list_ok("", {.limit = 1000});
    EXPECT_EQ(first.files.size() + first.folders.size(), 1000u);
    ASSERT_TRUE(first.next_after.has_value());
    EXPECT_EQ(*first.next_after, *std::next(expected.begin(), 999));
    std::vector<std::string> first_folders;
    std::copy_if(expected.begin(), std::next(expected.begin(), 1000),
                 std::back_inserter(first_folders),
                 [&](const std::string& name) { return folders.count(name) != 0; });
    EXPECT_EQ(first.folders, first_folders);
    EXPECT_FALSE(first_folders.empty());

    // A cursor that is not an entry name works too.
    const list_page from_middle = list_ok("", {.limit = 3, .after = "e5"});
    const std::vector<std::string> middle_names = all_names(from_middle);
    const auto after_e5 = expected.upper_bound("e5");
    EXPECT_EQ(middle_names, (names{*after_e5, *std::next(after_e5), *std::next(after_e5, 2)}));
}

TEST_F(posix_listing_test, next_after_unset_when_page_ends_exactly) {
    for (int i = 0; i < 10; ++i) {
        touch(root_ / ("f" + std::to_string(i)));
    }
    const list_page all = list_ok("", {.limit = 10});
    EXPECT_EQ(all.files.size(), 10u);
    EXPECT_FALSE(all.next_after.has_value());
    const list_page nine = list_ok("", {.limit = 9});
    ASSERT_TRUE(nine.next_after.has_value());
    EXPECT_EQ(*nine.next_after, "f8");
    const list_page last = list_ok("", {.limit = 9, .after = "f8"});
    EXPECT_EQ(file_names(last), (names{"f9"}));
    EXPECT_FALSE(last.next_after.has_value());
    const list_page beyond = list_ok("", {.after = "f9"});
    EXPECT_TRUE(beyond.files.empty());
    EXPECT_FALSE(beyond.next_after.has_value());
    const list_page zero = list_ok("", {.limit = 0});
    EXPECT_EQ(file_names(zero), (names{"f0"}));
    EXPECT_EQ(zero.next_after, "f0");
}

TEST_F(posix_listing_test, empty_and_missing_folders) {
    const list_page empty_root = list_ok("", {});
    EXPECT_TRUE(empty_root.files.empty());
    EXPECT_TRUE(empty_root.folders.empty());
    EXPECT_FALSE(empty_root.next_after.has_value());

    put("file.txt", "f");
    fs::create_directory_symlink("../outside/dir", root_ / "escape");
    EXPECT_EQ(backend_->list("missing", {}).error(), errc::not_found);
    EXPECT_EQ(backend_->list("missing/deeper", {}).error(), errc::not_found);
    EXPECT_EQ(backend_->list("file.txt", {}).error(), errc::not_found);
    EXPECT_EQ(backend_->list("file.txt/below", {}).error(), errc::not_found);
    EXPECT_EQ(backend_->list("escape", {}).error(), errc::escapes_root);
    for (const std::string_view bad : {"../outside", "a/", "/", "/etc", ".", "a//b"}) {
        EXPECT_EQ(backend_->list(bad, {}).error(), errc::invalid_name) << bad;
    }
}

TEST_F(posix_listing_test, hundred_thousand_files_page_by_page) {
    constexpr int total = 100'000;
    // Hard links to a few empty files: what a listing reads is directory entries, and allocating
    // 100,000 fresh inodes on ext4 right after a run freed as many can take half a minute.
    // (ext4 allows 65,000 links per inode.)
    constexpr int seeds = 4;
    fs::create_directories(root_ / "big");
    for (int i = 0; i < seeds; ++i) {
        touch(base_ / ("seed" + std::to_string(i)));
    }
    for (int i = 0; i < total; ++i) {
        char name[16];
        std::snprintf(name, sizeof name, "f%06d", (i * 7919) % total);
        const fs::path seed = base_ / ("seed" + std::to_string(i % seeds));
        ASSERT_EQ(::link(seed.c_str(), (root_ / "big" / name).c_str()), 0) << name;
    }
    const auto start = std::chrono::steady_clock::now();
    std::size_t pages = 0;
    const std::vector<std::string> seen = page_through("big", {.limit = 1000}, &pages);
    const auto elapsed = std::chrono::steady_clock::now() - start;
    EXPECT_EQ(pages, 100u);
    ASSERT_EQ(seen.size(), static_cast<std::size_t>(total));
    for (int i = 0; i < total; i += 997) {
        char name[16];
        std::snprintf(name, sizeof name, "f%06d", i);
        EXPECT_EQ(seen[static_cast<std::size_t>(i)], name);
    }
    EXPECT_EQ(std::adjacent_find(seen.begin(), seen.end()), seen.end());
    EXPECT_LE(backend_->digest_cache_stats().entries, 10'000u);
    std::printf("listed %d files in %zu pages in %lld ms\n", total, pages,
                static_cast<long long>(
                    std::chrono::duration_cast<std::chrono::milliseconds>(elapsed).count()));
}

}  // namespace
}  // namespace simplefs::storage
