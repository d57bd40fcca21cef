#include "auth/token_table.hpp"

#include <openssl/crypto.h>
#include <openssl/sha.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <sstream>

namespace simplefs::auth {
namespace {

constexpr std::size_t min_token_length = 16;
constexpr std::size_t max_field_length = 1024;

bool is_blank(char c) {
    return c == ' ' || c == '\t' || c == '\r';
}

bool is_alnum(char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
}

std::vector<std::string_view> split_fields(std::string_view line) {
    std::vector<std::string_view> fields;
    std::size_t i = 0;
    while (i < line.size()) {
        while (i < line.size() && is_blank(line[i])) {
            ++i;
        }
        const std::size_t start = i;
        while (i < line.size() && !is_blank(line[i])) {
            ++i;
        }
        if (i > start) {
            fields.push_back(line.substr(start, i - start));
        }
    }
    return fields;
}

/// RFC 6750 §2.1: b64token = 1*( ALPHA / DIGIT / "-" / "." / "_" / "~" / "+" / "/" ) *"="
bool valid_token(std::string_view token) {
    std::size_t i = 0;
    while (i < token.size() && (is_alnum(token[i]) || std::strchr("-._~+/", token[i]) != nullptr)) {
        ++i;
    }
    if (i == 0) {
        return false;
    }
    while (i < token.size() && token[i] == '=') {
        ++i;
    }
    return i == token.size();
}

bool valid_label(std::string_view name) {
    for (const char c : name) {
        if (!is_alnum(c) && std::strchr("-._@", c) == nullptr) {
            return false;
        }
    }
    return !name.empty();
}

/// The prefix without a trailing '/', or nullopt if it is not a clean relative name.
std::optional<std::string> clean_prefix(std::string_view prefix) {
    while (prefix.ends_with('/')) {
        prefix.remove_suffix(1);
    }
    if (prefix.empty() || prefix.starts_with('/')) {
        return std::nullopt;
    }
    std::size_t start = 0;
    for (;;) {
        const std::size_t slash = prefix.find('/', start);
        const std::size_t end = slash == std::string_view::npos ? prefix.size() : slash;
        const auto segment = prefix.substr(start, end - start);
        if (segment.empty() || segment == "." || segment == "..") {
            return std::nullopt;
        }
        if (end == prefix.size()) {
            return std::string(prefix);
        }
        start = end + 1;
    }
}

std::string quoted(std::string_view text) {
    if (text.size() > 60) {
        return "'" + std::string(text.substr(0, 60)) + "...'";
    }
    return "'" + std::string(text) + "'";
}

}  // namespace

token_table::digest token_table::digest_of(std::string_view token) {
    digest d{};
    SHA256(reinterpret_cast<const unsigned char*>(token.data()), token.size(), d.data());
    return d;
}

token_table_result token_table::parse(std::string_view text) {
    token_table table;
    std::vector<std::size_t> line_of_entry;
    std::size_t line_number = 0;
    while (!text.empty()) {
        ++line_number;
        const std::size_t newline = text.find('\n');
        const std::string_view line = text.substr(0, newline);
        text = newline == std::string_view::npos ? std::string_view() : text.substr(newline + 1);
        const auto fail = [&](const std::string& what) {
            return token_table_result{std::nullopt,
                                      "line " + std::to_string(line_number) + ": " + what};
        };

        const auto fields = split_fields(line);
        if (fields.empty() || fields.front().starts_with('#')) {
            continue;
        }
        if (fields.size() < 3) {
            return fail("expected TOKEN NAME SCOPES [PREFIX], found " +
                        std::to_string(fields.size()) + " field(s)");
        }
        if (fields.size() > 4) {
            return fail("expected TOKEN NAME SCOPES [PREFIX], found " +
                        std::to_string(fields.size()) + " fields");
        }
        for (const auto field : fields) {
            if (field.size() > max_field_length) {
                return fail("field longer than " + std::to_string(max_field_length) + " bytes");
            }
        }
        // The token itself is never echoed: the message could end up in a shared log.
        const std::string_view token = fields[0];
        if (!valid_token(token)) {
            return fail(
                "the token has characters outside A-Z a-z 0-9 - . _ ~ + / (and trailing =)");
        }
        if (token.size() < min_token_length) {
            return fail("the token is shorter than " + std::to_string(min_token_length) +
                        " characters");
        }
        if (!valid_label(fields[1])) {
            return fail("name " + quoted(fields[1]) + " may hold only letters, digits, - . _ @");
        }
        token_grant grant;
        grant.name = std::string(fields[1]);
        std::string_view scopes = fields[2];
        for (;;) {
            const std::size_t comma = scopes.find(',');
            const auto word = scopes.substr(0, comma);
            const auto s = parse_scope(word);
            if (!s) {
                return fail("unknown scope " + quoted(word) +
                            " (expected a comma list of read, write, delete, list)");
            }
            grant.scopes |= bit(*s);
            if (comma == std::string_view::npos) {
                break;
            }
            scopes.remove_prefix(comma + 1);
        }
        if (fields.size() == 4) {
            auto prefix = clean_prefix(fields[3]);
            if (!prefix) {
                return fail("prefix " + quoted(fields[3]) +
                            " is not a relative name (no leading '/', empty, '.' or '..' parts)");
            }
            grant.prefix = std::move(*prefix);
        }
        const digest d = digest_of(token);
        for (std::size_t i = 0; i < table.entries_.size(); ++i) {
            if (table.entries_[i].token_digest == d) {
                return fail("the same token is on line " + std::to_string(line_of_entry[i]));
            }
        }
        table.entries_.push_back({d, std::move(grant)});
        line_of_entry.push_back(line_number);
    }
    return {std::move(table), {}};
}

const token_grant* token_table::find(std::string_view presented) const {
    const digest d = digest_of(presented);
    const token_grant* found = nullptr;
    for (const auto& e : entries_) {
        // No early exit: every entry costs the same whether it matches or not.
        const bool equal = CRYPTO_memcmp(e.token_digest.data(), d.data(), d.size()) == 0;
        found = equal ? &e.grant : found;
    }
    return found;
}

token_table_result load_token_file(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    if (!in) {
        return {std::nullopt, path + ": " + std::strerror(errno)};
    }
    std::ostringstream text;
    text << in.rdbuf();
    if (in.bad()) {
        return {std::nullopt, path + ": read error"};
    }
    auto parsed = token_table::parse(text.str());
    if (!parsed.table) {
        parsed.error = path + ": " + parsed.error;
    }
    return parsed;
}

bool within_prefix(std::string_view name, std::string_view prefix) noexcept {
    if (prefix.empty() || name == prefix) {
        return true;
    }
    return name.size() > prefix.size() && name.starts_with(prefix) && name[prefix.size()] == '/';
}

}  // namespace simplefs::auth
