#pragma once

#include "storage/backend.hpp"

#include <optional>
#include <string>
#include <string_view>

namespace simplefs::api {

/// The percent-decoded value of the first `key` parameter in an encoded query string ("" for a
/// key without '='), or nullopt when absent or not valid percent-encoding.
std::optional<std::string> query_value(std::string_view encoded_query, std::string_view key);

/// A listing's query: `prefix`, `cursor` (a previous page's `next`) and `limit`.
struct list_query {
    storage::list_options options;
    /// Set when the query is refused (400); the text is for the client.
    std::optional<std::string> error;
};

/// Parses the query of GET /files/: absent parameters take their defaults (limit 1000), a
/// `limit` must be a whole number from 1 to 10000. The prefix and cursor are taken as sent;
/// they only select and order names, so the backend needs no other check.
list_query parse_list_query(std::string_view encoded_query);

}  // namespace simplefs::api
