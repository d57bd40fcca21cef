#include "http/conditional.hpp"

#include "http/http_date.hpp"
#include "http/ows.hpp"

#include <algorithm>

namespace simplefs::http {
namespace {

using std::chrono::system_clock;

bool present(std::string_view value) noexcept {
    return !trim_ows(value).empty();
}

precondition_outcome outcome(precondition_result result) noexcept {
    precondition_outcome out;
    out.result = result;
    return out;
}

/// RFC 9110 §5.6.7: HTTP-dates have whole seconds, so the modification time is rounded down to
/// its second (toward the past, also before 1970) before comparing.
std::chrono::sys_seconds modified_second(const resource_state& r) {
    return std::chrono::floor<std::chrono::seconds>(*r.last_modified);
}

bool list_matches(const entity_tag_list& list, const resource_state& r, bool strong) {
    if (!r.exists) {
        return false;
    }
    if (list.any) {
        return true;
    }
    if (!r.etag) {
        return false;
    }
    return std::ranges::any_of(list.tags, [&](const entity_tag& tag) {
        return strong ? strong_match(tag, *r.etag) : weak_match(tag, *r.etag);
    });
}

/// RFC 9110 §13.1.1; an invalid value is false.
bool if_match_holds(std::string_view value, const resource_state& r) {
    const auto list = parse_entity_tag_list(value);
    return list && list_matches(*list, r, true);
}

/// RFC 9110 §13.1.2: true when no listed tag matches. An invalid value is true for GET and
/// HEAD and false otherwise.
bool if_none_match_holds(std::string_view value, const resource_state& r,
                         bool method_is_get_or_head) {
    const auto list = parse_entity_tag_list(value);
    if (!list) {
        return method_is_get_or_head;
    }
    return !list_matches(*list, r, false);
}

/// The date of an If-Modified-Since or If-Unmodified-Since value, or nullopt when the field
/// must or may be ignored (RFC 9110 §13.1.3, §13.1.4).
std::optional<system_clock::time_point> usable_date(std::string_view value,
                                                    const resource_state& r) {
    if (!r.exists || !r.last_modified) {
        return std::nullopt;
    }
    return parse_http_date(trim_ows(value));
}

/// RFC 9110 §13.1.5.
bool if_range_holds(std::string_view value, const resource_state& r) {
    if (!r.exists) {
        return false;
    }
    const auto v = trim_ows(value);
    if (v.starts_with('"') || v.starts_with("W/")) {
        const auto tag = parse_entity_tag(v);
        return tag && r.etag && strong_match(*tag, *r.etag);
    }
    const auto date = parse_http_date(v);
    return date && r.last_modified && modified_second(r) == *date;
}

}  // namespace

precondition_outcome evaluate_preconditions(const conditional_headers& h, const resource_state& r,
                                            bool method_is_get_or_head, bool has_range) {
    if (present(h.if_match)) {
        if (!if_match_holds(h.if_match, r)) {
            return outcome(precondition_result::precondition_failed);
        }
    } else if (present(h.if_unmodified_since)) {
        if (const auto date = usable_date(h.if_unmodified_since, r);
            date && modified_second(r) > *date) {
            return outcome(precondition_result::precondition_failed);
        }
    }

    if (present(h.if_none_match)) {
        if (!if_none_match_holds(h.if_none_match, r, method_is_get_or_head)) {
            return outcome(method_is_get_or_head ? precondition_result::not_modified
                                                 : precondition_result::precondition_failed);
        }
    } else if (method_is_get_or_head && present(h.if_modified_since)) {
        if (const auto date = usable_date(h.if_modified_since, r);
            date && modified_second(r) <= *date) {
            return outcome(precondition_result::not_modified);
        }
    }

    auto out = outcome(precondition_result::proceed);
    if (method_is_get_or_head && has_range && present(h.if_range)) {
        out.honour_range = if_range_holds(h.if_range, r);
    }
    return out;
}

}  // namespace simplefs::http
