#include "api/file_metadata.hpp"
#include "api/problem.hpp"
#include "api/tus_protocol.hpp"
#include "api/tus_uploads.hpp"
#include "auth/token_table.hpp"
#include "http/http_date.hpp"

#include <chrono>

namespace simplefs::api::tus {

using http::status;

std::int64_t now_seconds() {
    return std::chrono::duration_cast<std::chrono::seconds>(
               std::chrono::system_clock::now().time_since_epoch())
        .count();
}

http::response empty_response(status code) {
    http::response res;
    res.message.result(code);
    res.message.set("Tus-Resumable", version);
    return res;
}

http::response error(status code, std::string_view detail) {
    auto res = http::error_response(code, detail);
    res.message.set("Tus-Resumable", version);
    return res;
}

http::response storage_error(const boost::system::error_code& ec) {
    auto res = storage_problem(ec);
    res.message.set("Tus-Resumable", version);
    return res;
}

std::optional<http::response> refuse_request(const services& svc,
                                             const http::request_header& header) {
    if (svc.store.uploads() == nullptr) {
        return error(status::not_implemented, "This storage backend keeps no resumable uploads");
    }
    if (header["Tus-Resumable"] != version) {
        auto res = error(status::precondition_failed, "Tus-Resumable: 1.0.0 is required");
        res.message.set("Tus-Version", version);
        return res;
    }
    return std::nullopt;
}

std::string upload_url(std::string_view id) {
    std::string url(uploads_path);
    url += id;
    return url;
}

void set_upload_fields(http::response& res, const storage::upload_info& info) {
    auto& m = res.message;
    m.set("Upload-Offset", std::to_string(info.offset));
    if (info.length) {
        m.set("Upload-Length", std::to_string(*info.length));
    } else {
        m.set("Upload-Defer-Length", "1");
    }
    if (!info.metadata.empty()) {
        m.set("Upload-Metadata", info.metadata);
    }
    if (info.partial) {
        m.set("Upload-Concat", "partial");
    } else if (!info.parts.empty()) {
        std::string concat = "final;";
        for (std::size_t i = 0; i < info.parts.size(); ++i) {
            concat += (i == 0 ? "" : " ") + upload_url(info.parts[i]);
        }
        m.set("Upload-Concat", concat);
    }
    if (!info.completed) {
        m.set("Upload-Expires", http::format_http_date(std::chrono::system_clock::time_point{
                                    std::chrono::seconds{info.expires}}));
    } else {
        m.set("Upload-File", file_location(info.name));
    }
}

std::optional<http::response> refuse_access(const storage::upload_info& info,
                                            std::string_view prefix) {
    // A partial upload without a name commits nothing itself (the concatenation's name is
    // checked); its random id is what guards it, as for any upload.
    if (!prefix.empty() && !info.name.empty() && !auth::within_prefix(info.name, prefix)) {
        return error(status::forbidden, "The token does not allow this name");
    }
    if (!info.completed && info.expires < now_seconds()) {
        return error(status::gone, "Upload expired");
    }
    return std::nullopt;
}

}  // namespace simplefs::api::tus
