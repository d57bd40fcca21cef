#include "api/tus_uploads.hpp"

#include <spdlog/spdlog.h>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>

#include <algorithm>
#include <chrono>

namespace simplefs::api {

std::size_t sweep_expired_uploads(services& svc) {
    auto* uploads = svc.store.uploads();
    if (uploads == nullptr) {
        return 0;
    }
    auto ids = uploads->list();
    if (!ids) {
        spdlog::warn("upload sweep: cannot list uploads: {}", ids.error().message());
        return 0;
    }
    std::size_t expired = 0;
    for (const auto& id : *ids) {
        auto info = uploads->read_info(id);
        if (!info || info->expires >= tus::now_seconds()) {
            continue;
        }
        // A request holding the upload may be extending it: leave it for the next sweep.
        auto held = uploads->lock(id);
        if (!held && held.error() == storage::errc::not_found) {
            // An info whose data is gone (a crash between creating or removing the two): nothing
            // can write to it, so it goes without a lock.
            if (uploads->remove(id)) {
                ++expired;
            }
            continue;
        }
        if (!held) {
            continue;
        }
        // Read again under the lock: another replica may have written since.
        info = uploads->read_info(id);
        if (!info || info->expires >= tus::now_seconds()) {
            continue;
        }
        if (auto removed = uploads->remove(id); !removed) {
            spdlog::warn("upload sweep: cannot remove {}: {}", id, removed.error().message());
            continue;
        }
        if (!info->completed) {
            ++expired;
        }
    }
    if (expired > 0) {
        svc.metrics.count_tus_expired(expired);
        spdlog::info("removed {} expired upload(s)", expired);
    }
    return expired;
}

boost::asio::awaitable<void> sweep_uploads_periodically(services& svc) {
    // Often enough that an upload outlives its expiry by little, rarely enough to cost nothing.
    const auto period = std::clamp<std::chrono::seconds>(
        svc.options.upload_expiry / 4, std::chrono::seconds{1}, std::chrono::seconds{60});
    boost::asio::steady_timer timer(co_await boost::asio::this_coro::executor);
    for (;;) {
        timer.expires_after(period);
        co_await timer.async_wait(boost::asio::use_awaitable);
        co_await svc.pool.run([&] { sweep_expired_uploads(svc); });
    }
}

}  // namespace simplefs::api
