#include "api/preconditions.hpp"

#include "api/file_metadata.hpp"

namespace simplefs::api {
namespace {

std::string joined(const http::request_header& header, http::field name) {
    std::string out;
    for (auto [it, end] = header.equal_range(name); it != end; ++it) {
        if (!out.empty()) {
            out += ", ";
        }
        out += it->value();
    }
    return out;
}

}  // namespace

request_conditions::request_conditions(const http::request_header& header)
    : if_match_(joined(header, http::field::if_match)),
      if_none_match_(joined(header, http::field::if_none_match)),
      if_modified_since_(header[http::field::if_modified_since]),
      if_unmodified_since_(header[http::field::if_unmodified_since]),
      if_range_(header[http::field::if_range]) {}

http::conditional_headers request_conditions::view() const {
    return {.if_match = if_match_,
            .if_none_match = if_none_match_,
            .if_modified_since = if_modified_since_,
            .if_unmodified_since = if_unmodified_since_,
            .if_range = if_range_};
}

bool request_conditions::create_only() const {
    auto first = if_none_match_.find_first_not_of(" \t");
    auto last = if_none_match_.find_last_not_of(" \t");
    return first != std::string::npos && if_none_match_.substr(first, last - first + 1) == "*";
}

http::resource_state state_of(const storage::file_info* info) {
    http::resource_state state;
    if (info == nullptr) {
        return state;
    }
    state.exists = true;
    state.etag = http::parse_entity_tag(entity_tag_of(*info));
    state.last_modified = info->modified;
    return state;
}

}  // namespace simplefs::api
