#include "api/query.hpp"

#include <boost/url/parse_query.hpp>

namespace simplefs::api {

std::optional<std::string> query_value(std::string_view encoded_query, std::string_view key) {
    // Boost 1.81's parse_query measures its input with strlen (boostorg/url#757): give it a
    // NUL-terminated copy, never a view into the request (which has no NUL after the query).
    const std::string owned(encoded_query);
    auto params = boost::urls::parse_query(owned);
    if (!params) {
        return std::nullopt;
    }
    for (auto param : *params) {
        if (param.key.decode() == key) {
            return param.has_value ? param.value.decode() : std::string();
        }
    }
    return std::nullopt;
}

}  // namespace simplefs::api
