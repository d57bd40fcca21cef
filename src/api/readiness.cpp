#include "api/readiness.hpp"

#include "api/services.hpp"
#include "api/upload_checks.hpp"

#include <fmt/format.h>

#include <string_view>

namespace simplefs::api {
namespace {

constexpr std::string_view probe_name = "readyz.probe";

/// Blocks: run on the pool.
std::string check_storage(services& svc) {
    const auto usage = svc.store.usage();
    if (!usage) {
        return "cannot read the disk usage: " + usage.error().message();
    }
    svc.metrics.set_disk_used(usage->used_fraction);
    if (at_upload_threshold(*usage, svc.options)) {
        return fmt::format("disk {:.1f}% full, at or above the {}% upload threshold",
                           usage->used_fraction * 100.0, svc.options.disk_usage_threshold);
    }
    auto probe = svc.store.create_writer(probe_name);
    if (!probe) {
        return "storage not writable: " + probe.error().message();
    }
    (*probe)->abort();
    return {};
}

}  // namespace

void readiness_check::finish(std::string answer) {
    std::lock_guard lock(mutex_);
    running_ = false;
    last_answer_ = std::move(answer);
}

boost::asio::awaitable<std::string> readiness_check::storage_not_ready(services& svc) {
    {
        std::lock_guard lock(mutex_);
        if (running_) {
            const auto waited = std::chrono::steady_clock::now() - started_;
            if (waited > readiness_patience) {
                co_return fmt::format(
                    "the storage has not answered for {} s",
                    std::chrono::duration_cast<std::chrono::seconds>(waited).count());
            }
            co_return last_answer_;
        }
        running_ = true;
        started_ = std::chrono::steady_clock::now();
    }
    std::string answer;
    try {
        answer = co_await svc.pool.run([&] { return check_storage(svc); });
    } catch (...) {
        finish("the storage check failed");
        throw;
    }
    finish(answer);
    co_return answer;
}

}  // namespace simplefs::api
