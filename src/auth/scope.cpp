#include "auth/scope.hpp"

#include <array>
#include <utility>

namespace simplefs::auth {
namespace {

constexpr std::array<std::pair<std::string_view, scope>, 4> names = {{
    {"read", scope::read},
    {"write", scope::write},
    {"delete", scope::remove},
    {"list", scope::list},
}};

}  // namespace

std::optional<scope> parse_scope(std::string_view word) noexcept {
    for (const auto& [name, s] : names) {
        if (word == name) {
            return s;
        }
    }
    return std::nullopt;
}

std::string_view scope_name(scope s) noexcept {
    for (const auto& [name, known] : names) {
        if (known == s) {
            return name;
        }
    }
    return "?";
}

}  // namespace simplefs::auth
