#pragma once

#include "auth/scope.hpp"

#include <array>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace simplefs::auth {

/// Who a token belongs to and what it allows.
struct token_grant {
    std::string name;  ///< for logs; never the token itself
    scope_set scopes = 0;
    /// Empty: every name. Otherwise the token reaches only this name and the names under
    /// "prefix/" (no leading or trailing '/').
    std::string prefix;
};

struct token_table_result;

/// The bearer tokens of the server, as read from a token file. A line is
///
///     TOKEN NAME SCOPES [PREFIX]
///
/// separated by spaces or tabs: TOKEN at least 16 characters of RFC 6750's b64token alphabet
/// (letters, digits, - . _ ~ + / and trailing =), NAME a label for the logs (letters, digits,
/// - . _ @), SCOPES a comma list of read, write, delete, list, PREFIX an optional folder or
/// name the token is limited to. Blank lines and lines starting with '#' are ignored. Only a
/// SHA-256 digest of each token is kept.
class token_table {
public:
    /// Parses a whole file; the error names the line ("line 3: unknown scope 'wrte'").
    static token_table_result parse(std::string_view text);

    /// The grant of the presented token, or null. Takes the same time whichever entry matches
    /// or none: every stored digest is compared with CRYPTO_memcmp against the presented
    /// token's digest, so neither the position nor the length of a match leaks.
    const token_grant* find(std::string_view presented) const;

    std::size_t size() const noexcept { return entries_.size(); }

private:
    using digest = std::array<unsigned char, 32>;
    struct entry {
        digest token_digest;
        token_grant grant;
    };
    static digest digest_of(std::string_view token);

    std::vector<entry> entries_;
};

/// Outcome of parsing a token file: a table, or one line saying what is wrong and where.
struct token_table_result {
    std::optional<token_table> table;
    std::string error;
};

/// Reads and parses the file at path; errors read "PATH: line N: ..." or "PATH: <errno text>".
token_table_result load_token_file(const std::string& path);

/// Whether name is prefix itself or lies under "prefix/" (an empty prefix holds every name).
bool within_prefix(std::string_view name, std::string_view prefix) noexcept;

}  // namespace simplefs::auth
