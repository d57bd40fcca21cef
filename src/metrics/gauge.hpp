#pragma once

#include "metrics/family.hpp"

#include <atomic>
#include <string>

namespace simplefs::metrics {

/// A gauge without labels. Lock-free; safe to use from any thread.
class gauge {
public:
    /// Throws std::invalid_argument if name is not a valid metric name.
    gauge(std::string name, std::string help);

    void set(double v) noexcept { value_.store(v, std::memory_order_relaxed); }
    void add(double delta) noexcept { value_.fetch_add(delta, std::memory_order_relaxed); }
    void inc() noexcept { add(1); }
    void dec() noexcept { add(-1); }

    double value() const noexcept { return value_.load(std::memory_order_relaxed); }

    /// Appends HELP, TYPE and the single sample.
    void render(std::string& out) const;

private:
    family_info info_;
    std::atomic<double> value_{0};
};

}  // namespace simplefs::metrics
