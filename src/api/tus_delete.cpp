#include "api/tus_uploads.hpp"
#include "auth/token_table.hpp"

namespace simplefs::api {

boost::asio::awaitable<http::response> tus_delete(services& svc, http::request& req,
                                                  std::string_view prefix) {
    if (auto refusal = tus::refuse_request(svc, req.header)) {
        co_return std::move(*refusal);
    }
    auto* uploads = svc.store.uploads();
    const std::string id(req.route_param);
    co_return co_await svc.pool.run([&]() -> http::response {
        // Under the lock, so that no PATCH is writing to what goes away.
        auto data = uploads->lock(id);
        if (!data) {
            return tus::storage_error(data.error());
        }
        auto info = uploads->read_info(id);
        if (!info) {
            return tus::storage_error(info.error());
        }
        // Expired uploads may still be removed: only the name is checked.
        if (!prefix.empty() && !info->name.empty() && !auth::within_prefix(info->name, prefix)) {
            return tus::error(http::status::forbidden, "The token does not allow this name");
        }
        if (auto removed = uploads->remove(id); !removed) {
            return tus::storage_error(removed.error());
        }
        return tus::empty_response(http::status::no_content);
    });
}

}  // namespace simplefs::api
