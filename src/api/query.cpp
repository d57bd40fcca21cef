#include "api/query.hpp"

#include <boost/url/parse_query.hpp>

namespace simplefs::api {

std::optional<std::string> query_value(std::string_view encoded_query, std::string_view key) {
    auto params = boost::urls::parse_query(encoded_query);
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
