#include "api/query.hpp"

#include <boost/url/parse_query.hpp>

#include <charconv>

namespace simplefs::api {
namespace {

constexpr std::size_t default_limit = 1000;
constexpr std::size_t max_limit = 10000;

}  // namespace

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

list_query parse_list_query(std::string_view encoded_query) {
    list_query q;
    q.options.limit = default_limit;
    q.options.prefix = query_value(encoded_query, "prefix").value_or("");
    q.options.after = query_value(encoded_query, "cursor").value_or("");
    if (auto text = query_value(encoded_query, "limit")) {
        std::size_t limit = 0;
        auto [end, ec] = std::from_chars(text->data(), text->data() + text->size(), limit);
        if (ec != std::errc() || end != text->data() + text->size() || limit == 0 ||
            limit > max_limit) {
            q.error = "limit must be a whole number from 1 to 10000";
        }
        q.options.limit = limit;
    }
    return q;
}

}  // namespace simplefs::api
