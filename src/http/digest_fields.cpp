#include "http/digest_fields.hpp"

#include "http/ows.hpp"

#include <functional>
#include <map>
#include <utility>

namespace simplefs::http {

namespace {

constexpr std::string_view base64_alphabet =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
constexpr std::string_view hex_digits = "0123456789abcdef";
constexpr std::size_t sha256_size = 32;
constexpr std::size_t md5_size = 16;

/// The value of a base64 alphabet character (RFC 4648 §4, Table 1), or -1.
int base64_value(char c) noexcept {
    if (c >= 'A' && c <= 'Z') {
        return c - 'A';
    }
    if (c >= 'a' && c <= 'z') {
        return c - 'a' + 26;
    }
    if (c >= '0' && c <= '9') {
        return c - '0' + 52;
    }
    if (c == '+') {
        return 62;
    }
    if (c == '/') {
        return 63;
    }
    return -1;
}

enum class base64_mode {
    /// RFC 4648 §3.5 canonical encoding only.
    strict,
    /// RFC 8941 §4.2.7: padding may be omitted and pad bits may be non-zero.
    structured_field,
};

std::optional<std::vector<std::uint8_t>> decode_base64(std::string_view text, base64_mode mode) {
    std::size_t pad = 0;
    while (pad < 2 && pad < text.size() && text[text.size() - 1 - pad] == '=') {
        ++pad;
    }
    const std::string_view body = text.substr(0, text.size() - pad);
    if (pad > 0 || mode == base64_mode::strict) {
        if (text.size() % 4 != 0) {
            return std::nullopt;
        }
    } else if (body.size() % 4 == 1) {
        return std::nullopt;
    }

    std::vector<std::uint8_t> out;
    out.reserve(body.size() / 4 * 3 + 2);
    std::uint32_t acc = 0;
    unsigned bits = 0;
    for (const char c : body) {
        const int v = base64_value(c);
        if (v < 0) {
            return std::nullopt;
        }
        acc = (acc << 6) | static_cast<std::uint32_t>(v);
        bits += 6;
        if (bits >= 8) {
            bits -= 8;
            out.push_back(static_cast<std::uint8_t>(acc >> bits));
            acc &= (1u << bits) - 1;
        }
    }
    if (mode == base64_mode::strict && acc != 0) {
        return std::nullopt;
    }
    return out;
}

unsigned hex_value(char c) noexcept {
    if (c >= '0' && c <= '9') {
        return static_cast<unsigned>(c - '0');
    }
    if (c >= 'a' && c <= 'f') {
        return static_cast<unsigned>(c - 'a' + 10);
    }
    if (c >= 'A' && c <= 'F') {
        return static_cast<unsigned>(c - 'A' + 10);
    }
    return 0;
}

std::string to_hex(std::span<const std::uint8_t> bytes) {
    std::string out;
    out.reserve(bytes.size() * 2);
    for (const std::uint8_t b : bytes) {
        out += hex_digits[b >> 4];
        out += hex_digits[b & 0xf];
    }
    return out;
}

bool is_digit(char c) noexcept {
    return c >= '0' && c <= '9';
}

bool is_lcalpha(char c) noexcept {
    return c >= 'a' && c <= 'z';
}

bool is_alpha(char c) noexcept {
    return is_lcalpha(c) || (c >= 'A' && c <= 'Z');
}

/// tchar (RFC 9110 §5.6.2).
bool is_tchar(char c) noexcept {
    return is_alpha(c) || is_digit(c) ||
           std::string_view{"!#$%&'*+-.^_`|~"}.find(c) != std::string_view::npos;
}

/// The kinds of RFC 8941 §3 values a dictionary member can hold.
enum class sf_kind { integer, decimal, string, token, byte_sequence, boolean, inner_list };

/// A dictionary member's value; only the Integer and Byte Sequence contents are kept.
struct sf_member {
    sf_kind kind = sf_kind::boolean;
    std::int64_t integer = 0;
    std::vector<std::uint8_t> bytes;
};

using sf_dictionary = std::map<std::string, sf_member, std::less<>>;

/// The RFC 8941 §4.2 parsing algorithms, restricted to Dictionaries. Parameters are checked
/// for syntax and discarded.
class sf_parser {
public:
    explicit sf_parser(std::string_view input) noexcept : in_(input) {}

    /// §4.2.2. Expects surrounding whitespace to have been removed already.
    std::optional<sf_dictionary> dictionary() {
        sf_dictionary dict;
        while (!in_.empty()) {
            std::string key;
            if (!parse_key(key)) {
                return std::nullopt;
            }
            sf_member member;
            if (consume('=')) {
                if (!parse_item_or_inner_list(member)) {
                    return std::nullopt;
                }
            } else {
                member.kind = sf_kind::boolean;
                if (!parse_parameters()) {
                    return std::nullopt;
                }
            }
            dict.insert_or_assign(std::move(key), std::move(member));
            skip_ows();
            if (in_.empty()) {
                return dict;
            }
            if (!consume(',')) {
                return std::nullopt;
            }
            skip_ows();
            if (in_.empty()) {
                return std::nullopt;
            }
        }
        return dict;
    }

private:
    bool consume(char c) noexcept {
        if (!in_.empty() && in_.front() == c) {
            in_.remove_prefix(1);
            return true;
        }
        return false;
    }

    void skip_sp() noexcept {
        while (consume(' ')) {
        }
    }

    void skip_ows() noexcept {
        while (!in_.empty() && is_ows(in_.front())) {
            in_.remove_prefix(1);
        }
    }

    /// §4.2.1.1 (item) or §4.2.1.2 (inner list).
    bool parse_item_or_inner_list(sf_member& member) {
        if (in_.starts_with('(')) {
            member.kind = sf_kind::inner_list;
            return parse_inner_list();
        }
        return parse_bare_item(member) && parse_parameters();
    }

    /// §4.2.1.2.
    bool parse_inner_list() {
        in_.remove_prefix(1);
        while (!in_.empty()) {
            skip_sp();
            if (consume(')')) {
                return parse_parameters();
            }
            sf_member item;
            if (!parse_bare_item(item) || !parse_parameters()) {
                return false;
            }
            if (!in_.empty() && in_.front() != ' ' && in_.front() != ')') {
                return false;
            }
        }
        return false;
    }

    /// §4.2.3.1.
    bool parse_bare_item(sf_member& item) {
        if (in_.empty()) {
            return false;
        }
        const char c = in_.front();
        if (c == '-' || is_digit(c)) {
            return parse_number(item);
        }
        if (c == '"') {
            item.kind = sf_kind::string;
            return parse_string();
        }
        if (c == '*' || is_alpha(c)) {
            item.kind = sf_kind::token;
            return parse_token();
        }
        if (c == ':') {
            item.kind = sf_kind::byte_sequence;
            return parse_byte_sequence(item.bytes);
        }
        if (c == '?') {
            item.kind = sf_kind::boolean;
            return parse_boolean();
        }
        return false;
    }

    /// §4.2.3.2.
    bool parse_parameters() {
        while (consume(';')) {
            skip_sp();
            std::string key;
            if (!parse_key(key)) {
                return false;
            }
            if (consume('=')) {
                sf_member value;
                if (!parse_bare_item(value)) {
                    return false;
                }
            }
        }
        return true;
    }

    /// §4.2.3.3.
    bool parse_key(std::string& key) {
        if (in_.empty() || !(is_lcalpha(in_.front()) || in_.front() == '*')) {
            return false;
        }
        std::size_t n = 1;
        while (n < in_.size()) {
            const char c = in_[n];
            if (!(is_lcalpha(c) || is_digit(c) || c == '_' || c == '-' || c == '.' || c == '*')) {
                break;
            }
            ++n;
        }
        key.assign(in_.substr(0, n));
        in_.remove_prefix(n);
        return true;
    }

    /// §4.2.4.
    bool parse_number(sf_member& item) {
        const bool negative = consume('-');
        if (in_.empty() || !is_digit(in_.front())) {
            return false;
        }
        item.kind = sf_kind::integer;
        std::size_t n = 0;
        std::size_t dot = std::string_view::npos;
        while (n < in_.size()) {
            const char c = in_[n];
            if (is_digit(c)) {
                ++n;
            } else if (item.kind == sf_kind::integer && c == '.') {
                if (n > 12) {
                    return false;
                }
                item.kind = sf_kind::decimal;
                dot = n;
                ++n;
            } else {
                break;
            }
            if ((item.kind == sf_kind::integer && n > 15) ||
                (item.kind == sf_kind::decimal && n > 16)) {
                return false;
            }
        }
        const std::string_view number = in_.substr(0, n);
        in_.remove_prefix(n);
        if (item.kind == sf_kind::decimal) {
            const std::size_t fraction = number.size() - dot - 1;
            return fraction >= 1 && fraction <= 3;
        }
        std::int64_t value = 0;
        for (const char c : number) {
            value = value * 10 + (c - '0');
        }
        item.integer = negative ? -value : value;
        return true;
    }

    /// §4.2.5.
    bool parse_string() {
        in_.remove_prefix(1);
        while (!in_.empty()) {
            const char c = in_.front();
            in_.remove_prefix(1);
            if (c == '\\') {
                if (!consume('"') && !consume('\\')) {
                    return false;
                }
            } else if (c == '"') {
                return true;
            } else if (c < 0x20 || c > 0x7e) {
                return false;
            }
        }
        return false;
    }

    /// §4.2.6.
    bool parse_token() {
        std::size_t n = 1;
        while (n < in_.size() && (is_tchar(in_[n]) || in_[n] == ':' || in_[n] == '/')) {
            ++n;
        }
        in_.remove_prefix(n);
        return true;
    }

    /// §4.2.7.
    bool parse_byte_sequence(std::vector<std::uint8_t>& bytes) {
        in_.remove_prefix(1);
        const std::size_t end = in_.find(':');
        if (end == std::string_view::npos) {
            return false;
        }
        auto decoded = decode_base64(in_.substr(0, end), base64_mode::structured_field);
        if (!decoded) {
            return false;
        }
        bytes = std::move(*decoded);
        in_.remove_prefix(end + 1);
        return true;
    }

    /// §4.2.8.
    bool parse_boolean() {
        in_.remove_prefix(1);
        return consume('1') || consume('0');
    }

    std::string_view in_;
};

/// Parses a whole field value as an RFC 8941 Dictionary. Leading and trailing spaces and tabs
/// are dropped first (§4.2 drops spaces; tabs are HTTP OWS around the field value).
std::optional<sf_dictionary> parse_dictionary(std::string_view field) {
    return sf_parser{trim_ows(field)}.dictionary();
}

}  // namespace

std::string base64_encode(std::span<const std::uint8_t> bytes) {
    std::string out;
    out.reserve((bytes.size() + 2) / 3 * 4);
    std::size_t i = 0;
    for (; i + 3 <= bytes.size(); i += 3) {
        const std::uint32_t group =
            (std::uint32_t{bytes[i]} << 16) | (std::uint32_t{bytes[i + 1]} << 8) | bytes[i + 2];
        out += base64_alphabet[(group >> 18) & 0x3f];
        out += base64_alphabet[(group >> 12) & 0x3f];
        out += base64_alphabet[(group >> 6) & 0x3f];
        out += base64_alphabet[group & 0x3f];
    }
    const std::size_t rest = bytes.size() - i;
    if (rest == 1) {
        const std::uint32_t group = std::uint32_t{bytes[i]} << 16;
        out += base64_alphabet[(group >> 18) & 0x3f];
        out += base64_alphabet[(group >> 12) & 0x3f];
        out += "==";
    } else if (rest == 2) {
        const std::uint32_t group =
            (std::uint32_t{bytes[i]} << 16) | (std::uint32_t{bytes[i + 1]} << 8);
        out += base64_alphabet[(group >> 18) & 0x3f];
        out += base64_alphabet[(group >> 12) & 0x3f];
        out += base64_alphabet[(group >> 6) & 0x3f];
        out += '=';
    }
    return out;
}

std::optional<std::vector<std::uint8_t>> base64_decode(std::string_view text) {
    return decode_base64(text, base64_mode::strict);
}

std::string hex_to_base64(std::string_view hex) {
    std::vector<std::uint8_t> bytes;
    bytes.reserve(hex.size() / 2);
    for (std::size_t i = 0; i + 1 < hex.size(); i += 2) {
        bytes.push_back(
            static_cast<std::uint8_t>((hex_value(hex[i]) << 4) | hex_value(hex[i + 1])));
    }
    return base64_encode(bytes);
}

std::optional<std::string> base64_to_hex(std::string_view b64) {
    const auto bytes = base64_decode(b64);
    if (!bytes) {
        return std::nullopt;
    }
    return to_hex(*bytes);
}

content_digests parse_content_digests(std::string_view content_digest,
                                      std::string_view content_md5) {
    content_digests result;

    if (!trim_ows(content_digest).empty()) {
        const auto dict = parse_dictionary(content_digest);
        if (!dict) {
            result.malformed = true;
        } else if (const auto it = dict->find("sha-256"); it != dict->end()) {
            const sf_member& member = it->second;
            if (member.kind != sf_kind::byte_sequence || member.bytes.size() != sha256_size) {
                result.malformed = true;
            } else {
                result.sha256_hex = to_hex(member.bytes);
            }
        }
    }

    const std::string_view md5 = trim_ows(content_md5);
    if (!md5.empty()) {
        const auto bytes = base64_decode(md5);
        if (!bytes || bytes->size() != md5_size) {
            result.malformed = true;
        } else {
            result.md5_hex = to_hex(*bytes);
        }
    }

    return result;
}

std::string format_sha256_digest_field(std::string_view sha256_hex) {
    std::string out = "sha-256=:";
    out += hex_to_base64(sha256_hex);
    out += ':';
    return out;
}

bool wants_sha256(std::string_view want_field) {
    if (trim_ows(want_field).empty()) {
        return true;
    }
    const auto dict = parse_dictionary(want_field);
    if (!dict) {
        return true;
    }
    const auto it = dict->find("sha-256");
    if (it == dict->end()) {
        return false;
    }
    const sf_member& member = it->second;
    if (member.kind != sf_kind::integer || member.integer < 0 || member.integer > 10) {
        return true;
    }
    return member.integer > 0;
}

}  // namespace simplefs::http
