// Tests of cephfs_backend against a running cluster. They read SIMPLEFS_CEPH_CONF,
// SIMPLEFS_CEPH_ID, SIMPLEFS_CEPH_KEYRING and SIMPLEFS_CEPH_FS and skip when SIMPLEFS_CEPH_CONF
// is unset. Each test works in a fresh random directory /simplefs-test/<hex> of the file system
// and removes it afterwards. A second, raw libcephfs client (mounted at "/") inspects and
// manipulates the tree as another process would.
#include "storage/cephfs/cephfs_backend.hpp"

#include "storage/hasher.hpp"
#include "storage/name.hpp"

#include <cephfs/libcephfs.h>
#include <dirent.h>
#include <fcntl.h>
#include <gtest/gtest.h>
#include <openssl/evp.h>
#include <sys/file.h>
#include <sys/random.h>
#include <sys/stat.h>

#include <algorithm>
#include <array>
#include <atomic>
#include <cctype>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <future>
#include <optional>
#include <random>
#include <set>
#include <string>
#include <thread>
#include <vector>

namespace simplefs::storage {
namespace {

std::string env(const char* name) {
    const char* value = std::getenv(name);
    return value != nullptr ? std::string(value) : std::string();
}

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

std::string random_hex() {
    std::random_device device;
    char buffer[17];
    std::snprintf(buffer, sizeof buffer, "%08x%08x", device(), device());
    return buffer;
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

using names = std::vector<std::string>;
using namespace std::chrono_literals;

/// Polls pred every 50 ms until it holds (true) or timeout has passed (false).
template <class Pred>
bool wait_until(std::chrono::milliseconds timeout, Pred pred) {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    while (!pred()) {
        if (std::chrono::steady_clock::now() >= deadline) {
            return false;
        }
        std::this_thread::sleep_for(50ms);
    }
    return true;
}

long long ms_since(std::chrono::steady_clock::time_point start) {
    return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() -
                                                                 start)
        .count();
}

std::vector<std::string> file_names(const list_page& page) {
    std::vector<std::string> result;
    for (const auto& entry : page.files) {
        result.push_back(entry.name);
    }
    return result;
}

std::vector<std::string> all_names(const list_page& page) {
    std::vector<std::string> result = file_names(page);
    result.insert(result.end(), page.folders.begin(), page.folders.end());
    std::sort(result.begin(), result.end());
    return result;
}

cephfs_options options_from_env(std::string root) {
    cephfs_options opts;
    opts.conf_path = env("SIMPLEFS_CEPH_CONF");
    opts.client_id = env("SIMPLEFS_CEPH_ID");
    opts.keyring = env("SIMPLEFS_CEPH_KEYRING");
    opts.fs_name = env("SIMPLEFS_CEPH_FS");
    opts.root = std::move(root);
    return opts;
}

/// Evicts a client session as an operator would: `ceph tell mds.<fs>:0 client evict id=<id>`,
/// with the cluster's conf (whose [client] keyring finds the admin key). The MDS also
/// blocklists the evicted client.
bool evict_session(const cephfs_options& opts, std::uint64_t id) {
    const std::string fs = opts.fs_name.empty() ? "cephfs" : opts.fs_name;
    const std::string command = "timeout 60 ceph --conf '" + opts.conf_path + "' tell mds." + fs +
                                ":0 client evict id=" + std::to_string(id) + " >/dev/null 2>&1";
    return std::system(command.c_str()) == 0;
}

/// A plain libcephfs client mounted at the file system's root: "another process".
class raw_client {
public:
    explicit raw_client(const cephfs_options& opts) {
        ok_ =
            ::ceph_create(&cm_, opts.client_id.empty() ? nullptr : opts.client_id.c_str()) == 0 &&
            ::ceph_conf_read_file(cm_, opts.conf_path.c_str()) == 0 &&
            (opts.keyring.empty() || ::ceph_conf_set(cm_, "keyring", opts.keyring.c_str()) == 0) &&
            (opts.fs_name.empty() || ::ceph_select_filesystem(cm_, opts.fs_name.c_str()) == 0) &&
            ::ceph_mount(cm_, "/") == 0;
    }
    ~raw_client() {
        if (cm_ != nullptr) {
            ::ceph_shutdown(cm_);
        }
    }
    raw_client(const raw_client&) = delete;
    raw_client& operator=(const raw_client&) = delete;

    bool ok() const { return ok_; }
    ceph_mount_info* get() const { return cm_; }

    int write_file(const std::string& path, std::string_view content) {
        const int fd = ::ceph_open(cm_, path.c_str(), O_CREAT | O_TRUNC | O_WRONLY, 0644);
        if (fd < 0) {
            return fd;
        }
        // A zero-length ceph_write trips ceph_assert(len > 0) in libcephfs 16.2: never issue one.
        const int n = content.empty() ? 0
                                      : ::ceph_write(cm_, fd, content.data(),
                                                     static_cast<std::int64_t>(content.size()), 0);
        ::ceph_close(cm_, fd);
        return n < 0 ? n : 0;
    }

    std::optional<std::string> read_file(const std::string& path) {
        const int fd = ::ceph_open(cm_, path.c_str(), O_RDONLY | O_NOFOLLOW, 0);
        if (fd < 0) {
            return std::nullopt;
        }
        std::string content;
        char buffer[65536];
        for (;;) {
            const int n = ::ceph_read(cm_, fd, buffer, sizeof buffer,
                                      static_cast<std::int64_t>(content.size()));
            if (n <= 0) {
                break;
            }
            content.append(buffer, static_cast<std::size_t>(n));
        }
        ::ceph_close(cm_, fd);
        return content;
    }

    /// 'f' file, 'd' directory, 'l' link, 0 missing.
    char kind(const std::string& path) {
        struct ceph_statx st {};
        if (::ceph_statx(cm_, path.c_str(), &st, CEPH_STATX_MODE, AT_SYMLINK_NOFOLLOW) != 0) {
            return 0;
        }
        return S_ISREG(st.stx_mode)   ? 'f'
               : S_ISDIR(st.stx_mode) ? 'd'
               : S_ISLNK(st.stx_mode) ? 'l'
                                      : '?';
    }

    std::vector<std::string> entries(const std::string& path) {
        std::vector<std::string> found;
        ceph_dir_result* dir = nullptr;
        if (::ceph_opendir(cm_, path.c_str(), &dir) != 0) {
            return found;
        }
        struct dirent entry {};
        while (::ceph_readdir_r(cm_, dir, &entry) == 1) {
            const std::string name(entry.d_name);
            if (name != "." && name != "..") {
                found.push_back(name);
            }
        }
        ::ceph_closedir(cm_, dir);
        return found;
    }

    /// Paths (from `path`) of temp files anywhere below path.
    std::vector<std::string> temp_files_under(const std::string& path,
                                              const std::string& rel = "") {
        std::vector<std::string> found;
        for (const std::string& name : entries(path)) {
            const std::string child = path + "/" + name;
            const std::string child_rel = rel.empty() ? name : rel + "/" + name;
            if (kind(child) == 'd') {
                auto deeper = temp_files_under(child, child_rel);
                found.insert(found.end(), deeper.begin(), deeper.end());
            } else if (name.starts_with(temp_prefix)) {
                found.push_back(child_rel);
            }
        }
        return found;
    }

    void remove_tree(const std::string& path) {
        if (kind(path) == 'd') {
            for (const std::string& name : entries(path)) {
                remove_tree(path + "/" + name);
            }
            ::ceph_rmdir(cm_, path.c_str());
        } else {
            ::ceph_unlink(cm_, path.c_str());
        }
    }

private:
    ceph_mount_info* cm_ = nullptr;
    bool ok_ = false;
};

class cephfs_backend_test : public testing::Test {
protected:
    void SetUp() override {
        if (env("SIMPLEFS_CEPH_CONF").empty()) {
            GTEST_SKIP() << "SIMPLEFS_CEPH_CONF is not set: no Ceph cluster to test against "
                            "(set SIMPLEFS_CEPH_CONF, SIMPLEFS_CEPH_ID, SIMPLEFS_CEPH_KEYRING, "
                            "SIMPLEFS_CEPH_FS)";
        }
        root_ = "/simplefs-test/" + random_hex();
        opts_ = options_from_env(root_);
        auto opened = cephfs_backend::open(opts_);
        ASSERT_TRUE(opened.has_value()) << opened.error().message();
        backend_ = std::move(*opened);
        raw_ = std::make_unique<raw_client>(opts_);
        ASSERT_TRUE(raw_->ok());
        ASSERT_EQ(raw_->kind(root_), 'd');
    }

    void TearDown() override {
        backend_.reset();
        if (raw_ && raw_->ok()) {
            raw_->remove_tree(root_);
        }
        raw_.reset();
    }

    std::string at(std::string_view name) const { return root_ + "/" + std::string(name); }

    std::vector<std::string> temps() { return raw_->temp_files_under(root_); }

    file_info put(std::string_view name, std::string_view content,
                  cephfs_backend* target = nullptr) {
        auto writer = (target != nullptr ? target : backend_.get())->create_writer(name);
        EXPECT_TRUE(writer.has_value()) << name << ": " << writer.error().message();
        if (!writer) {
            return {};
        }
        EXPECT_TRUE((*writer)->write(content).has_value());
        auto committed = (*writer)->commit();
        EXPECT_TRUE(committed.has_value()) << committed.error().message();
        return committed ? committed->info : file_info{};
    }

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

    list_page list_ok(std::string_view folder, const list_options& opts) {
        auto page = backend_->list(folder, opts);
        EXPECT_TRUE(page.has_value()) << page.error().message();
        return page ? std::move(*page) : list_page{};
    }

    std::string root_;
    cephfs_options opts_;
    std::unique_ptr<cephfs_backend> backend_;
    std::unique_ptr<raw_client> raw_;
};

TEST_F(cephfs_backend_test, write_commit_and_read_back) {
    std::string content;
    for (int i = 0; i < 300000; ++i) {
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

    EXPECT_EQ(raw_->read_file(at("data.bin")), content);
    EXPECT_EQ(get("data.bin"), content);
    auto info = backend_->stat("data.bin");
    ASSERT_TRUE(info.has_value());
    EXPECT_EQ(info->size, content.size());
    EXPECT_EQ(info->sha256_hex, committed->info.sha256_hex);
    EXPECT_EQ(info->modified, committed->info.modified);

    auto reader = backend_->open_read("data.bin");
    ASSERT_TRUE(reader.has_value());
    EXPECT_EQ((*reader)->info().sha256_hex, committed->info.sha256_hex);
    EXPECT_EQ((*reader)->native_handle(), -1);
    char xattr[80] = {};
    EXPECT_EQ(::ceph_getxattr(raw_->get(), at("data.bin").c_str(), "user.simplefs.sha256", xattr,
                              sizeof xattr),
              64);
    EXPECT_EQ(std::string(xattr), committed->info.sha256_hex);
}

TEST_F(cephfs_backend_test, sha256_vectors_empty_file_and_read_at_offsets) {
    const file_info info = put("abc.txt", "abc");
    EXPECT_EQ(info.sha256_hex, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
    EXPECT_EQ(backend_->stat("abc.txt")->sha256_hex, info.sha256_hex);
    const file_info empty = put("empty.txt", "");
    EXPECT_EQ(empty.size, 0u);
    EXPECT_EQ(empty.sha256_hex, "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
    EXPECT_EQ(get("empty.txt"), "");

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

TEST_F(cephfs_backend_test, file_placed_by_hand_gets_sha256_computed_once) {
    ASSERT_EQ(raw_->write_file(at("manual.txt"), "by hand"), 0);
    auto info = backend_->stat("manual.txt");
    ASSERT_TRUE(info.has_value()) << info.error().message();
    EXPECT_EQ(info->size, 7u);
    EXPECT_EQ(info->sha256_hex, openssl_sha256_hex("by hand"));
    EXPECT_EQ(backend_->digest_cache_stats().misses, 1u);
    EXPECT_EQ(get("manual.txt"), "by hand");
    EXPECT_EQ(backend_->digest_cache_stats().misses, 1u);
    EXPECT_EQ(backend_->digest_cache_stats().hits, 1u);
    ASSERT_EQ(raw_->write_file(at("manual.txt"), "changed by hand"), 0);
    EXPECT_EQ(backend_->stat("manual.txt")->sha256_hex, openssl_sha256_hex("changed by hand"));
}

TEST_F(cephfs_backend_test, reader_opened_before_replace_sees_old_bytes) {
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

TEST_F(cephfs_backend_test, temp_file_lives_beside_target_until_commit) {
    auto writer = backend_->create_writer("sub/dir/f.txt");
    ASSERT_TRUE(writer.has_value());
    ASSERT_TRUE((*writer)->write(std::string_view("hello")).has_value());
    const auto found = temps();
    ASSERT_EQ(found.size(), 1u);
    EXPECT_TRUE(found[0].starts_with("sub/dir/" + std::string(temp_prefix)));
    EXPECT_EQ(found[0].size(), 8 + temp_prefix.size() + 16);
    EXPECT_EQ(raw_->kind(at("sub/dir/f.txt")), 0);
    EXPECT_EQ(backend_->stat("sub/dir/f.txt").error(), errc::not_found);
    ASSERT_TRUE((*writer)->commit().has_value());
    EXPECT_TRUE(temps().empty());
    EXPECT_EQ(raw_->read_file(at("sub/dir/f.txt")), "hello");
}

TEST_F(cephfs_backend_test, abort_and_destruction_remove_temp_file) {
    put("keep.txt", "keep");
    auto writer = backend_->create_writer("keep.txt");
    ASSERT_TRUE(writer.has_value());
    ASSERT_TRUE((*writer)->write(std::string_view("replacement")).has_value());
    EXPECT_EQ(temps().size(), 1u);
    (*writer)->abort();
    EXPECT_TRUE(temps().empty());
    (*writer)->abort();
    EXPECT_FALSE((*writer)->write(std::string_view("x")).has_value());
    EXPECT_FALSE((*writer)->commit().has_value());
    EXPECT_EQ(get("keep.txt"), "keep");
    {
        auto dropped = backend_->create_writer("a/b/never.txt");
        ASSERT_TRUE(dropped.has_value());
        ASSERT_TRUE((*dropped)->write(std::string_view("data")).has_value());
        EXPECT_EQ(temps().size(), 1u);
    }
    EXPECT_TRUE(temps().empty());
    EXPECT_EQ(raw_->kind(at("a/b/never.txt")), 0);
}

TEST_F(cephfs_backend_test, calls_after_commit_fail) {
    auto writer = backend_->create_writer("once.txt");
    ASSERT_TRUE(writer.has_value());
    ASSERT_TRUE((*writer)->commit().has_value());
    EXPECT_EQ((*writer)->write(std::string_view("x")).error(), errc::io_error);
    EXPECT_EQ((*writer)->commit().error(), errc::io_error);
    (*writer)->abort();
    EXPECT_EQ(raw_->kind(at("once.txt")), 'f');
}

TEST_F(cephfs_backend_test, nested_names_and_parent_that_is_a_file) {
    put("x/y/z/deep.txt", "deep");
    EXPECT_EQ(raw_->kind(at("x/y/z")), 'd');
    EXPECT_EQ(get("x/y/z/deep.txt"), "deep");
    put("x/y/other.txt", "other");
    EXPECT_EQ(get("x/y/other.txt"), "other");

    put("file", "x");
    auto writer = backend_->create_writer("file/child");
    ASSERT_FALSE(writer.has_value());
    EXPECT_EQ(writer.error(), errc::not_found);
    EXPECT_EQ(backend_->stat("file/child").error(), errc::not_found);
    EXPECT_EQ(backend_->remove("file/child").error(), errc::not_found);
    EXPECT_TRUE(temps().empty());
}

TEST_F(cephfs_backend_test, remove_cleans_empty_folders_only) {
    put("a/b/c/f1", "1");
    put("a/g", "2");
    ASSERT_TRUE(backend_->remove("a/b/c/f1").has_value());
    EXPECT_EQ(raw_->kind(at("a/b")), 0);
    EXPECT_EQ(raw_->kind(at("a/g")), 'f');
    ASSERT_TRUE(backend_->remove("a/g").has_value());
    EXPECT_EQ(raw_->kind(at("a")), 0);
    EXPECT_EQ(raw_->kind(root_), 'd');
    EXPECT_EQ(backend_->remove("a/g").error(), errc::not_found);
    EXPECT_EQ(backend_->stat("a/g").error(), errc::not_found);

    put("p/q/one", "1");
    put("p/q/two", "2");
    ASSERT_TRUE(backend_->remove("p/q/one").has_value());
    EXPECT_EQ(raw_->kind(at("p/q/two")), 'f');
}

TEST_F(cephfs_backend_test, folders_are_reported_and_never_replaced) {
    put("folder/file", "x");
    EXPECT_EQ(backend_->stat("folder").error(), errc::is_directory);
    EXPECT_EQ(backend_->open_read("folder").error(), errc::is_directory);
    EXPECT_EQ(backend_->remove("folder").error(), errc::is_directory);
    EXPECT_EQ(backend_->create_writer("folder").error(), errc::is_directory);
    EXPECT_EQ(raw_->kind(at("folder/file")), 'f');

    // A folder appearing under the name before commit: empty (EISDIR) and not empty
    // (CephFS says ENOTEMPTY).
    for (const bool non_empty : {false, true}) {
        const std::string name = non_empty ? "late2" : "late1";
        auto writer = backend_->create_writer(name);
        ASSERT_TRUE(writer.has_value());
        ASSERT_TRUE((*writer)->write(std::string_view("data")).has_value());
        ASSERT_EQ(::ceph_mkdir(raw_->get(), at(name).c_str(), 0755), 0);
        if (non_empty) {
            ASSERT_EQ(::ceph_mkdir(raw_->get(), at(name + "/inner").c_str(), 0755), 0);
        }
        auto committed = (*writer)->commit();
        ASSERT_FALSE(committed.has_value());
        EXPECT_EQ(committed.error(), errc::is_directory) << name;
        EXPECT_EQ(raw_->kind(at(name)), 'd');
    }
    EXPECT_TRUE(temps().empty());
}

TEST_F(cephfs_backend_test, invalid_names_are_rejected) {
    for (const std::string_view name :
         {"../x", "/etc/passwd", "a/../../x", "", "a//b", "a/", ".simplefs.tmp.0123456789abcdef"}) {
        EXPECT_EQ(backend_->stat(name).error(), errc::invalid_name) << name;
        EXPECT_EQ(backend_->open_read(name).error(), errc::invalid_name) << name;
        EXPECT_EQ(backend_->create_writer(name).error(), errc::invalid_name) << name;
        EXPECT_EQ(backend_->remove(name).error(), errc::invalid_name) << name;
    }
    EXPECT_TRUE(raw_->entries(root_).empty());
}

TEST_F(cephfs_backend_test, symlinks_are_never_followed) {
    put("real.txt", "real");
    put("dir/inside.txt", "inside");
    ASSERT_EQ(raw_->write_file("/simplefs-test/outside-" + root_.substr(15), "outside"), 0);
    ASSERT_EQ(::ceph_symlink(raw_->get(), "real.txt", at("link.txt").c_str()), 0);
    ASSERT_EQ(::ceph_symlink(raw_->get(), "../../", at("up").c_str()), 0);
    ASSERT_EQ(::ceph_symlink(raw_->get(), "dir", at("dirlink").c_str()), 0);
    EXPECT_EQ(backend_->stat("link.txt").error(), errc::escapes_root);
    EXPECT_EQ(backend_->open_read("link.txt").error(), errc::escapes_root);
    EXPECT_EQ(backend_->stat("up/outside-" + root_.substr(15)).error(), errc::escapes_root);
    EXPECT_EQ(backend_->stat("dirlink/inside.txt").error(), errc::escapes_root);
    EXPECT_EQ(backend_->create_writer("dirlink/new.txt").error(), errc::escapes_root);
    EXPECT_EQ(backend_->list("dirlink", {}).error(), errc::escapes_root);
    EXPECT_EQ(backend_->list("up", {}).error(), errc::escapes_root);
    EXPECT_EQ(all_names(list_ok("", {})), (names{"dir", "real.txt"}));

    auto wrong = put_with("link.txt", "new", {.expected_sha256 = openssl_sha256_hex("real")});
    EXPECT_EQ(wrong.error(), errc::precondition_failed);
    auto replaced = put_with("link.txt", "new", {});
    ASSERT_TRUE(replaced.has_value()) << replaced.error().message();
    EXPECT_TRUE(replaced->replaced);
    EXPECT_EQ(raw_->kind(at("link.txt")), 'f');
    EXPECT_EQ(get("link.txt"), "new");
    EXPECT_EQ(get("real.txt"), "real");
    ASSERT_TRUE(backend_->remove("up").has_value());
    EXPECT_EQ(raw_->kind("/simplefs-test/outside-" + root_.substr(15)), 'f');
    raw_->remove_tree("/simplefs-test/outside-" + root_.substr(15));
}

TEST_F(cephfs_backend_test, replaced_flag_and_create_only) {
    auto first = put_with("r.txt", "1", {});
    ASSERT_TRUE(first.has_value());
    EXPECT_FALSE(first->replaced);
    auto second = put_with("r.txt", "2", {});
    ASSERT_TRUE(second.has_value());
    EXPECT_TRUE(second->replaced);

    auto taken = put_with("r.txt", "3", {.create_only = true});
    ASSERT_FALSE(taken.has_value());
    EXPECT_EQ(taken.error(), errc::already_exists);
    EXPECT_EQ(get("r.txt"), "2");
    auto fresh = put_with("sub/fresh.txt", "new", {.create_only = true});
    ASSERT_TRUE(fresh.has_value()) << fresh.error().message();
    EXPECT_FALSE(fresh->replaced);
    EXPECT_EQ(get("sub/fresh.txt"), "new");
    EXPECT_EQ(backend_->stat("sub/fresh.txt")->sha256_hex, openssl_sha256_hex("new"));
    EXPECT_TRUE(temps().empty());
}

/// Commits one writer per backend (same or separate mounts) at once with create_only; checks
/// that exactly one wins.
void create_only_race(cephfs_backend_test* test, std::vector<cephfs_backend*> backends,
                      int rounds) {
    for (int round = 0; round < rounds; ++round) {
        const std::string name = "race/new-" + std::to_string(round);
        std::vector<std::unique_ptr<file_writer>> writers;
        for (std::size_t i = 0; i < backends.size(); ++i) {
            auto writer = backends[i]->create_writer(name);
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
        for (cephfs_backend* backend : backends) {
            auto reader = backend->open_read(name);
            ASSERT_TRUE(reader.has_value());
            EXPECT_EQ(read_all(**reader), "writer " + std::to_string(winner));
        }
    }
    (void)test;
}

TEST_F(cephfs_backend_test, create_only_race_two_threads_one_mount) {
    create_only_race(this, {backend_.get(), backend_.get()}, 30);
    EXPECT_TRUE(temps().empty());
}

TEST_F(cephfs_backend_test, create_only_race_two_mounts) {
    auto other = cephfs_backend::open(opts_);
    ASSERT_TRUE(other.has_value()) << other.error().message();
    create_only_race(this, {backend_.get(), other->get()}, 30);
    EXPECT_TRUE(temps().empty());
}

TEST_F(cephfs_backend_test, expected_sha256_replaces_only_the_expected_version) {
    const file_info v1 = put("doc.txt", "version 1");
    auto ok = put_with("doc.txt", "version 2", {.expected_sha256 = v1.sha256_hex});
    ASSERT_TRUE(ok.has_value()) << ok.error().message();
    EXPECT_TRUE(ok->replaced);
    EXPECT_EQ(get("doc.txt"), "version 2");
    auto stale = put_with("doc.txt", "version 3", {.expected_sha256 = v1.sha256_hex});
    ASSERT_FALSE(stale.has_value());
    EXPECT_EQ(stale.error(), errc::precondition_failed);
    EXPECT_EQ(get("doc.txt"), "version 2");
    auto any_case =
        put_with("doc.txt", "version 3", {.expected_sha256 = upper(ok->info.sha256_hex)});
    ASSERT_TRUE(any_case.has_value());
    EXPECT_EQ(get("doc.txt"), "version 3");

    auto missing = put_with("absent.txt", "x", {.expected_sha256 = openssl_sha256_hex("x")});
    EXPECT_EQ(missing.error(), errc::precondition_failed);
    EXPECT_EQ(raw_->kind(at("absent.txt")), 0);

    auto writer = backend_->create_writer("late");
    ASSERT_TRUE(writer.has_value());
    ASSERT_EQ(::ceph_mkdirs(raw_->get(), at("late/inner").c_str(), 0755), 0);
    auto folder = (*writer)->commit({.expected_sha256 = openssl_sha256_hex("")});
    EXPECT_EQ(folder.error(), errc::is_directory);

    ASSERT_EQ(raw_->write_file(at("manual.txt"), "by hand"), 0);
    auto manual =
        put_with("manual.txt", "by api", {.expected_sha256 = openssl_sha256_hex("by hand")});
    ASSERT_TRUE(manual.has_value()) << manual.error().message();
    EXPECT_EQ(get("manual.txt"), "by api");
    EXPECT_TRUE(temps().empty());
}

TEST_F(cephfs_backend_test, concurrent_if_match_commits_across_mounts_have_one_winner) {
    auto other = cephfs_backend::open(opts_);
    ASSERT_TRUE(other.has_value()) << other.error().message();
    std::vector<cephfs_backend*> backends{backend_.get(), other->get(), backend_.get(),
                                          other->get()};
    file_info current = put("cas.txt", "base");
    for (int round = 0; round < 10; ++round) {
        std::vector<std::unique_ptr<file_writer>> writers;
        for (std::size_t i = 0; i < backends.size(); ++i) {
            auto writer = backends[i]->create_writer("cas.txt");
            ASSERT_TRUE(writer.has_value());
            ASSERT_TRUE((*writer)
                            ->write(std::to_string(round) + " contender " + std::to_string(i))
                            .has_value());
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
                outcomes[i] = writers[i]->commit({.expected_sha256 = current.sha256_hex});
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
                current = (*outcomes[i])->info;
            } else {
                EXPECT_EQ(outcomes[i]->error(), errc::precondition_failed)
                    << outcomes[i]->error().message();
            }
        }
        ASSERT_NE(winner, -1) << "no winner in round " << round;
        EXPECT_EQ(get("cas.txt"), std::to_string(round) + " contender " + std::to_string(winner));
    }
    EXPECT_TRUE(temps().empty());
}

TEST_F(cephfs_backend_test, commit_and_remove_wait_for_the_directory_lock) {
    put("sub/victim.txt", "victim");
    const int dir_fd = ::ceph_open(raw_->get(), at("sub").c_str(), O_RDONLY | O_DIRECTORY, 0);
    ASSERT_GE(dir_fd, 0);
    ASSERT_EQ(::ceph_flock(raw_->get(), dir_fd, LOCK_EX, 4242), 0);

    auto writer = backend_->create_writer("sub/new.txt");
    ASSERT_TRUE(writer.has_value());
    ASSERT_TRUE((*writer)->write(std::string_view("new")).has_value());
    auto commit = std::async(std::launch::async, [&] { return (*writer)->commit(); });
    auto removal =
        std::async(std::launch::async, [&] { return backend_->remove("sub/victim.txt"); });
    EXPECT_EQ(commit.wait_for(std::chrono::milliseconds(500)), std::future_status::timeout);
    EXPECT_EQ(removal.wait_for(std::chrono::milliseconds(0)), std::future_status::timeout);
    EXPECT_EQ(raw_->kind(at("sub/new.txt")), 0);
    EXPECT_EQ(raw_->kind(at("sub/victim.txt")), 'f');

    ASSERT_EQ(::ceph_flock(raw_->get(), dir_fd, LOCK_UN, 4242), 0);
    EXPECT_TRUE(commit.get().has_value());
    EXPECT_TRUE(removal.get().has_value());
    ::ceph_close(raw_->get(), dir_fd);
    EXPECT_EQ(get("sub/new.txt"), "new");
    EXPECT_EQ(raw_->kind(at("sub/victim.txt")), 0);
}

TEST_F(cephfs_backend_test, client_digest_mismatch_keeps_old_file) {
    put("keep.txt", "old");
    auto wrong =
        put_with("keep.txt", "new", {.expected_client_sha256 = openssl_sha256_hex("nope")});
    ASSERT_FALSE(wrong.has_value());
    EXPECT_EQ(wrong.error(), errc::digest_mismatch);
    EXPECT_EQ(get("keep.txt"), "old");
    EXPECT_TRUE(temps().empty());
    auto fresh = put_with("fresh.txt", "new", {.expected_client_sha256 = "0123"});
    EXPECT_EQ(fresh.error(), errc::digest_mismatch);
    EXPECT_EQ(raw_->kind(at("fresh.txt")), 0);
    auto right =
        put_with("keep.txt", "new", {.expected_client_sha256 = upper(openssl_sha256_hex("new"))});
    ASSERT_TRUE(right.has_value());
    EXPECT_EQ(get("keep.txt"), "new");

    auto md5_writer = backend_->create_writer("m.txt", {.md5 = true});
    ASSERT_TRUE(md5_writer.has_value());
    ASSERT_TRUE((*md5_writer)->write(std::string_view("abc")).has_value());
    EXPECT_EQ((*md5_writer)->md5_hex(), "900150983cd24fb0d6963f7d28e17f72");
    ASSERT_TRUE((*md5_writer)
                    ->commit({.expected_client_md5 = "900150983CD24FB0D6963F7D28E17F72"})
                    .has_value());
    auto bad_md5 = put_with(
        "m.txt", "xyz", {.expected_client_md5 = "900150983cd24fb0d6963f7d28e17f72"}, {.md5 = true});
    EXPECT_EQ(bad_md5.error(), errc::digest_mismatch);
    EXPECT_EQ(get("m.txt"), "abc");
    auto no_md5 =
        put_with("n.txt", "abc", {.expected_client_md5 = "900150983cd24fb0d6963f7d28e17f72"});
    EXPECT_EQ(no_md5.error(), errc::io_error);
    EXPECT_EQ(raw_->kind(at("n.txt")), 0);
    EXPECT_TRUE(temps().empty());
}

TEST_F(cephfs_backend_test, content_type_round_trip) {
    auto committed =
        put_with("page.html", "<p>hi</p>", {.content_type = "text/html; charset=utf-8"});
    ASSERT_TRUE(committed.has_value());
    EXPECT_EQ(committed->info.content_type, "text/html; charset=utf-8");
    EXPECT_EQ(backend_->stat("page.html")->content_type, "text/html; charset=utf-8");
    auto reader = backend_->open_read("page.html");
    ASSERT_TRUE(reader.has_value());
    EXPECT_EQ((*reader)->info().content_type, "text/html; charset=utf-8");
    char xattr[64] = {};
    EXPECT_EQ(::ceph_getxattr(raw_->get(), at("page.html").c_str(), "user.simplefs.content_type",
                              xattr, sizeof xattr),
              24);
    put("page.html", "replaced");
    EXPECT_EQ(backend_->stat("page.html")->content_type, "");

    auto unsafe = put_with("u.txt", "new", {.content_type = "text/plain\r\nX-Evil: 1"});
    ASSERT_TRUE(unsafe.has_value());
    EXPECT_EQ(unsafe->info.content_type, "");
    EXPECT_EQ(backend_->stat("u.txt")->content_type, "");
    const std::string longest(255, 'a');
    ASSERT_TRUE(put_with("u.txt", "new", {.content_type = longest}).has_value());
    EXPECT_EQ(backend_->stat("u.txt")->content_type, longest);
}

TEST_F(cephfs_backend_test, remove_with_expected_sha256) {
    const file_info info = put("del.txt", "delete me");
    auto wrong = backend_->remove("del.txt", {.expected_sha256 = openssl_sha256_hex("other")});
    EXPECT_EQ(wrong.error(), errc::precondition_failed);
    EXPECT_EQ(get("del.txt"), "delete me");
    ASSERT_TRUE(backend_->remove("del.txt", {.expected_sha256 = info.sha256_hex}).has_value());
    EXPECT_EQ(raw_->kind(at("del.txt")), 0);
    EXPECT_EQ(backend_->remove("del.txt", {.expected_sha256 = info.sha256_hex}).error(),
              errc::precondition_failed);
    EXPECT_EQ(backend_->remove("del.txt").error(), errc::not_found);
    put("folder/inside", "x");
    EXPECT_EQ(backend_->remove("folder", {.expected_sha256 = info.sha256_hex}).error(),
              errc::is_directory);
    ASSERT_EQ(raw_->write_file(at("manual.txt"), "by hand"), 0);
    ASSERT_TRUE(
        backend_->remove("manual.txt", {.expected_sha256 = upper(openssl_sha256_hex("by hand"))})
            .has_value());
    EXPECT_EQ(raw_->kind(at("manual.txt")), 0);
}

TEST_F(cephfs_backend_test, listing_sorted_with_metadata_prefix_and_hidden_entries) {
    put("b.txt", "bee");
    put("b/inner.txt", "inner");
    put("b0.txt", "b0");
    put("a.txt", "a");
    ASSERT_EQ(raw_->write_file(at(".simplefs.tmp.0123456789abcdef"), "temp"), 0);
    ASSERT_EQ(::ceph_symlink(raw_->get(), "a.txt", at("alink").c_str()), 0);
    auto writer = backend_->create_writer("pending.txt");  // its temp file stays hidden
    ASSERT_TRUE(writer.has_value());

    const list_page page = list_ok("", {});
    EXPECT_EQ(file_names(page), (names{"a.txt", "b.txt", "b0.txt"}));
    EXPECT_EQ(page.folders, (names{"b"}));
    EXPECT_FALSE(page.next_after.has_value());
    ASSERT_EQ(page.files.size(), 3u);
    EXPECT_EQ(page.files[1].info.size, 3u);
    EXPECT_EQ(page.files[1].info.sha256_hex, openssl_sha256_hex("bee"));

    // Keys: "b.txt" < "b/" < "b0.txt".
    const list_page two = list_ok("", {.limit = 2, .after = "a.txt"});
    EXPECT_EQ(all_names(two), (names{"b", "b.txt"}));
    EXPECT_EQ(two.next_after, "b/");
    const list_page rest = list_ok("", {.limit = 2, .after = "b/"});
    EXPECT_EQ(all_names(rest), (names{"b0.txt"}));
    EXPECT_FALSE(rest.next_after.has_value());

    EXPECT_EQ(all_names(list_ok("", {.prefix = "b"})), (names{"b", "b.txt", "b0.txt"}));
    EXPECT_EQ(file_names(list_ok("b", {})), (names{"inner.txt"}));

    EXPECT_EQ(backend_->list("missing", {}).error(), errc::not_found);
    EXPECT_EQ(backend_->list("a.txt", {}).error(), errc::not_found);
    EXPECT_EQ(backend_->list("a.txt/below", {}).error(), errc::not_found);
    for (const std::string_view bad : {"../x", "a/", "/", ".", "a//b"}) {
        EXPECT_EQ(backend_->list(bad, {}).error(), errc::invalid_name) << bad;
    }
}

TEST_F(cephfs_backend_test, paging_through_2500_entries) {
    std::set<std::string> expected;
    std::set<std::string> folders;
    for (int i = 0; i < 2500; ++i) {
        char name[16];
        std::snprintf(name, sizeof name, "e%05d", i * 7919 % 100000);
        if (i % 5 == 0) {
            ASSERT_EQ(::ceph_mkdir(raw_->get(), at(name).c_str(), 0755), 0);
            folders.insert(name);
        } else {
            const int fd = ::ceph_open(raw_->get(), at(name).c_str(), O_CREAT | O_WRONLY, 0644);
            ASSERT_GE(fd, 0);
            ::ceph_close(raw_->get(), fd);
        }
        expected.insert(name);
    }
    ASSERT_EQ(expected.size(), 2500u);
    ASSERT_EQ(raw_->write_file(at(".simplefs.tmp.hidden"), ""), 0);

    std::vector<std::string> seen;
    std::size_t pages = 0;
    std::string after;
    const auto started = std::chrono::steady_clock::now();
    for (;;) {
        const list_page page = list_ok("", {.limit = 1000, .after = after});
        ++pages;
        const auto page_names = all_names(page);
        seen.insert(seen.end(), page_names.begin(), page_names.end());
        if (pages == 1) {
            EXPECT_EQ(page_names.size(), 1000u);
            ASSERT_TRUE(page.next_after.has_value());
            EXPECT_EQ(*page.next_after, *std::next(expected.begin(), 999));
            std::vector<std::string> first_folders;
            std::copy_if(expected.begin(), std::next(expected.begin(), 1000),
                         std::back_inserter(first_folders),
                         [&](const std::string& name) { return folders.count(name) != 0; });
            EXPECT_EQ(page.folders, first_folders);
        }
        if (!page.next_after || pages > 10) {
            break;
        }
        after = *page.next_after;
    }
    std::printf("listed 2500 entries in %zu pages in %lld ms\n", pages,
                static_cast<long long>(std::chrono::duration_cast<std::chrono::milliseconds>(
                                           std::chrono::steady_clock::now() - started)
                                           .count()));
    EXPECT_EQ(pages, 3u);
    EXPECT_EQ(seen.size(), 2500u);
    EXPECT_EQ(std::set<std::string>(seen.begin(), seen.end()), expected);
    EXPECT_TRUE(std::is_sorted(seen.begin(), seen.end()));

    const list_page from_middle = list_ok("", {.limit = 3, .after = "e5"});
    const auto after_e5 = expected.upper_bound("e5");
    EXPECT_EQ(all_names(from_middle),
              (names{*after_e5, *std::next(after_e5), *std::next(after_e5, 2)}));

    const list_page zero = list_ok("", {.limit = 0});
    EXPECT_EQ(all_names(zero).size(), 1u);
    EXPECT_EQ(zero.folders, (names{*expected.begin()}));  // e00000 is a folder: key "e00000/"
    EXPECT_EQ(zero.next_after, *expected.begin() + "/");
}

TEST_F(cephfs_backend_test, stale_temp_files_older_than_min_age_are_removed) {
    ASSERT_EQ(::ceph_mkdirs(raw_->get(), at("deep/er").c_str(), 0755), 0);
    const std::vector<std::string> old_temps{".simplefs.tmp.00000000000000aa",
                                             "deep/er/.simplefs.tmp.00000000000000bb"};
    for (const std::string& name : old_temps) {
        ASSERT_EQ(raw_->write_file(at(name), "stale"), 0);
        struct ceph_statx stx {};
        stx.stx_mtime.tv_sec = ::time(nullptr) - 7200;
        stx.stx_atime = stx.stx_mtime;
        ASSERT_EQ(::ceph_setattrx(raw_->get(), at(name).c_str(), &stx,
                                  CEPH_SETATTR_MTIME | CEPH_SETATTR_ATIME, 0),
                  0);
    }
    put("deep/keep.txt", "keep");
    auto live = backend_->create_writer("deep/er/live.txt");  // young: another upload's temp
    ASSERT_TRUE(live.has_value());
    ASSERT_TRUE((*live)->write(std::string_view("in progress")).has_value());
    ASSERT_EQ(temps().size(), 3u);

    auto removed = backend_->remove_stale_temp_files();
    ASSERT_TRUE(removed.has_value()) << removed.error().message();
    EXPECT_EQ(*removed, 2u);
    EXPECT_EQ(temps().size(), 1u);
    ASSERT_TRUE((*live)->commit().has_value());
    EXPECT_EQ(get("deep/er/live.txt"), "in progress");
    EXPECT_EQ(get("deep/keep.txt"), "keep");
    EXPECT_EQ(*backend_->remove_stale_temp_files(), 0u);

    // With no minimum age, a young temp file counts as stale too.
    cephfs_options eager = opts_;
    eager.stale_temp_min_age = std::chrono::seconds(0);
    auto cleaner = cephfs_backend::open(eager);
    ASSERT_TRUE(cleaner.has_value());
    ASSERT_EQ(raw_->write_file(at(".simplefs.tmp.00000000000000cc"), "x"), 0);
    EXPECT_EQ(*(*cleaner)->remove_stale_temp_files(), 1u);
    EXPECT_TRUE(temps().empty());
}

TEST_F(cephfs_backend_test, usage_is_sane) {
    auto usage = backend_->usage();
    ASSERT_TRUE(usage.has_value()) << usage.error().message();
    EXPECT_GT(usage->total_bytes, 0u);
    EXPECT_LE(usage->available_bytes, usage->total_bytes);
    EXPECT_GE(usage->used_fraction, 0.0);
    EXPECT_LE(usage->used_fraction, 1.0);
}

TEST_F(cephfs_backend_test, commit_without_fsync_and_nested_root_creation) {
    cephfs_options opts = opts_;
    opts.root = root_ + "/nested/root/";
    opts.fsync = false;
    auto nested = cephfs_backend::open(opts);
    ASSERT_TRUE(nested.has_value()) << nested.error().message();
    EXPECT_EQ(raw_->kind(at("nested/root")), 'd');
    put("f.txt", "fast", nested->get());
    EXPECT_EQ(raw_->read_file(at("nested/root/f.txt")), "fast");
}

TEST_F(cephfs_backend_test, health_is_ready_on_a_live_cluster) {
    EXPECT_TRUE(backend_->health().ready);
    EXPECT_EQ(backend_->health().reason, "");
    const std::uint64_t id = backend_->instance_id();
    EXPECT_NE(id, 0u);
    // After a few probes: still ready, still the same session.
    std::this_thread::sleep_for(opts_.probe_interval * 2 + 500ms);
    const storage_health health = backend_->health();
    EXPECT_TRUE(health.ready) << health.reason;
    EXPECT_EQ(backend_->instance_id(), id);
}

// The prober notices the eviction on its own (probe every second) and mounts again. Bound: a
// probe within 1 s, a mount in well under 1 s here; 30 s leaves room for a loaded machine.
TEST_F(cephfs_backend_test, evicted_session_is_replaced_and_data_survives) {
    const std::string before = "written before the eviction";
    put("kept/before.txt", before);
    auto old_reader = backend_->open_read("kept/before.txt");
    ASSERT_TRUE(old_reader.has_value());
    auto old_writer = backend_->create_writer("pending.txt");
    ASSERT_TRUE(old_writer.has_value());
    ASSERT_TRUE((*old_writer)->write("never committed").has_value());
    const std::uint64_t old_id = backend_->instance_id();

    const auto evicting = std::chrono::steady_clock::now();
    ASSERT_TRUE(evict_session(opts_, old_id)) << "ceph tell ... client evict failed";
    const auto evicted = std::chrono::steady_clock::now();
    ASSERT_TRUE(wait_until(
        30s, [&] { return backend_->health().ready && backend_->instance_id() != old_id; }))
        << "not ready again within 30 s: " << backend_->health().reason;
    std::printf(
        "[ bounds   ] evict command %lld ms; ready on a new session %lld ms after it\n",
        static_cast<long long>(
            std::chrono::duration_cast<std::chrono::milliseconds>(evicted - evicting).count()),
        ms_since(evicted));

    auto info = backend_->stat("kept/before.txt");
    ASSERT_TRUE(info.has_value()) << info.error().message();
    EXPECT_EQ(info->size, before.size());
    EXPECT_EQ(get("kept/before.txt"), before);
    put("after.txt", "written after the eviction");
    EXPECT_EQ(get("after.txt"), "written after the eviction");
    EXPECT_EQ(raw_->read_file(at("after.txt")), "written after the eviction");

    // Opened on the evicted session: they fail cleanly (or the reader is served from what the
    // old client had cached), and releasing them releases that session.
    std::array<char, 64> buffer{};
    auto n = (*old_reader)->read_at(0, buffer);
    if (n) {
        EXPECT_EQ(std::string(buffer.data(), *n), before);
    } else {
        EXPECT_EQ(n.error(), errc::unavailable) << n.error().message();
    }
    auto committed = (*old_writer)->commit();
    ASSERT_FALSE(committed.has_value());
    EXPECT_EQ(committed.error(), errc::unavailable) << committed.error().message();
    EXPECT_EQ(raw_->kind(at("pending.txt")), 0);
    old_reader->reset();
    old_writer->reset();
    EXPECT_TRUE(backend_->health().ready);
}

// With probes far apart, an operation is what finds the session evicted: it answers
// errc::unavailable (libcephfs returns -ESHUTDOWN, i.e. EBLOCKLISTED) and wakes the prober,
// which mounts again at once.
TEST_F(cephfs_backend_test, operation_on_evicted_session_is_unavailable_and_wakes_the_prober) {
    cephfs_options opts = opts_;
    opts.probe_interval = std::chrono::hours(1);
    auto opened = cephfs_backend::open(opts);
    ASSERT_TRUE(opened.has_value()) << opened.error().message();
    cephfs_backend& backend = **opened;
    put("x.txt", "x", &backend);
    const std::uint64_t old_id = backend.instance_id();
    ASSERT_TRUE(evict_session(opts_, old_id)) << "ceph tell ... client evict failed";

    result<file_info> seen = file_info{};
    ASSERT_TRUE(wait_until(10s, [&] { return !(seen = backend.stat("x.txt")); }))
        << "stat still succeeds 10 s after the eviction";
    EXPECT_EQ(seen.error(), errc::unavailable) << seen.error().message();
    const auto failed = std::chrono::steady_clock::now();
    ASSERT_TRUE(
        wait_until(10s, [&] { return backend.health().ready && backend.instance_id() != old_id; }))
        << "not ready again within 10 s: " << backend.health().reason;
    std::printf("[ bounds   ] ready on a new session %lld ms after the failed stat\n",
                ms_since(failed));
    auto info = backend.stat("x.txt");
    ASSERT_TRUE(info.has_value()) << info.error().message();
    EXPECT_EQ(info->size, 1u);
}

TEST_F(cephfs_backend_test, unknown_file_system_fails_to_open) {
    cephfs_options opts = opts_;
    opts.fs_name = "no-such-fs-" + random_hex();
    EXPECT_FALSE(cephfs_backend::open(opts).has_value());
}

TEST_F(cephfs_backend_test, upload_state_round_trip_and_lock_across_mounts) {
    auto* uploads = backend_->uploads();
    ASSERT_NE(uploads, nullptr);
    auto none = uploads->list();
    ASSERT_TRUE(none.has_value()) << none.error().message();
    EXPECT_TRUE(none->empty());

    const std::string id = make_upload_id();
    upload_info info{.length = 11, .name = "up/a.txt", .expires = 1'900'000'000};
    ASSERT_TRUE(uploads->create(id, info).has_value());
    EXPECT_EQ(uploads->create(id, info).error(), errc::already_exists);
    EXPECT_EQ(*uploads->read_info(id), info);
    EXPECT_EQ(*uploads->list(), std::vector<std::string>{id});

    auto other = cephfs_backend::open(opts_);
    ASSERT_TRUE(other.has_value());
    {
        auto held = uploads->lock(id);
        ASSERT_TRUE(held.has_value()) << held.error().message();
        EXPECT_EQ(uploads->lock(id).error(), errc::locked);
        // Another client session: the MDS keeps the lock.
        EXPECT_EQ((*other)->uploads()->lock(id).error(), errc::locked);
        ASSERT_TRUE((*held)->append(std::string_view("hello world!")).has_value());
        ASSERT_TRUE((*held)->truncate(11).has_value());
        ASSERT_TRUE((*held)->sync().has_value());
        info.offset = 11;
        ASSERT_TRUE(uploads->write_info(id, info).has_value());
    }
    auto data = (*other)->uploads()->lock(id);
    ASSERT_TRUE(data.has_value()) << data.error().message();
    EXPECT_EQ(*(*data)->size(), 11u);
    std::string content(11, '\0');
    EXPECT_EQ(*(*data)->read_at(0, content), 11u);
    EXPECT_EQ(content, "hello world");
    EXPECT_EQ((*other)->uploads()->read_info(id)->offset, 11u);
    // Invisible to listings and names; start-up cleaning keeps it.
    EXPECT_TRUE(list_ok("", {}).folders.empty());
    ASSERT_TRUE(backend_->remove_stale_temp_files().has_value());
    EXPECT_EQ(uploads->list()->size(), 1u);

    ASSERT_TRUE((*other)->uploads()->remove(id).has_value());
    data->reset();
    EXPECT_EQ(uploads->read_info(id).error(), errc::not_found);
    EXPECT_EQ(uploads->lock(id).error(), errc::not_found);
}

}  // namespace
}  // namespace simplefs::storage
