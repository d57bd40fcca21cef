// Conditional request fields (If-Match, If-None-Match, If-Modified-Since, If-Unmodified-Since,
// If-Range) evaluated against a resource state, and the entity-tag parsers under them.
//
// Input: one byte of flags (resource exists, has a modification time, GET/HEAD, Range), then
// lines: the resource's ETag field value, and the five field values in the order above.

#include "fuzz_support.hpp"
#include "http/conditional.hpp"
#include "http/etag.hpp"

#include <chrono>

using namespace simplefs::http;

namespace {

void check_entity_tag(std::string_view value) {
    const auto tag = parse_entity_tag(value);
    if (!tag) {
        return;
    }
    SIMPLEFS_FUZZ_CHECK(is_valid_opaque_tag(tag->opaque));
    SIMPLEFS_FUZZ_CHECK(tag->to_string() == value);
    SIMPLEFS_FUZZ_CHECK(weak_match(*tag, *tag));
    SIMPLEFS_FUZZ_CHECK(strong_match(*tag, *tag) == !tag->weak);
}

void check_entity_tag_list(std::string_view value) {
    const auto list = parse_entity_tag_list(value);
    if (!list) {
        return;
    }
    if (list->any) {
        SIMPLEFS_FUZZ_CHECK(list->tags.empty());
    }
    for (const auto& tag : list->tags) {
        SIMPLEFS_FUZZ_CHECK(is_valid_opaque_tag(tag.opaque));
        SIMPLEFS_FUZZ_CHECK(parse_entity_tag(tag.to_string()) == tag);
    }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    simplefs::fuzz::input in(data, size);
    const std::uint8_t flags = in.byte();
    const auto current_etag = in.line();
    conditional_headers h;
    h.if_match = in.line();
    h.if_none_match = in.line();
    h.if_modified_since = in.line();
    h.if_unmodified_since = in.line();
    h.if_range = in.line();

    for (auto value : {current_etag, h.if_match, h.if_none_match, h.if_range}) {
        check_entity_tag(value);
        check_entity_tag_list(value);
    }

    resource_state state;
    state.exists = (flags & 1) != 0;
    state.etag = parse_entity_tag(current_etag);
    if (flags & 2) {
        // 2001-09-09T01:46:40.5Z: a fraction of a second, as file times have.
        state.last_modified =
            std::chrono::system_clock::time_point(std::chrono::milliseconds(1'000'000'000'500));
    }
    const bool get_or_head = (flags & 4) != 0;
    const bool has_range = (flags & 8) != 0;
    const auto outcome = evaluate_preconditions(h, state, get_or_head, has_range);
    if (outcome.result == precondition_result::not_modified) {
        SIMPLEFS_FUZZ_CHECK(get_or_head);
    }
    if (!outcome.honour_range) {
        SIMPLEFS_FUZZ_CHECK(outcome.result == precondition_result::proceed);
        SIMPLEFS_FUZZ_CHECK(get_or_head && has_range);
    }
    // A conditional write never goes ahead on a precondition that could not be read.
    if (!h.if_match.empty() && !parse_entity_tag_list(h.if_match) &&
        h.if_match.find_first_not_of(" \t") != std::string_view::npos) {
        SIMPLEFS_FUZZ_CHECK(outcome.result == precondition_result::precondition_failed);
    }
    return 0;
}
