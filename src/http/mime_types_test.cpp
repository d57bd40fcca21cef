#include "http/mime_types.hpp"

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <initializer_list>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

namespace simplefs::http {
namespace {

struct mime_case {
    std::string_view file_name;
    std::string_view expected;
};

void expect_all(std::initializer_list<mime_case> cases) {
    for (const auto& c : cases) {
        EXPECT_EQ(content_type_for(c.file_name), c.expected) << "file name: " << c.file_name;
    }
}

void expect_all(const mime_table& table, std::initializer_list<mime_case> cases) {
    for (const auto& c : cases) {
        EXPECT_EQ(table.content_type_for(c.file_name), c.expected) << "file name: " << c.file_name;
    }
}

/// A file under the test temporary directory, named after the test and process, removed on
/// destruction.
class temp_file {
public:
    explicit temp_file(std::string_view content) {
        const auto* info = ::testing::UnitTest::GetInstance()->current_test_info();
        path_ = std::filesystem::path{::testing::TempDir()} /
                ("simplefs_mime_" + std::string{info->name()} + "_" + std::to_string(::getpid()) +
                 ".types");
        std::ofstream out{path_, std::ios::binary | std::ios::trunc};
        out << content;
        EXPECT_TRUE(out.good()) << path_;
    }
    temp_file(const temp_file&) = delete;
    temp_file& operator=(const temp_file&) = delete;
    ~temp_file() {
        std::error_code ec;
        std::filesystem::remove(path_, ec);
    }

    const std::filesystem::path& path() const { return path_; }

private:
    std::filesystem::path path_;
};

mime_table load_text(std::string_view content) {
    const temp_file file{content};
    auto table = mime_table::load(file.path());
    EXPECT_EQ(table.loaded_from(), file.path());
    return table;
}

TEST(ContentTypeFor, CommonTypes) {
    expect_all({
        {"a.html", "text/html; charset=utf-8"},
        {"a.htm", "text/html; charset=utf-8"},
        {"a.css", "text/css; charset=utf-8"},
        {"a.js", "text/javascript; charset=utf-8"},
        {"a.mjs", "text/javascript; charset=utf-8"},
        {"a.txt", "text/plain; charset=utf-8"},
        {"a.csv", "text/csv; charset=utf-8"},
        {"a.md", "text/markdown; charset=utf-8"},
        {"a.py", "text/x-python; charset=utf-8"},
        {"a.sh", "text/x-sh; charset=utf-8"},
        {"a.c", "text/x-csrc; charset=utf-8"},
        {"a.h", "text/x-chdr; charset=utf-8"},
        {"a.cpp", "text/x-c++src; charset=utf-8"},
        {"a.json", "application/json"},
        {"a.xml", "application/xml"},
        {"a.pdf", "application/pdf"},
        {"a.png", "image/png"},
        {"a.jpg", "image/jpeg"},
        {"a.jpeg", "image/jpeg"},
        {"a.gif", "image/gif"},
        {"a.webp", "image/webp"},
        {"a.svg", "image/svg+xml"},
        {"a.ico", "image/vnd.microsoft.icon"},
        {"a.avif", "image/avif"},
        {"a.mp3", "audio/mpeg"},
        {"a.wav", "audio/x-wav"},
        {"a.ogg", "audio/ogg"},
        {"a.mp4", "video/mp4"},
        {"a.webm", "video/webm"},
        {"a.mkv", "video/x-matroska"},
        {"a.mov", "video/quicktime"},
        {"a.avi", "video/x-msvideo"},
        {"a.zip", "application/zip"},
        {"a.gz", "application/gzip"},
        {"a.tgz", "application/x-gtar-compressed"},
        {"a.tar", "application/x-tar"},
        {"a.bz2", "application/x-bzip2"},
        {"a.xz", "application/x-xz"},
        {"a.zst", "application/zstd"},
        {"a.7z", "application/x-7z-compressed"},
        {"a.rar", "application/vnd.rar"},
        {"a.wasm", "application/wasm"},
        {"a.woff", "font/woff"},
        {"a.woff2", "font/woff2"},
        {"a.ttf", "font/ttf"},
        {"a.otf", "font/otf"},
        {"a.doc", "application/msword"},
        {"a.docx", "application/vnd.openxmlformats-officedocument.wordprocessingml.document"},
        {"a.xls", "application/vnd.ms-excel"},
        {"a.xlsx", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"},
        {"a.ppt", "application/vnd.ms-powerpoint"},
        {"a.pptx", "application/vnd.openxmlformats-officedocument.presentationml.presentation"},
        {"a.odt", "application/vnd.oasis.opendocument.text"},
        {"a.ods", "application/vnd.oasis.opendocument.spreadsheet"},
        {"a.epub", "application/epub+zip"},
        {"a.iso", "application/x-iso9660-image"},
        {"a.bin", "application/octet-stream"},
        {"a.exe", "application/x-msdos-program"},
        {"a.yaml", "application/yaml"},
        {"a.yml", "application/yaml"},
        {"a.toml", "application/toml"},
        {"a.webmanifest", "application/manifest+json"},
    });
}

TEST(ContentTypeFor, FirstAndLastTableEntries) {
    expect_all({
        {"a.3gp", "video/3gpp"},
        {"a.zst", "application/zstd"},
    });
}

TEST(ContentTypeFor, ExtensionIsCaseInsensitive) {
    expect_all({
        {"PHOTO.JPG", "image/jpeg"},
        {"Report.Pdf", "application/pdf"},
        {"index.HTML", "text/html; charset=utf-8"},
        {"x.WebManifest", "application/manifest+json"},
    });
}

TEST(ContentTypeFor, UsesLastExtensionOfLastSegment) {
    expect_all({
        {"archive.tar.gz", "application/gzip"},
        {"notes.txt.pdf", "application/pdf"},
        {"dir.txt/file", "application/octet-stream"},
        {"dir.txt/file.png", "image/png"},
        {"a/b/c/d.json", "application/json"},
        {"download_20240102030405_report.csv", "text/csv; charset=utf-8"},
    });
}

TEST(ContentTypeFor, LeadingDotsDoNotStartAnExtension) {
    expect_all({
        {".txt", "application/octet-stream"},
        {"..txt", "application/octet-stream"},
        {"dir/.png", "application/octet-stream"},
        {".hidden.txt", "text/plain; charset=utf-8"},
        {"...a.png", "image/png"},
    });
}

TEST(ContentTypeFor, UnknownOrMissingExtension) {
    expect_all({
        {"", "application/octet-stream"},
        {"README", "application/octet-stream"},
        {"a.", "application/octet-stream"},
        {"a.unknownext", "application/octet-stream"},
        {"a.webmanifestx", "application/octet-stream"},
        {"a.averyveryverylongextension", "application/octet-stream"},
        {"a.tx", "application/octet-stream"},
        {"a.txtx", "application/octet-stream"},
        {"a. txt", "application/octet-stream"},
        {"dir/", "application/octet-stream"},
        {"/", "application/octet-stream"},
        {"a.0", "application/octet-stream"},
        {"a.~", "application/octet-stream"},
    });
}

TEST(ContentTypeFor, NonAsciiNamesAndExtensions) {
    expect_all({
        {"\xc3\xa9t\xc3\xa9.mp4", "video/mp4"},
        {"a.\xc3\x9fz", "application/octet-stream"},
        {"a.t\xc3\x9ft", "application/octet-stream"},
        {std::string_view{"a\0.png", 6}, "image/png"},
        {std::string_view{"a.png\0", 6}, "application/octet-stream"},
    });
}

TEST(MimeTable, BuiltInMatchesFreeFunction) {
    const auto table = mime_table::built_in();
    EXPECT_TRUE(table.loaded_from().empty());
    EXPECT_GT(table.size(), 100U);
    for (std::string_view name : {"a.html", "a.PNG", "a.tar.gz", ".txt", "README", "a.3gp", "a.zst",
                                  "a.sh", "a.averyveryverylongextension"}) {
        EXPECT_EQ(table.content_type_for(name), content_type_for(name)) << name;
    }
}

TEST(MimeTable, ParsesSampleFile) {
    const std::string_view sample =
        "# A comment line\n"
        "   # an indented comment line\n"
        "\n"
        "  \t \n"
        "text/x-sample\tsmp  SMPL\t\ttab\n"
        "application/x-multi   m1 m2  m3   # m4 is commented out\n"
        "application/x-hash m5# # the first word starting with '#' starts the comment\n"
        "image/x-upper\t\t\tUPR Mixed\n"
        "text/x-only-type\n"
        "application/x-first dup\n"
        "application/x-second dup\n"
        "application/x-crlf crlf\r\n"
        "IMAGE/X-Shouty shout\n"
        "application/x-last-line last";  // no final newline
    const auto table = load_text(sample);
    expect_all(table, {
                          {"a.smp", "text/x-sample; charset=utf-8"},
                          {"a.smpl", "text/x-sample; charset=utf-8"},
                          {"a.SMPL", "text/x-sample; charset=utf-8"},
                          {"a.tab", "text/x-sample; charset=utf-8"},
                          {"a.m1", "application/x-multi"},
                          {"a.m2", "application/x-multi"},
                          {"a.m3", "application/x-multi"},
                          {"a.m4", "application/octet-stream"},
                          {"a.m5#", "application/x-hash"},
                          {"a.upr", "image/x-upper"},
                          {"a.UPR", "image/x-upper"},
                          {"a.mIXED", "image/x-upper"},
                          {"a.dup", "application/x-second"},
                          {"a.crlf", "application/x-crlf"},
                          {"a.shout", "IMAGE/X-Shouty"},
                          {"a.last", "application/x-last-line"},
                          {"a.only-type", "application/octet-stream"},
                          // Built-in entries the file does not mention remain.
                          {"a.png", "image/png"},
                          {"a.json", "application/json"},
                          {"a.unknown", "application/octet-stream"},
                      });
    // smp smpl tab m1 m2 m3 m5# upr mixed dup crlf shout last
    EXPECT_EQ(table.size(), mime_table::built_in().size() + 13);
}

TEST(MimeTable, LaterDuplicateWinsAcrossCaseVariants) {
    const auto table = load_text(
        "application/x-one dup\n"
        "application/x-two DUP\n"
        "application/x-three other Other OTHER\n"
        "application/x-four Other\n");
    expect_all(table, {
                          {"a.dup", "application/x-two"},
                          {"a.DUP", "application/x-two"},
                          {"a.other", "application/x-four"},
                      });
    EXPECT_EQ(table.size(), mime_table::built_in().size() + 2);
}

TEST(MimeTable, IgnoresMalformedLinesAndUnmatchableExtensions) {
    const auto table = load_text(
        "not-a-type bad1\n"
        "/subtype bad2\n"
        "type/ bad3\n"
        "a/b/c bad4\n"
        "text/plain;charset=latin1 bad5\n"
        "text/pl\"ain bad6\n"
        "t\x01xt/plain bad7\n"
        "# text/plain bad8\n"
        "text/x-dotted .dot tar.gz a/b good1\n"
        "text/x-control ctl\x7f ctl\x01x good2\n"
        "\xc3\xa9/x bad9\n");
    expect_all(table, {
                          {"a.bad1", "application/octet-stream"},
                          {"a.bad2", "application/octet-stream"},
                          {"a.bad3", "application/octet-stream"},
                          {"a.bad4", "application/octet-stream"},
                          {"a.bad5", "application/octet-stream"},
                          {"a.bad6", "application/octet-stream"},
                          {"a.bad7", "application/octet-stream"},
                          {"a.bad8", "application/octet-stream"},
                          {"a.bad9", "application/octet-stream"},
                          {"a.dot", "application/octet-stream"},
                          {"a.tar.gz", "application/gzip"},
                          {"a.good1", "text/x-dotted; charset=utf-8"},
                          {"a.good2", "text/x-control; charset=utf-8"},
                      });
    EXPECT_EQ(table.size(), mime_table::built_in().size() + 2);
}

TEST(MimeTable, FileOverridesBuiltInTypes) {
    const auto table = load_text(
        "application/x-my-png png\n"
        "text/x-my-json JSON\n"
        "application/octet-stream txt\n"
        "Application/XML svg\n");
    expect_all(table, {
                          {"a.png", "application/x-my-png"},
                          {"A.PNG", "application/x-my-png"},
                          {"a.json", "text/x-my-json; charset=utf-8"},
                          {"a.txt", "application/octet-stream"},
                          {"a.svg", "Application/XML"},
                          {"a.jpg", "image/jpeg"},
                      });
    EXPECT_EQ(table.size(), mime_table::built_in().size());
    // The shared built-in table is unaffected.
    EXPECT_EQ(content_type_for("a.png"), "image/png");
}

TEST(MimeTable, EmptyFileGivesBuiltInEntries) {
    const auto table = load_text("");
    EXPECT_EQ(table.size(), mime_table::built_in().size());
    expect_all(table, {{"a.png", "image/png"}, {"a.txt", "text/plain; charset=utf-8"}});
}

TEST(MimeTable, MissingOrUnreadableFileFallsBackToBuiltIn) {
    const auto built_in_size = mime_table::built_in().size();
    for (const std::filesystem::path& path :
         {std::filesystem::path{"/nonexistent/simplefs/mime.types"}, std::filesystem::path{},
          std::filesystem::path{::testing::TempDir()}}) {
        const auto table = mime_table::load(path);
        EXPECT_TRUE(table.loaded_from().empty()) << path;
        EXPECT_EQ(table.size(), built_in_size) << path;
        expect_all(table, {
                              {"a.png", "image/png"},
                              {"a.3gp", "video/3gpp"},
                              {"a.unknown", "application/octet-stream"},
                          });
    }
}

TEST(MimeTable, ConcurrentLookups) {
    const auto table = load_text("application/x-shared shared\n");
    std::vector<std::thread> threads;
    for (int t = 0; t < 4; ++t) {
        threads.emplace_back([&table] {
            for (int i = 0; i < 1000; ++i) {
                EXPECT_EQ(table.content_type_for("a.shared"), "application/x-shared");
                EXPECT_EQ(table.content_type_for("a.PNG"), "image/png");
            }
        });
    }
    for (auto& thread : threads) {
        thread.join();
    }
}

TEST(MimeTable, SystemMimeTypes) {
    const std::filesystem::path system_file{"/etc/mime.types"};
    if (!std::filesystem::is_regular_file(system_file)) {
        GTEST_SKIP() << system_file << " is absent";
    }
    const auto table = mime_table::load(system_file);
    EXPECT_EQ(table.loaded_from(), system_file);
    EXPECT_GT(table.size(), mime_table::built_in().size());
    expect_all(table, {
                          {"x.txt", "text/plain; charset=utf-8"},
                          {"x.TXT", "text/plain; charset=utf-8"},
                          {"x.webp", "image/webp"},
                          {"x.html", "text/html; charset=utf-8"},
                          {"x.png", "image/png"},
                          {"x.json", "application/json"},
                          // Only the last extension counts and no Content-Encoding is implied:
                          // Python reports ("application/x-tar", "gzip"), this gives .gz's type.
                          {"a.tar.gz", "application/gzip"},
                          // Not in Debian 12's file: the built-in entry remains.
                          {"x.yaml", "application/yaml"},
                          {"x.unknownext", "application/octet-stream"},
                      });
}

}  // namespace
}  // namespace simplefs::http
