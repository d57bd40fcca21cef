#include "api/handlers.hpp"
#include "api/problem.hpp"

#include <string>

namespace simplefs::api {
namespace {

boost::asio::awaitable<void> refresh_disk_gauge(services& svc) {
    auto usage = co_await svc.pool.run([&] { return svc.store.usage(); });
    if (usage) {
        svc.metrics.set_disk_used(usage->used_fraction);
    }
}

}  // namespace

boost::asio::awaitable<http::response> health(services& svc, http::request&) {
    co_await refresh_disk_gauge(svc);
    co_return http::json_response(http::status::ok, R"({"status":"alive"})");
}

boost::asio::awaitable<http::response> readyz(services& svc, http::request&) {
    const storage::storage_health health = svc.store.health();
    svc.metrics.set_storage_ready(health.ready);
    if (!health.ready) {
        co_return unavailable_response("Storage unavailable: " + health.reason);
    }
    // A replica that cannot take uploads should not get them.
    if (const std::string why_not = co_await svc.readiness.storage_not_ready(svc);
        !why_not.empty()) {
        co_return unavailable_response("Not ready: " + why_not);
    }
    co_return http::json_response(http::status::ok, R"({"status":"ready"})");
}

boost::asio::awaitable<http::response> livez(services&, http::request&) {
    co_return http::json_response(http::status::ok, R"({"status":"alive"})");
}

boost::asio::awaitable<http::response> metrics_page(services& svc, http::request&) {
    svc.metrics.set_storage_ready(svc.store.health().ready);
    co_await refresh_disk_gauge(svc);
    co_return http::make_response(http::status::ok, svc.metrics.render(),
                                  metrics::prometheus_content_type);
}

}  // namespace simplefs::api
