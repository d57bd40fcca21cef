#pragma once

#include <cstddef>
#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

namespace simplefs::http {

/// Maps file extensions to media types, like Python's mimetypes with Debian's /etc/mime.types.
///
/// The extension is the part after the last '.' of the last '/'-separated segment, compared
/// ASCII case-insensitively. Leading dots do not start an extension (".bashrc", "..txt" have
/// none), as in Python's os.path.splitext. Unknown or missing extensions give
/// "application/octet-stream".
///
/// text/* types get "; charset=utf-8" appended (the type is compared case-insensitively), as
/// Starlette did for every text/* response; other types stay bare. Compressed formats (.gz, .bz2,
/// .xz, .zst, .tgz) map to their archive type; unlike Python, no Content-Encoding is implied, so
/// "a.tar.gz" is whatever ".gz" maps to.
///
/// A table is immutable once built: build it at start-up, then share it; concurrent calls of
/// the const members are safe.
class mime_table {
public:
    /// The compiled-in table of common extensions only.
    static mime_table built_in();

    /// The compiled-in table overlaid with the entries of a file in the /etc/mime.types format:
    /// lines of "type/subtype ext1 ext2 ..." separated by ASCII spaces or tabs (CRLF line ends
    /// are fine). As in Python, a word starting with '#' comments out the rest of its line, and
    /// a line's extensions are registered in order, so for an extension listed more than once
    /// the last listing wins. File entries win over built-in ones; built-in entries remain for
    /// the extensions the file does not list.
    ///
    /// Extensions are stored lower-cased, so "JPG" in the file also matches "a.jpg". Lines whose
    /// first word is not a valid media type (two RFC 9110 tokens joined by one '/') are ignored
    /// whole, as are extension words that no file name could match through the rule above
    /// (words containing '.' or '/', such as Debian's "tar.gz"-style entries) or that contain
    /// control characters. Media types are kept as written.
    ///
    /// If the file does not exist, is not a regular file (symlinks are followed) or cannot be
    /// read, the result is built_in() and loaded_from() is empty. Never throws except
    /// std::bad_alloc.
    static mime_table load(const std::filesystem::path& mime_types_file);

    /// The Content-Type for a file name, following the rules in the class comment.
    std::string content_type_for(std::string_view file_name) const;

    /// Number of distinct extensions known.
    std::size_t size() const { return entries_.size(); }

    /// The file whose entries were merged in by load(); empty for built_in() and when load()
    /// fell back to it.
    const std::filesystem::path& loaded_from() const { return loaded_from_; }

private:
    struct entry {
        std::string extension;  // lower case
        std::string media_type;
    };

    mime_table() = default;

    std::vector<entry> entries_;  // sorted by extension, no duplicates
    std::size_t longest_extension_ = 0;
    std::filesystem::path loaded_from_;
};

/// content_type_for() of mime_table::built_in(), shared by all callers.
std::string content_type_for(std::string_view file_name);

}  // namespace simplefs::http
