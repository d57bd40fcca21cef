#pragma once

#include <string>
#include <string_view>

namespace simplefs::http {

/// Guesses the Content-Type of a file from its name, like Python's mimetypes.guess_type with
/// Debian's /etc/mime.types, from a compiled-in table of common extensions.
///
/// The extension is the part after the last '.' of the last '/'-separated segment, compared
/// ASCII case-insensitively. Leading dots do not start an extension (".bashrc", "..txt" have
/// none), as in Python's os.path.splitext. Unknown or missing extensions give
/// "application/octet-stream".
///
/// text/* types and application/json, application/javascript and application/xml get
/// "; charset=utf-8" appended. Starlette adds that parameter to every text/* response it sends;
/// the JSON, JavaScript and XML types are added because their content is UTF-8 in practice too.
/// Compressed formats (.gz, .bz2, .xz, .zst, .tgz) map to their archive type; unlike Python, no
/// Content-Encoding is implied.
std::string content_type_for(std::string_view file_name);

}  // namespace simplefs::http
