#pragma once

#include <string>
#include <string_view>

namespace simplefs::http {

/// Builds a Content-Disposition field value that asks the client to save the response under
/// `filename` (RFC 6266 §4, with the RFC 8187 (formerly RFC 5987) extended parameter).
///
/// `filename` is UTF-8. Invalid UTF-8 bytes (each byte that does not belong to a well-formed
/// sequence: overlongs, surrogates and code points above U+10FFFF included) and control
/// characters (U+0000..U+001F, U+007F) are replaced by '_' first, so the result never holds
/// CR, LF, NUL or any other control byte.
///
/// The value always has `attachment; filename="<fallback>"`, where the fallback is the name with
/// every non-ASCII character (one code point, not one byte) replaced by '_' and '"' and '\'
/// written as quoted-pairs. When the name has anything but printable ASCII, or one of '"', '\'
/// or '%' (which some user agents mishandle in the quoted form, RFC 6266 Appendix D), it is
/// followed by `; filename*=UTF-8''<percent-encoded name>`, which such agents prefer.
std::string attachment_disposition(std::string_view filename);

}  // namespace simplefs::http
