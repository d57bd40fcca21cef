#include "api/file_metadata.hpp"

#include "http/mime_types.hpp"

#include <fmt/chrono.h>
#include <fmt/format.h>
#include <boost/json/object.hpp>
#include <boost/json/serialize.hpp>

namespace simplefs::api {

std::string entity_tag_of(const storage::file_info& info) {
    if (!info.sha256_hex.empty()) {
        return '"' + info.sha256_hex + '"';
    }
    auto mtime =
        std::chrono::duration_cast<std::chrono::nanoseconds>(info.modified.time_since_epoch())
            .count();
    return fmt::format("\"{:x}-{:x}\"", mtime, info.size);
}

std::string content_type_of(const http::mime_table& mime, std::string_view name,
                            const storage::file_info& info) {
    return info.content_type.empty() ? mime.content_type_for(name) : info.content_type;
}

std::string rfc3339(std::chrono::system_clock::time_point t) {
    return fmt::format("{:%Y-%m-%dT%H:%M:%S}Z", std::chrono::floor<std::chrono::seconds>(t));
}

std::string metadata_json(const http::mime_table& mime, std::string_view name,
                          const storage::file_info& info) {
    boost::json::object o;
    o["name"] = name;
    o["size"] = info.size;
    o["sha256"] = info.sha256_hex;
    o["etag"] = entity_tag_of(info);
    o["content_type"] = content_type_of(mime, name, info);
    o["modified"] = rfc3339(info.modified);
    return boost::json::serialize(o);
}

std::string file_location(std::string_view name) {
    // RFC 3986 unreserved characters and '/' stay; everything else is percent-encoded.
    std::string out = "/files/";
    for (unsigned char c : name) {
        if ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
            c == '-' || c == '.' || c == '_' || c == '~' || c == '/') {
            out += static_cast<char>(c);
        } else {
            out += fmt::format("%{:02X}", c);
        }
    }
    return out;
}

}  // namespace simplefs::api
