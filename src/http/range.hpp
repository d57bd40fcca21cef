#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace simplefs::http {

/// A run of `length` bytes of a representation starting at byte `offset`. Unlike the inclusive
/// first-pos/last-pos of RFC 9110 §14.1.2 this is half-open: it covers offset .. offset+length-1.
struct byte_range {
    std::uint64_t offset = 0;
    std::uint64_t length = 0;

    friend bool operator==(const byte_range&, const byte_range&) = default;
};

/// What to do with a request's Range header field (RFC 9110 §14.2).
enum class range_outcome {
    ignore,         ///< serve the whole representation: 200 (OK)
    satisfiable,    ///< serve the selected ranges: 206 (Partial Content), RFC 9110 §15.3.7
    unsatisfiable,  ///< 416 (Range Not Satisfiable) with unsatisfied_content_range, §15.5.17
};

/// The result of select_ranges.
struct range_selection {
    range_outcome outcome = range_outcome::ignore;
    /// With range_outcome::satisfiable: one or more non-empty ranges, each within the
    /// representation, no two overlapping or adjacent. Empty otherwise.
    std::vector<byte_range> ranges;
};

/// Parses a Range field value (RFC 9110 §14.2) and resolves it against a selected representation
/// of `size` bytes (§14.1.2). Surrounding OWS of the whole value is skipped, as a field value
/// excludes it (§5.5).
///
/// Syntax is checked strictly against `ranges-specifier = range-unit "=" range-set` with
/// `range-set = 1#range-spec` in the recipient's list form (§5.6.1.2): OWS is allowed only next
/// to commas, empty list elements are skipped ("bytes=0-1,,2-3"), at least one range-spec is
/// required, and each range-spec is exactly `1*DIGIT "-" [1*DIGIT]` or `"-" 1*DIGIT` with ASCII
/// digits only (no signs, no spaces inside). The range unit is compared case-insensitively (§14.1).
///
/// The outcome is range_outcome::ignore (§14.2: "A server MAY ignore the Range header field") when
///  - the value is empty;
///  - the unit is not "bytes";
///  - anything in the value is invalid, including an int-range whose last-pos is less than its
///    first-pos (§14.1.2): one bad range-spec spoils the whole field;
///  - it has more than `max_ranges` range-specs (empty list elements not counted, unsatisfiable
///    range-specs counted), so max_ranges == 0 ignores every Range field;
///  - the satisfiable ranges, clipped to the representation and before coalescing, add up to
///    more than twice `size` bytes: the client asks for the same bytes over and over, a sign of a
///    broken client or a denial-of-service attempt (§14.2, §17.15); the whole representation is
///    never more than it asked for. This still allows e.g. "bytes=0-,-500";
///  - `size` is 0 and some range-spec is a suffix-range with a non-zero suffix-length. §14.1.2
///    calls exactly that satisfiable on a zero-length representation, so 416 would be wrong, but
///    it selects no bytes and an empty range cannot be written as a Content-Range incl-range
///    (§14.4); the empty 200 response is what the client asked for.
///
/// Otherwise a range-spec is satisfiable when it is an int-range with first-pos < `size` or a
/// suffix-range with a non-zero suffix-length (§14.1.2); a last-pos at or past the end and a
/// suffix-length longer than the representation are clipped to it. If none is satisfiable the
/// outcome is range_outcome::unsatisfiable (so "bytes=-0" and, with `size` 0, every int-range
/// give 416); else range_outcome::satisfiable with only the satisfiable ranges.
///
/// Numbers may have any number of digits. Values past 2^64-1 are taken as that, which resolves
/// them exactly as their true values would (a huge first-pos is unsatisfiable, a huge last-pos or
/// suffix-length reaches the end); first-pos and last-pos are compared by their exact values.
///
/// When several ranges remain, overlapping or adjacent ones are coalesced into one
/// (§15.3.7.2 permits it regardless of order), so "bytes=500-600,601-999" gives the single
/// range 500..999. The ranges are kept in request order: a coalesced range takes the place of the
/// first of its range-specs in the field.
range_selection select_ranges(std::string_view range_header, std::uint64_t size,
                              std::size_t max_ranges = 100);

/// The Content-Range field value of a 206 response or of a multipart/byteranges part
/// (RFC 9110 §14.4): "bytes first-last/size", e.g. "bytes 0-99/1234". `r` must be non-empty and
/// lie within `size` bytes, as the ranges from select_ranges do.
std::string content_range(const byte_range& r, std::uint64_t size);

/// The Content-Range field value of a 416 response (RFC 9110 §14.4, §15.5.17): "bytes */size".
std::string unsatisfied_content_range(std::uint64_t size);

/// One part of a multipart/byteranges body: its framing and header, then the range's bytes.
struct byteranges_part {
    /// The delimiter line and part header through the empty line. The first part's header
    /// starts with "--boundary"; every later one with "\r\n--boundary", the CRLF that ends the
    /// previous part's bytes belonging to the delimiter (RFC 2046 §5.1.1).
    std::string header;
    byte_range range;
};

/// The framing of a multipart/byteranges response body (RFC 9110 §14.6): for each part its
/// header and then its bytes, then the trailer.
struct byteranges_plan {
    std::string boundary;
    std::vector<byteranges_part> parts;
    /// The close delimiter "\r\n--boundary--\r\n".
    std::string trailer;
    /// The Content-Length of the whole body: every header, range length and the trailer.
    std::uint64_t total_length = 0;
    /// The response's Content-Type: "multipart/byteranges; boundary=...", with the boundary
    /// quoted when it is not a token.
    std::string content_type;
};

/// Plans a multipart/byteranges body (RFC 9110 §14.6) for `ranges` of a representation of `size`
/// bytes, one part per range in the given order, without touching the bytes. Each part header
/// has "Content-Type: `part_content_type`" (left out when it is empty: §14.6 asks for the
/// Content-Type a 200 response would have had) and "Content-Range: bytes first-last/size".
///
/// `ranges` must be non-empty, each range as content_range requires (the ranges of a
/// satisfiable select_ranges result qualify). `part_content_type` must be a valid field value.
/// `boundary` must be 1..70 RFC 2046 bchars not ending in a space and must not occur in the
/// selected bytes; make_boundary makes such a boundary with overwhelming probability.
byteranges_plan plan_byteranges(const std::vector<byte_range>& ranges, std::uint64_t size,
                                std::string_view part_content_type, std::string boundary);

/// A fresh multipart boundary (RFC 2046 §5.1.1): 32 lowercase hex digits (128 bits) drawn from
/// std::random_device.
std::string make_boundary();

}  // namespace simplefs::http
