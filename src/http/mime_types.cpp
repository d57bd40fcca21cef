#include "http/mime_types.hpp"

#include <algorithm>
#include <array>
#include <cstddef>

namespace simplefs::http {

namespace {

struct mime_entry {
    std::string_view extension;
    std::string_view media_type;
};

constexpr std::string_view octet_stream = "application/octet-stream";
constexpr std::string_view utf8_suffix = "; charset=utf-8";

constexpr std::string_view docx =
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document";
constexpr std::string_view pptx =
    "application/vnd.openxmlformats-officedocument.presentationml.presentation";
constexpr std::string_view xlsx =
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";

// Sorted by extension (checked below); lower case. Values follow Python 3.11's mimetypes as it
// reads Debian 12's /etc/mime.types, except where Python has no answer (yaml, yml, toml, log,
// ini, conf), maps to a Content-Encoding (gz, bz2, xz, tgz) or picks the rarer use (3gp).
constexpr std::array mime_table{
    mime_entry{"3gp", "video/3gpp"},
    mime_entry{"7z", "application/x-7z-compressed"},
    mime_entry{"aac", "audio/aac"},
    mime_entry{"apk", "application/vnd.android.package-archive"},
    mime_entry{"atom", "application/atom+xml"},
    mime_entry{"avi", "video/x-msvideo"},
    mime_entry{"avif", "image/avif"},
    mime_entry{"bat", "application/x-msdos-program"},
    mime_entry{"bin", "application/octet-stream"},
    mime_entry{"bmp", "image/bmp"},
    mime_entry{"bz2", "application/x-bzip2"},
    mime_entry{"c", "text/x-csrc"},
    mime_entry{"cc", "text/x-c++src"},
    mime_entry{"conf", "text/plain"},
    mime_entry{"cpp", "text/x-c++src"},
    mime_entry{"crt", "application/x-x509-ca-cert"},
    mime_entry{"css", "text/css"},
    mime_entry{"csv", "text/csv"},
    mime_entry{"cxx", "text/x-c++src"},
    mime_entry{"deb", "application/vnd.debian.binary-package"},
    mime_entry{"diff", "text/x-diff"},
    mime_entry{"dll", "application/x-msdos-program"},
    mime_entry{"dmg", "application/x-apple-diskimage"},
    mime_entry{"doc", "application/msword"},
    mime_entry{"docx", docx},
    mime_entry{"eot", "application/vnd.ms-fontobject"},
    mime_entry{"eps", "application/postscript"},
    mime_entry{"epub", "application/epub+zip"},
    mime_entry{"exe", "application/x-msdos-program"},
    mime_entry{"flac", "audio/flac"},
    mime_entry{"flv", "video/x-flv"},
    mime_entry{"gif", "image/gif"},
    mime_entry{"gz", "application/gzip"},
    mime_entry{"h", "text/x-chdr"},
    mime_entry{"heic", "image/heic"},
    mime_entry{"heif", "image/heif"},
    mime_entry{"hpp", "text/x-c++hdr"},
    mime_entry{"htm", "text/html"},
    mime_entry{"html", "text/html"},
    mime_entry{"ico", "image/vnd.microsoft.icon"},
    mime_entry{"ics", "text/calendar"},
    mime_entry{"ini", "text/plain"},
    mime_entry{"iso", "application/x-iso9660-image"},
    mime_entry{"jar", "application/java-archive"},
    mime_entry{"java", "text/x-java"},
    mime_entry{"jpeg", "image/jpeg"},
    mime_entry{"jpg", "image/jpeg"},
    mime_entry{"js", "text/javascript"},
    mime_entry{"json", "application/json"},
    mime_entry{"jsonld", "application/ld+json"},
    mime_entry{"jxl", "image/jxl"},
    mime_entry{"log", "text/plain"},
    mime_entry{"m4a", "audio/mp4"},
    mime_entry{"m4v", "video/mp4"},
    mime_entry{"markdown", "text/markdown"},
    mime_entry{"md", "text/markdown"},
    mime_entry{"mjs", "text/javascript"},
    mime_entry{"mkv", "video/x-matroska"},
    mime_entry{"mov", "video/quicktime"},
    mime_entry{"mp3", "audio/mpeg"},
    mime_entry{"mp4", "video/mp4"},
    mime_entry{"mpeg", "video/mpeg"},
    mime_entry{"mpg", "video/mpeg"},
    mime_entry{"msi", "application/x-msi"},
    mime_entry{"odp", "application/vnd.oasis.opendocument.presentation"},
    mime_entry{"ods", "application/vnd.oasis.opendocument.spreadsheet"},
    mime_entry{"odt", "application/vnd.oasis.opendocument.text"},
    mime_entry{"oga", "audio/ogg"},
    mime_entry{"ogg", "audio/ogg"},
    mime_entry{"ogv", "video/ogg"},
    mime_entry{"opus", "audio/ogg"},
    mime_entry{"otf", "font/otf"},
    mime_entry{"patch", "text/x-diff"},
    mime_entry{"pdf", "application/pdf"},
    mime_entry{"pem", "application/pem-certificate-chain"},
    mime_entry{"pl", "text/x-perl"},
    mime_entry{"png", "image/png"},
    mime_entry{"ppt", "application/vnd.ms-powerpoint"},
    mime_entry{"pptx", pptx},
    mime_entry{"ps", "application/postscript"},
    mime_entry{"psd", "image/vnd.adobe.photoshop"},
    mime_entry{"py", "text/x-python"},
    mime_entry{"rar", "application/vnd.rar"},
    mime_entry{"rb", "application/x-ruby"},
    mime_entry{"rpm", "application/x-redhat-package-manager"},
    mime_entry{"rss", "application/x-rss+xml"},
    mime_entry{"rtf", "application/rtf"},
    mime_entry{"sh", "text/x-sh"},
    mime_entry{"sql", "application/sql"},
    mime_entry{"srt", "text/plain"},
    mime_entry{"svg", "image/svg+xml"},
    mime_entry{"tar", "application/x-tar"},
    mime_entry{"tex", "text/x-tex"},
    mime_entry{"text", "text/plain"},
    mime_entry{"tgz", "application/x-gtar-compressed"},
    mime_entry{"tif", "image/tiff"},
    mime_entry{"tiff", "image/tiff"},
    mime_entry{"toml", "application/toml"},
    mime_entry{"torrent", "application/x-bittorrent"},
    mime_entry{"tsv", "text/tab-separated-values"},
    mime_entry{"ttf", "font/ttf"},
    mime_entry{"txt", "text/plain"},
    mime_entry{"vcf", "text/vcard"},
    mime_entry{"vtt", "text/vtt"},
    mime_entry{"wasm", "application/wasm"},
    mime_entry{"wav", "audio/x-wav"},
    mime_entry{"webm", "video/webm"},
    mime_entry{"webmanifest", "application/manifest+json"},
    mime_entry{"webp", "image/webp"},
    mime_entry{"wma", "audio/x-ms-wma"},
    mime_entry{"wmv", "video/x-ms-wmv"},
    mime_entry{"woff", "font/woff"},
    mime_entry{"woff2", "font/woff2"},
    mime_entry{"xhtml", "application/xhtml+xml"},
    mime_entry{"xls", "application/vnd.ms-excel"},
    mime_entry{"xlsx", xlsx},
    mime_entry{"xml", "application/xml"},
    mime_entry{"xz", "application/x-xz"},
    mime_entry{"yaml", "application/yaml"},
    mime_entry{"yml", "application/yaml"},
    mime_entry{"zip", "application/zip"},
    mime_entry{"zst", "application/zstd"},
};

constexpr bool is_strictly_sorted() {
    for (std::size_t i = 1; i < mime_table.size(); ++i) {
        if (!(mime_table[i - 1].extension < mime_table[i].extension)) {
            return false;
        }
    }
    return true;
}
static_assert(is_strictly_sorted(), "mime_table must be sorted by extension without duplicates");

constexpr std::size_t longest_extension() {
    std::size_t longest = 0;
    for (const auto& entry : mime_table) {
        longest = std::max(longest, entry.extension.size());
    }
    return longest;
}

// os.path.splitext semantics on the last segment: leading dots never start an extension.
std::string_view extension_of(std::string_view file_name) {
    const auto slash = file_name.rfind('/');
    const auto segment = slash == std::string_view::npos ? file_name : file_name.substr(slash + 1);
    const auto dot = segment.rfind('.');
    if (dot == std::string_view::npos) {
        return {};
    }
    if (segment.find_first_not_of('.') >= dot) {
        return {};
    }
    return segment.substr(dot + 1);
}

std::string_view lookup(std::string_view file_name) {
    const auto extension = extension_of(file_name);
    std::array<char, longest_extension()> buffer{};
    if (extension.empty() || extension.size() > buffer.size()) {
        return octet_stream;
    }
    std::transform(extension.begin(), extension.end(), buffer.begin(), [](char c) {
        return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c;
    });
    const std::string_view key{buffer.data(), extension.size()};
    const auto* found = std::lower_bound(
        mime_table.begin(), mime_table.end(), key,
        [](const mime_entry& entry, std::string_view k) { return entry.extension < k; });
    if (found == mime_table.end() || found->extension != key) {
        return octet_stream;
    }
    return found->media_type;
}

bool wants_utf8_charset(std::string_view media_type) {
    return media_type.starts_with("text/") || media_type == "application/json" ||
           media_type == "application/javascript" || media_type == "application/xml";
}

}  // namespace

std::string content_type_for(std::string_view file_name) {
    const auto media_type = lookup(file_name);
    std::string result{media_type};
    if (wants_utf8_charset(media_type)) {
        result += utf8_suffix;
    }
    return result;
}

}  // namespace simplefs::http
