#pragma once

#include "http/etag.hpp"

#include <chrono>
#include <optional>
#include <string_view>

namespace simplefs::http {

/// What the server knows about the target resource's selected representation.
struct resource_state {
    /// The resource has a current representation. When false, `etag` and `last_modified` are
    /// ignored.
    bool exists = false;
    /// The current entity tag, if any. It should be strong: a weak one never satisfies If-Match
    /// or If-Range, which use the strong comparison (RFC 9110 §8.8.3.2).
    std::optional<entity_tag> etag = {};
    /// The modification time; any resolution (it is compared at whole seconds).
    std::optional<std::chrono::system_clock::time_point> last_modified = {};
};

/// Raw request field values; an empty value (or one of only spaces and tabs) means the field is
/// absent. When a request repeats If-Match or If-None-Match, the caller joins the values with
/// ", " (RFC 9110 §5.3). Repeated date fields or If-Range may be joined the same way: the joined
/// value is then not a valid date or validator, with the effects documented below.
struct conditional_headers {
    std::string_view if_match = {};
    std::string_view if_none_match = {};
    std::string_view if_modified_since = {};
    std::string_view if_unmodified_since = {};
    std::string_view if_range = {};
};

enum class precondition_result {
    proceed,              ///< perform the method
    not_modified,         ///< answer 304 Not Modified (GET and HEAD only)
    precondition_failed,  ///< answer 412 Precondition Failed
};

struct precondition_outcome {
    precondition_result result = precondition_result::proceed;
    /// False only when the result is proceed and If-Range applied and did not match: ignore the
    /// Range field and send the whole representation with 200 (RFC 9110 §13.1.5).
    bool honour_range = true;
};

/// Evaluates the preconditions of a request in the order of RFC 9110 §13.2.2:
///
/// 1. If-Match (§13.1.1): "*" is true iff the resource exists; a list is true iff a listed tag
///    matches the current ETag by strong comparison, so weak tags never match. False gives 412.
///    The RFC does not say what an invalid value means; it counts as false (412) so that a
///    conditional write is never performed unconditionally. A list of only empty elements
///    (e.g. ",") has no tags and is also false.
/// 2. Otherwise If-Unmodified-Since (§13.1.4): 412 when the resource was modified after the
///    date. Ignored, as the section allows or requires, when the value is not one HTTP-date
///    (including a list of dates) or the resource does not exist or has no modification time.
///    Applies to every method.
/// 3. If-None-Match (§13.1.2): "*" matches iff the resource exists; a list matches iff a listed
///    tag equals the current ETag by weak comparison. A match gives 304 for GET and HEAD and 412
///    for other methods. An invalid value fails safe: for GET and HEAD it counts as no match (a
///    full response is always correct), for other methods as a match (412), so that e.g. a
///    create-only PUT is never turned into an overwrite.
/// 4. Otherwise, for GET and HEAD only, If-Modified-Since (§13.1.3): 304 when the resource was
///    not modified after the date. Ignored when If-None-Match is present (whatever its
///    validity), when the value is not one HTTP-date, or when the resource does not exist or
///    has no modification time. A date later than the server's clock is not rejected:
///    RFC 9110 dropped that RFC 2616 §14.25 rule and compares with "earlier or equal" alone.
/// 5. For GET with a Range field, If-Range (§13.1.5): an entity-tag value (one starting with
///    a DQUOTE or "W/") matches iff it strongly matches the current ETag, so a weak tag never
///    matches; any other value must be an HTTP-date exactly equal to the modification time at
///    whole seconds. The date is taken as a strong validator (§8.8.2.2), which is exact only if
///    the file cannot change twice within one second. An invalid value, a list, or a resource
///    lacking the needed validator does not match. No match sets honour_range to false.
///
/// Dates are compared at one-second resolution, as HTTP-dates carry no fractions: the
/// modification time is rounded down to its second first, so a file modified at 12:00:00.7 is
/// "not modified since" 12:00:00. Values are stripped of surrounding OWS; dates may use any of
/// the three HTTP-date forms (§5.6.7).
///
/// `method_is_get_or_head` selects step 3's 304 and step 4. If-Range is evaluated when both
/// `method_is_get_or_head` and `has_range` are set, so the caller passes has_range only for GET:
/// Range is defined for GET alone (§14.2) and a HEAD request's Range is to be ignored.
///
/// The caller keeps the rest of §13.2.1: it evaluates preconditions only when the response
/// without them would be 2xx or 412 (so e.g. a GET of a missing file is answered 404 before
/// calling this), and not for methods such as OPTIONS that neither select nor modify a
/// representation. A 412 for a state-changing request may be replaced by a 2xx when the
/// caller can tell that the same change was already made (§13.1.1, §13.1.4).
precondition_outcome evaluate_preconditions(const conditional_headers& h, const resource_state& r,
                                            bool method_is_get_or_head, bool has_range);

}  // namespace simplefs::http
