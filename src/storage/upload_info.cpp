#include "storage/upload_info.hpp"

#include <boost/json/array.hpp>
#include <boost/json/object.hpp>
#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <boost/json/value.hpp>

namespace simplefs::storage {

std::string to_json(const upload_info& info) {
    boost::json::object o;
    if (info.length) {
        o["length"] = *info.length;
    } else {
        o["length"] = nullptr;
    }
    o["offset"] = info.offset;
    o["metadata"] = info.metadata;
    o["name"] = info.name;
    o["content_type"] = info.content_type;
    o["expires"] = info.expires;
    o["partial"] = info.partial;
    boost::json::array parts;
    for (const auto& part : info.parts) {
        parts.emplace_back(part);
    }
    o["parts"] = std::move(parts);
    o["completed"] = info.completed;
    return boost::json::serialize(o);
}

result<upload_info> parse_upload_info(std::string_view json) {
    boost::system::error_code ec;
    const boost::json::value value = boost::json::parse(json, ec);
    const auto* o = value.if_object();
    if (ec || o == nullptr) {
        return errc::io_error;
    }
    upload_info info;
    const auto* length = o->if_contains("length");
    const auto* offset = o->if_contains("offset");
    const auto* metadata = o->if_contains("metadata");
    const auto* name = o->if_contains("name");
    const auto* content_type = o->if_contains("content_type");
    const auto* expires = o->if_contains("expires");
    const auto* partial = o->if_contains("partial");
    const auto* parts = o->if_contains("parts");
    const auto* completed = o->if_contains("completed");
    if (length == nullptr || offset == nullptr || metadata == nullptr || name == nullptr ||
        content_type == nullptr || expires == nullptr || partial == nullptr || parts == nullptr ||
        completed == nullptr || !metadata->is_string() || !name->is_string() ||
        !content_type->is_string() || !partial->is_bool() || !completed->is_bool() ||
        !parts->is_array()) {
        return errc::io_error;
    }
    const auto as_u64 = [](const boost::json::value& v) -> std::optional<std::uint64_t> {
        if (v.is_uint64()) {
            return v.get_uint64();
        }
        if (v.is_int64() && v.get_int64() >= 0) {
            return static_cast<std::uint64_t>(v.get_int64());
        }
        return std::nullopt;
    };
    if (!length->is_null()) {
        info.length = as_u64(*length);
        if (!info.length) {
            return errc::io_error;
        }
    }
    const auto stored_offset = as_u64(*offset);
    if (!stored_offset || !expires->is_number()) {
        return errc::io_error;
    }
    info.offset = *stored_offset;
    info.expires = expires->is_int64() ? expires->get_int64()
                                       : static_cast<std::int64_t>(expires->to_number<double>());
    info.metadata = metadata->get_string();
    info.name = name->get_string();
    info.content_type = content_type->get_string();
    info.partial = partial->get_bool();
    info.completed = completed->get_bool();
    for (const auto& part : parts->get_array()) {
        if (!part.is_string()) {
            return errc::io_error;
        }
        info.parts.emplace_back(part.get_string());
    }
    return info;
}

}  // namespace simplefs::storage
