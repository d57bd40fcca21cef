#pragma once

#include "metrics/family.hpp"

#include <cstdint>
#include <functional>
#include <map>
#include <mutex>
#include <string>
#include <vector>

namespace simplefs::metrics {

/// A summary with labels that, like the Python client's Summary, keeps no quantiles: each
/// series renders only _count and _sum. A series appears once observed; a family without
/// labels has its one series from the start. Thread-safe (one mutex per family).
class summary_family {
public:
    /// Throws std::invalid_argument on an invalid metric or label name, or the label name
    /// "quantile".
    summary_family(std::string name, std::string help, std::vector<std::string> label_names);

    /// Records v in the series with these label values. Throws std::invalid_argument if the
    /// number of values differs from the label names.
    void observe(label_values values, double v);

    /// Appends HELP, TYPE and the samples of every series, ordered by label values.
    void render(std::string& out) const;

private:
    struct series {
        std::uint64_t count = 0;
        double sum = 0;
    };

    family_info info_;
    mutable std::mutex mutex_;
    std::map<std::string, series, std::less<>> series_;
};

}  // namespace simplefs::metrics
