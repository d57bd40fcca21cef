#include "http/etag.hpp"

#include "http/ows.hpp"

#include <algorithm>
#include <utility>

namespace simplefs::http {
namespace {

// RFC 9110 §8.8.3: etagc = %x21 / %x23-7E / obs-text
bool is_etagc(unsigned char c) noexcept {
    return c == 0x21 || (c >= 0x23 && c <= 0x7e) || c >= 0x80;
}

// RFC 9110 §5.6.3: OWS = *( SP / HTAB )
void skip_ows(std::string_view& in) noexcept {
    while (!in.empty() && is_ows(in.front())) {
        in.remove_prefix(1);
    }
}

/// Parses an entity-tag at the front of `in` and advances past it; `in` is unspecified on
/// failure.
std::optional<entity_tag> consume_entity_tag(std::string_view& in) {
    entity_tag tag;
    if (in.starts_with("W/")) {
        tag.weak = true;
        in.remove_prefix(2);
    }
    if (!in.starts_with('"')) {
        return std::nullopt;
    }
    in.remove_prefix(1);
    const auto close = in.find('"');
    if (close == std::string_view::npos) {
        return std::nullopt;
    }
    const auto opaque = in.substr(0, close);
    if (!is_valid_opaque_tag(opaque)) {
        return std::nullopt;
    }
    tag.opaque = opaque;
    in.remove_prefix(close + 1);
    return tag;
}

}  // namespace

std::string entity_tag::to_string() const {
    std::string out;
    out.reserve(opaque.size() + 4);
    if (weak) {
        out += "W/";
    }
    out += '"';
    out += opaque;
    out += '"';
    return out;
}

bool is_valid_opaque_tag(std::string_view opaque) noexcept {
    return std::ranges::all_of(opaque,
                               [](char c) { return is_etagc(static_cast<unsigned char>(c)); });
}

std::optional<entity_tag> parse_entity_tag(std::string_view value) {
    auto tag = consume_entity_tag(value);
    if (!tag || !value.empty()) {
        return std::nullopt;
    }
    return tag;
}

bool strong_match(const entity_tag& a, const entity_tag& b) noexcept {
    return !a.weak && !b.weak && a.opaque == b.opaque;
}

bool weak_match(const entity_tag& a, const entity_tag& b) noexcept {
    return a.opaque == b.opaque;
}

std::optional<entity_tag_list> parse_entity_tag_list(std::string_view value) {
    entity_tag_list list;
    auto in = trim_ows(value);
    if (in == "*") {
        list.any = true;
        return list;
    }
    // RFC 9110 §5.6.1: #element => [ element ] *( OWS "," OWS [ element ] )
    while (true) {
        skip_ows(in);
        if (in.empty()) {
            return list;
        }
        if (in.front() == ',') {
            in.remove_prefix(1);
            continue;
        }
        auto tag = consume_entity_tag(in);
        if (!tag) {
            return std::nullopt;
        }
        list.tags.push_back(std::move(*tag));
        skip_ows(in);
        if (in.empty()) {
            return list;
        }
        if (in.front() != ',') {
            return std::nullopt;
        }
        in.remove_prefix(1);
    }
}

}  // namespace simplefs::http
