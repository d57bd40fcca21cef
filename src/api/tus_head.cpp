#include "api/tus_uploads.hpp"

namespace simplefs::api {

boost::asio::awaitable<http::response> tus_head(services& svc, http::request& req,
                                                std::string_view prefix) {
    if (auto refusal = tus::refuse_request(svc, req.header)) {
        co_return std::move(*refusal);
    }
    auto* uploads = svc.store.uploads();
    const std::string id(req.route_param);
    // No lock: the info is replaced atomically, so a read sees one version or the next.
    auto info = co_await svc.pool.run([&] { return uploads->read_info(id); });
    if (!info) {
        co_return tus::storage_error(info.error());
    }
    if (auto refusal = tus::refuse_access(*info, prefix)) {
        co_return std::move(*refusal);
    }
    auto res = tus::empty_response(http::status::ok);
    tus::set_upload_fields(res, *info);
    res.message.set(http::field::cache_control, "no-store");
    co_return res;
}

}  // namespace simplefs::api
