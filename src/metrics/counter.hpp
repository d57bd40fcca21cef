#pragma once

#include "metrics/family.hpp"

#include <atomic>
#include <cstdint>
#include <string>

namespace simplefs::metrics {

/// A counter without labels that counts whole units (requests, bytes). Lock-free; safe to
/// use from any thread.
class counter {
public:
    /// Throws std::invalid_argument if name is not a valid metric name.
    counter(std::string name, std::string help);

    /// Adds n.
    void inc(std::uint64_t n = 1) noexcept { value_.fetch_add(n, std::memory_order_relaxed); }

    std::uint64_t value() const noexcept { return value_.load(std::memory_order_relaxed); }

    /// Appends HELP, TYPE and the single sample.
    void render(std::string& out) const;

private:
    family_info info_;
    std::atomic<std::uint64_t> value_{0};
};

}  // namespace simplefs::metrics
