#pragma once

#include "metrics/family.hpp"

#include <functional>
#include <map>
#include <mutex>
#include <string>
#include <vector>

namespace simplefs::metrics {

/// A counter with labels: one monotonically increasing value per combination of label values.
/// A series appears in the output once it has been incremented; a family without labels has
/// its one series (at 0) from the start. Thread-safe (one mutex per family).
class counter_family {
public:
    /// Throws std::invalid_argument on an invalid metric or label name.
    counter_family(std::string name, std::string help, std::vector<std::string> label_names);

    /// Adds amount to the series with these label values. Throws std::invalid_argument if
    /// amount is negative or NaN, or the number of values differs from the label names.
    void inc(label_values values, double amount = 1);

    /// The value of one series; 0 if it was never incremented.
    double value(label_values values) const;

    /// Appends HELP, TYPE and one sample per series, ordered by label values.
    void render(std::string& out) const;

private:
    family_info info_;
    mutable std::mutex mutex_;
    std::map<std::string, double, std::less<>> series_;
};

}  // namespace simplefs::metrics
