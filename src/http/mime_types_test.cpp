#include "http/mime_types.hpp"

#include <gtest/gtest.h>

#include <initializer_list>
#include <string_view>

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
        {"a.json", "application/json; charset=utf-8"},
        {"a.xml", "application/xml; charset=utf-8"},
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
        {"a/b/c/d.json", "application/json; charset=utf-8"},
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

}  // namespace
}  // namespace simplefs::http
