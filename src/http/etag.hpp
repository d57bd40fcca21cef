#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace simplefs::http {

/// An entity tag (RFC 9110 §8.8.3): `entity-tag = [ weak ] opaque-tag`.
struct entity_tag {
    /// The opaque-tag without its double quotes. On the wire it is `*etagc`, i.e. bytes 0x21,
    /// 0x23-0x7E and obs-text 0x80-0xFF: no space, DQUOTE, control character or DEL, and no
    /// escaping (a backslash is an ordinary character). May be empty.
    std::string opaque;
    /// Marked weak with the case-sensitive prefix "W/" (§8.8.1).
    bool weak = false;

    /// The field form, `"x"` or `W/"x"`. `opaque` is not checked: the result is a valid
    /// entity-tag only when is_valid_opaque_tag(opaque) holds.
    std::string to_string() const;

    /// Field-wise equality. This is not an RFC comparison; see strong_match and weak_match.
    friend bool operator==(const entity_tag&, const entity_tag&) = default;
};

/// Whether `opaque` may stand between the quotes of an opaque-tag: every byte is etagc
/// (RFC 9110 §8.8.3). The empty string qualifies.
bool is_valid_opaque_tag(std::string_view opaque) noexcept;

/// Parses exactly one entity-tag (RFC 9110 §8.8.3), e.g. `"xyzzy"` or `W/"xyzzy"`. The whole of
/// `value` must match: surrounding whitespace, a lowercase "w/", a missing or embedded DQUOTE
/// and bytes outside etagc all give nullopt.
std::optional<entity_tag> parse_entity_tag(std::string_view value);

/// Strong comparison (RFC 9110 §8.8.3.2): both tags are strong and their opaque-tags are equal.
bool strong_match(const entity_tag& a, const entity_tag& b) noexcept;

/// Weak comparison (RFC 9110 §8.8.3.2): the opaque-tags are equal, either tag may be weak.
bool weak_match(const entity_tag& a, const entity_tag& b) noexcept;

/// A parsed If-Match or If-None-Match field value (RFC 9110 §13.1.1, §13.1.2):
/// `"*" / #entity-tag`.
struct entity_tag_list {
    /// The value was "*": it matches any current representation, whatever its entity tag.
    bool any = false;
    /// The listed entity tags in order, duplicates kept. Empty when `any` is set, and also for
    /// a list made only of empty elements.
    std::vector<entity_tag> tags;
};

/// Parses an If-Match / If-None-Match field value. OWS (spaces and tabs) around the value and
/// around commas is skipped, and empty list elements are ignored as RFC 9110 §5.6.1.2 requires,
/// so `, "a",, "b" ,` lists "a" and "b", and "" or "," is a valid list with no tags. "*" must be
/// the whole value apart from OWS: "*" mixed with entity tags is not in the grammar. If any
/// element is not an entity-tag the whole value is invalid and the result is nullopt; tags
/// before the bad element are not used either.
std::optional<entity_tag_list> parse_entity_tag_list(std::string_view value);

}  // namespace simplefs::http
