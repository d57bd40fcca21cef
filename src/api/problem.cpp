#include "api/problem.hpp"

#include "storage/errc.hpp"

#include <spdlog/spdlog.h>
#include <boost/json/array.hpp>
#include <boost/json/object.hpp>
#include <boost/json/serialize.hpp>

namespace simplefs::api {

http::response storage_problem(const boost::system::error_code& ec) {
    using http::status;
    using storage::errc;
    if (ec.category() == storage::storage_category()) {
        switch (static_cast<errc>(ec.value())) {
            case errc::not_found:
                return http::error_response(status::not_found, "Not Found");
            case errc::already_exists:
                return http::error_response(status::conflict, "File already exists");
            case errc::invalid_name:
                return http::error_response(status::bad_request, "Invalid file name");
            case errc::escapes_root:
                return http::error_response(status::forbidden, "Path leaves the storage root");
            case errc::no_space:
                return http::error_response(status::insufficient_storage, "Insufficient Storage");
            case errc::is_directory:
                return http::error_response(status::conflict, "A folder has that name");
            case errc::precondition_failed:
                return http::error_response(status::precondition_failed, "Precondition Failed");
            case errc::digest_mismatch:
                return http::error_response(
                    status::bad_request,
                    "Digest mismatch: the body does not match Content-Digest or Content-MD5");
            case errc::unavailable:
                return unavailable_response("Storage unavailable");
            case errc::locked:
                return http::error_response(status::locked,
                                            "Another request is writing to this upload");
            case errc::io_error:
            case errc::would_block:  // handlers retry on the blocking pool: never reaches here
                break;
        }
    }
    spdlog::error("storage error: {}", ec.message());
    return http::error_response(status::internal_server_error, "Internal Server Error");
}

http::response unavailable_response(std::string_view detail) {
    auto res = http::error_response(http::status::service_unavailable, detail);
    // A hint, in seconds, for clients and load balancers: not a promise.
    res.message.set(http::field::retry_after, "5");
    return res;
}

http::response missing_field(std::string_view field_name) {
    boost::json::object error;
    error["loc"] = boost::json::array{"body", boost::json::string(field_name)};
    error["msg"] = "field required";
    error["type"] = "value_error.missing";
    boost::json::array detail{std::move(error)};
    return http::json_response(http::status::unprocessable_entity,
                               R"({"detail":)" + boost::json::serialize(detail) + "}");
}

}  // namespace simplefs::api
