#include "http/mime_types.hpp"

#include <algorithm>
#include <array>
#include <cstddef>
#include <fstream>
#include <map>
#include <system_error>
#include <utility>

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
constexpr std::array built_in_entries{
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
    for (std::size_t i = 1; i < built_in_entries.size(); ++i) {
        if (!(built_in_entries[i - 1].extension < built_in_entries[i].extension)) {
            return false;
        }
    }
    return true;
}
static_assert(is_strictly_sorted(),
              "built_in_entries must be sorted by extension without duplicates");

constexpr char ascii_lower(char c) {
    return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c;
}

std::string to_ascii_lower(std::string_view s) {
    std::string result{s};
    std::transform(result.begin(), result.end(), result.begin(), ascii_lower);
    return result;
}

bool iequals(std::string_view a, std::string_view b) {
    return std::equal(a.begin(), a.end(), b.begin(), b.end(),
                      [](char x, char y) { return ascii_lower(x) == ascii_lower(y); });
}

bool istarts_with(std::string_view s, std::string_view prefix) {
    return s.size() >= prefix.size() && iequals(s.substr(0, prefix.size()), prefix);
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

// Starlette added the charset to text/* only; application/json etc. stay bare, as clients saw.
bool wants_utf8_charset(std::string_view media_type) {
    return istarts_with(media_type, "text/");
}

// RFC 9110 section 5.6.2 tchar.
bool is_tchar(char c) {
    if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')) {
        return true;
    }
    return std::string_view{"!#$%&'*+-.^_`|~"}.find(c) != std::string_view::npos;
}

bool is_token(std::string_view s) {
    return !s.empty() && std::all_of(s.begin(), s.end(), is_tchar);
}

bool is_media_type(std::string_view word) {
    const auto slash = word.find('/');
    return slash != std::string_view::npos && is_token(word.substr(0, slash)) &&
           is_token(word.substr(slash + 1));
}

// Whether a file name could have this extension: extension_of never returns '.' or '/'.
bool is_usable_extension(std::string_view word) {
    return std::none_of(word.begin(), word.end(), [](char c) {
        const auto u = static_cast<unsigned char>(c);
        return c == '.' || c == '/' || u < 0x20 || u == 0x7f;
    });
}

constexpr std::string_view whitespace = " \t\r\n\v\f";

// Splits on ASCII whitespace, stopping at the first word that starts with '#'.
std::vector<std::string_view> words_of(std::string_view line) {
    std::vector<std::string_view> words;
    auto pos = line.find_first_not_of(whitespace);
    while (pos != std::string_view::npos && line[pos] != '#') {
        const auto end = line.find_first_of(whitespace, pos);
        words.push_back(line.substr(pos, end == std::string_view::npos ? end : end - pos));
        pos = line.find_first_not_of(whitespace, end);
    }
    return words;
}

using extension_map = std::map<std::string, std::string, std::less<>>;

void parse_line(std::string_view line, extension_map& out) {
    const auto words = words_of(line);
    if (words.empty() || !is_media_type(words.front())) {
        return;
    }
    for (std::size_t i = 1; i < words.size(); ++i) {
        if (is_usable_extension(words[i])) {
            out.insert_or_assign(to_ascii_lower(words[i]), std::string{words.front()});
        }
    }
}

}  // namespace

mime_table mime_table::built_in() {
    mime_table table;
    table.entries_.reserve(built_in_entries.size());
    for (const auto& e : built_in_entries) {
        table.entries_.push_back({std::string{e.extension}, std::string{e.media_type}});
        table.longest_extension_ = std::max(table.longest_extension_, e.extension.size());
    }
    return table;
}

mime_table mime_table::load(const std::filesystem::path& mime_types_file) {
    std::error_code ec;
    if (!std::filesystem::is_regular_file(mime_types_file, ec)) {
        return built_in();
    }
    std::ifstream in{mime_types_file, std::ios::binary};
    if (!in) {
        return built_in();
    }
    extension_map merged;
    for (const auto& e : built_in_entries) {
        merged.emplace(e.extension, e.media_type);
    }
    std::string line;
    while (std::getline(in, line)) {
        parse_line(line, merged);
    }
    if (in.bad()) {
        return built_in();
    }

    mime_table table;
    table.entries_.reserve(merged.size());
    for (auto& [extension, media_type] : merged) {
        table.longest_extension_ = std::max(table.longest_extension_, extension.size());
        table.entries_.push_back({extension, std::move(media_type)});
    }
    table.loaded_from_ = mime_types_file;
    return table;
}

std::string mime_table::content_type_for(std::string_view file_name) const {
    std::string_view media_type = octet_stream;
    const auto extension = extension_of(file_name);
    if (!extension.empty() && extension.size() <= longest_extension_) {
        const auto key = to_ascii_lower(extension);
        const auto found =
            std::lower_bound(entries_.begin(), entries_.end(), key,
                             [](const entry& e, const std::string& k) { return e.extension < k; });
        if (found != entries_.end() && found->extension == key) {
            media_type = found->media_type;
        }
    }
    std::string result{media_type};
    if (wants_utf8_charset(media_type)) {
        result += utf8_suffix;
    }
    return result;
}

std::string content_type_for(std::string_view file_name) {
    static const mime_table table = mime_table::built_in();
    return table.content_type_for(file_name);
}

}  // namespace simplefs::http
