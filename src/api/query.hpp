#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace simplefs::api {

/// The percent-decoded value of the first `key` parameter in an encoded query string ("" for a
/// key without '='), or nullopt when absent or not valid percent-encoding.
std::optional<std::string> query_value(std::string_view encoded_query, std::string_view key);

}  // namespace simplefs::api
