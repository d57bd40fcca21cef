#include "api/tus_protocol.hpp"
#include "api/tus_uploads.hpp"

namespace simplefs::api {

boost::asio::awaitable<http::response> tus_options(services& svc, http::request& req) {
    (void)req;
    auto res = tus::empty_response(http::status::no_content);
    auto& m = res.message;
    m.set("Tus-Version", tus::version);
    m.set("Tus-Extension", tus::extensions);
    m.set("Tus-Checksum-Algorithm", tus::checksum_algorithms);
    if (svc.options.max_upload_size > 0) {
        m.set("Tus-Max-Size", std::to_string(svc.options.max_upload_size));
    }
    co_return res;
}

}  // namespace simplefs::api
