#pragma once

#include <boost/system/error_code.hpp>

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <type_traits>

namespace simplefs::http {

/// Headers of one form-data part.
struct multipart_part {
    /// The `name` parameter of Content-Disposition (quoted-string unescaped; may be empty).
    std::string name;
    /// The file name: the RFC 5987 `filename*` decoded to UTF-8 when present, else `filename`;
    /// nullopt when the part has neither. Never contains control characters (< 0x20, 0x7f) other
    /// than HTAB, which a quoted-string may hold (RFC 9110 §5.6.4), but is otherwise as sent: it
    /// may be empty (browsers send filename="" for an empty file input), hold '/', '\\' or "..",
    /// and browser percent escapes (%22, %0D, %0A) are not decoded.
    std::optional<std::string> filename;
    /// The part's Content-Type value with surrounding whitespace removed; "" when absent.
    std::string content_type;
};

/// What multipart_parser::next() reports.
enum class multipart_event {
    need_more,   ///< all input was consumed (or the parser failed: check the error code)
    part_begin,  ///< the headers of a new part were read; see part()
    part_data,   ///< a non-empty piece of the current part's content; see data()
    part_end,    ///< the current part's content is complete
    done,        ///< the close delimiter was seen; the rest of the body is ignored
};

/// Why a multipart body was rejected.
enum class multipart_error {
    bad_boundary = 1,  ///< the boundary given to the parser breaks RFC 2046 (1..70 bchars)
    malformed,         ///< the body breaks RFC 2046 / RFC 7578 framing or header syntax
    header_too_large,  ///< a part's header block exceeds multipart_limits::max_header_bytes
    too_many_parts,    ///< the body has more than multipart_limits::max_parts parts
    too_many_headers,  ///< a part has more than multipart_limits::max_headers_per_part headers
    truncated,         ///< the body ended before the close delimiter
};

const boost::system::error_category& multipart_category() noexcept;

inline boost::system::error_code make_error_code(multipart_error e) noexcept {
    return {static_cast<int>(e), multipart_category()};
}

/// Bounds on what one body may make the parser do or hold.
struct multipart_limits {
    /// Bytes of one part's header block, counted from the end of its delimiter (transport padding
    /// and line breaks included) through the empty line. This bounds the parser's memory.
    std::size_t max_header_bytes = 16 * 1024;
    std::size_t max_parts = 1000;
    std::size_t max_headers_per_part = 32;
};

/// Incremental, pull-style multipart/form-data parser (RFC 7578 over RFC 2046). It never buffers
/// part content: data is handed out as views into the caller's input, apart from at most
/// boundary-length + 3 bytes that might have begun a delimiter and are held back until they are
/// known to be content. Memory use is bounded by max_header_bytes plus the boundary.
///
/// Framing rules: the preamble is skipped; a delimiter is CRLF "--" boundary, and the first one
/// may instead open the body without the CRLF. A delimiter is followed by optional spaces or tabs
/// and CRLF, or by "--" which makes it the close delimiter; anything else is malformed, including
/// a boundary followed by other characters. A part's content may also be absent, i.e. the
/// delimiter may directly follow the empty line ending its headers. Everything after the close
/// delimiter is ignored. A body whose first delimiter is the close delimiter has no parts and is
/// accepted. Line breaks must be CRLF; header names are case-insensitive, headers may not be
/// folded, and unknown headers are ignored. Each part needs exactly one
/// `Content-Disposition: form-data` with a `name`; Content-Type may appear at most once.
/// In Content-Disposition quoted strings a backslash escapes only '"' and '\\' and is otherwise
/// kept, since browsers send backslashes in file names unescaped.
class multipart_parser {
public:
    /// `boundary` is the bare boundary (see form_data_boundary). An invalid one is reported as
    /// multipart_error::bad_boundary by the first next().
    explicit multipart_parser(std::string boundary, multipart_limits limits = {});

    /// Consumes a prefix of `input` (advancing it) and returns the next event; clears `ec` on
    /// success. need_more means all of `input` was consumed and more is needed. After
    /// part_data, data() is valid until the next call; it may point into `input` or into the
    /// parser. After done every further call consumes all input and returns done again. On an
    /// error, sets `ec`, returns need_more and stays failed: later calls report the same error.
    multipart_event next(std::string_view& input, boost::system::error_code& ec);

    /// The content piece of the last part_data event.
    std::string_view data() const noexcept { return data_; }
    /// The current part: valid from part_begin until the next part_begin.
    const multipart_part& part() const noexcept { return part_; }
    /// The close delimiter was seen.
    bool done() const noexcept { return state_ == state::done; }
    /// Call when the body has ended: the parser's error if it failed, else
    /// multipart_error::truncated if the close delimiter was not seen, else success.
    boost::system::error_code finish() const noexcept;

private:
    enum class state : unsigned char {
        preamble,
        after_delimiter,
        headers,
        body,
        body_end,
        done,
        failed
    };
    enum class tail : unsigned char { start, dash, padding, cr };
    struct scan_result {
        std::string_view data;
        bool found = false;
    };

    scan_result scan(std::string_view& input);
    multipart_event fail(multipart_error e, boost::system::error_code& ec);
    multipart_event consume_after_delimiter(std::string_view& input, boost::system::error_code& ec);
    multipart_event consume_headers(std::string_view& input, boost::system::error_code& ec);
    std::optional<multipart_error> process_header_line();
    void enter_after_delimiter() noexcept;
    bool count_header_bytes(std::size_t n) noexcept;

    std::string delimiter_;
    multipart_limits limits_;
    state state_ = state::preamble;
    tail tail_ = tail::start;
    std::size_t matched_ = 0;
    std::size_t virtual_ = 0;
    std::size_t header_bytes_ = 0;
    std::size_t header_count_ = 0;
    std::size_t parts_ = 0;
    bool header_cr_ = false;
    bool have_disposition_ = false;
    bool have_content_type_ = false;
    std::string line_;
    multipart_part pending_;
    multipart_part part_;
    std::string_view data_;
    boost::system::error_code error_;
};

/// Extracts the boundary from a Content-Type value "multipart/form-data; boundary=...": type,
/// subtype and parameter names are case-insensitive, the value a token or quoted-string, other
/// parameters ignored. Returns nullopt if the type is not multipart/form-data, the value is not
/// well formed, or the boundary is missing, repeated, or breaks RFC 2046 (1..70 characters from
/// bchars, not ending in a space).
std::optional<std::string> form_data_boundary(std::string_view content_type);

}  // namespace simplefs::http

template <>
struct boost::system::is_error_code_enum<simplefs::http::multipart_error> : std::true_type {};
