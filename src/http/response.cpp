#include "http/response.hpp"

#include <boost/json/serialize.hpp>
#include <boost/json/string_view.hpp>

namespace simplefs::http {

response make_response(status code, std::string body, std::string_view content_type) {
    response r;
    r.message.result(code);
    r.message.version(11);
    r.message.set(field::content_type, content_type);
    r.message.body() = std::move(body);
    return r;
}

response json_response(status code, std::string json) {
    return make_response(code, std::move(json), "application/json");
}

response error_response(status code, std::string_view detail) {
    std::string body = R"({"detail":)";
    body += boost::json::serialize(boost::json::string_view(detail.data(), detail.size()));
    body += '}';
    return json_response(code, std::move(body));
}

}  // namespace simplefs::http
