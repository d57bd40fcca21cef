#pragma once

#include "metrics/family.hpp"

#include <optional>
#include <string>

namespace simplefs::metrics {

/// The process metrics of the Python client's process collector, read from /proc/self each
/// time they are rendered: process_virtual_memory_bytes, process_resident_memory_bytes,
/// process_start_time_seconds, process_cpu_seconds_total, process_open_fds and
/// process_max_fds. A metric whose source cannot be read is left out (e.g. without /proc).
class process_collector {
public:
    process_collector();

    /// Appends HELP, TYPE and the sample of each metric that could be read.
    void render(std::string& out) const;

private:
    family_info virtual_memory_;
    family_info resident_memory_;
    family_info start_time_;
    family_info cpu_seconds_;
    family_info open_fds_;
    family_info max_fds_;
    double ticks_per_second_;
    double page_size_;
    std::optional<double> boot_time_;
};

}  // namespace simplefs::metrics
