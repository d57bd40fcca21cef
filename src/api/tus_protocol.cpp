#include "api/tus_protocol.hpp"

#include "http/digest_fields.hpp"
#include "http/ows.hpp"

#include <boost/beast/core/string.hpp>

#include <charconv>

namespace simplefs::api::tus {

std::optional<std::uint64_t> parse_length(std::string_view text) {
    text = http::trim_ows(text);
    if (text.empty()) {
        return std::nullopt;
    }
    for (const char c : text) {
        if (c < '0' || c > '9') {
            return std::nullopt;
        }
    }
    std::uint64_t value = 0;
    const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
    if (ec != std::errc{} || end != text.data() + text.size()) {
        return std::nullopt;
    }
    return value;
}

std::optional<std::vector<metadata_pair>> parse_upload_metadata(std::string_view text) {
    std::vector<metadata_pair> pairs;
    if (http::trim_ows(text).empty()) {
        return pairs;
    }
    for (;;) {
        const std::size_t comma = text.find(',');
        std::string_view item = http::trim_ows(text.substr(0, comma));
        const std::size_t space = item.find(' ');
        const std::string_view key = item.substr(0, space);
        if (key.empty()) {
            return std::nullopt;
        }
        for (const auto& pair : pairs) {
            if (pair.key == key) {
                return std::nullopt;
            }
        }
        metadata_pair pair{std::string(key), std::nullopt};
        if (space != std::string_view::npos) {
            const std::string_view encoded = item.substr(space + 1);
            auto decoded = http::base64_decode(encoded);
            if (!decoded) {
                return std::nullopt;
            }
            pair.value.emplace(decoded->begin(), decoded->end());
        }
        pairs.push_back(std::move(pair));
        if (comma == std::string_view::npos) {
            return pairs;
        }
        text.remove_prefix(comma + 1);
    }
}

std::optional<std::string> metadata_value(const std::vector<metadata_pair>& pairs,
                                          std::string_view key) {
    for (const auto& pair : pairs) {
        if (pair.key == key) {
            return pair.value;
        }
    }
    return std::nullopt;
}

upload_checksum parse_upload_checksum(std::string_view text) {
    upload_checksum out;
    text = http::trim_ows(text);
    if (text.empty()) {
        return out;
    }
    const std::size_t space = text.find(' ');
    if (space == std::string_view::npos) {
        out.result = upload_checksum::outcome::malformed;
        return out;
    }
    const std::string_view name = text.substr(0, space);
    std::size_t digest_size = 0;
    if (name == "sha1") {
        out.algorithm = checksum_algorithm::sha1;
        digest_size = 20;
    } else if (name == "sha256") {
        out.algorithm = checksum_algorithm::sha256;
        digest_size = 32;
    } else {
        out.result = upload_checksum::outcome::unsupported;
        return out;
    }
    auto hex = http::base64_to_hex(http::trim_ows(text.substr(space + 1)));
    if (!hex || hex->size() != 2 * digest_size) {
        out.result = upload_checksum::outcome::malformed;
        return out;
    }
    out.hex = std::move(*hex);
    out.result = upload_checksum::outcome::ok;
    return out;
}

upload_concat parse_upload_concat(std::string_view text) {
    upload_concat out;
    text = http::trim_ows(text);
    if (text.empty()) {
        return out;
    }
    if (text == "partial") {
        out.type = upload_concat::kind::partial;
        return out;
    }
    constexpr std::string_view final_prefix = "final;";
    if (!text.starts_with(final_prefix)) {
        out.malformed = true;
        return out;
    }
    out.type = upload_concat::kind::final;
    text.remove_prefix(final_prefix.size());
    while (!text.empty()) {
        const std::size_t space = text.find(' ');
        std::string_view url = text.substr(0, space);
        text = space == std::string_view::npos ? std::string_view{} : text.substr(space + 1);
        if (url.empty()) {
            continue;
        }
        const std::size_t slash = url.rfind('/');
        out.parts.emplace_back(slash == std::string_view::npos ? url : url.substr(slash + 1));
    }
    out.malformed = out.parts.empty();
    return out;
}

bool is_offset_stream(std::string_view content_type) {
    const auto type = http::trim_ows(content_type.substr(0, content_type.find(';')));
    return boost::beast::iequals(type, offset_media_type);
}

}  // namespace simplefs::api::tus
