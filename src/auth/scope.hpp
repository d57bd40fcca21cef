#pragma once

#include <optional>
#include <string_view>

namespace simplefs::auth {

/// What a token may do. A token holds a set of them (scope_set, one bit each).
enum class scope : unsigned {
    read = 1,    ///< GET and HEAD /files/{name}
    write = 2,   ///< PUT /files/{name}, POST /files/
    remove = 4,  ///< DELETE /files/{name} ("delete" in token files)
    list = 8,    ///< GET /files/ and /files/{folder}/
};

using scope_set = unsigned;

constexpr scope_set bit(scope s) noexcept {
    return static_cast<scope_set>(s);
}

constexpr bool has_scope(scope_set set, scope s) noexcept {
    return (set & bit(s)) != 0;
}

/// The scope named as in a token file ("read", "write", "delete", "list"), or nullopt.
std::optional<scope> parse_scope(std::string_view word) noexcept;

/// The token file's name for a scope.
std::string_view scope_name(scope s) noexcept;

}  // namespace simplefs::auth
