#pragma once

#include "metrics/family.hpp"

#include <cstdint>
#include <functional>
#include <map>
#include <mutex>
#include <string>
#include <vector>

namespace simplefs::metrics {

/// A histogram with labels and fixed buckets. Each series counts observations per bucket and
/// renders _bucket lines with cumulative counts (the last one le="+Inf"), then _count and
/// _sum. A series appears once observed; a family without labels has its one series from the
/// start. Thread-safe (one mutex per family).
class histogram_family {
public:
    /// upper_bounds must be strictly increasing and free of NaN; +Inf is appended unless it is
    /// already last. Throws std::invalid_argument on bad bounds, an invalid metric or label
    /// name, or the label name "le".
    histogram_family(std::string name, std::string help, std::vector<std::string> label_names,
                     std::vector<double> upper_bounds);

    /// Records v in the series with these label values: it lands in the first bucket whose
    /// upper bound is >= v. NaN is ignored. Throws std::invalid_argument if the number of
    /// values differs from the label names.
    void observe(label_values values, double v);

    /// The upper bounds, ending with +Inf.
    const std::vector<double>& upper_bounds() const noexcept { return upper_bounds_; }

    /// Appends HELP, TYPE and the samples of every series, ordered by label values.
    void render(std::string& out) const;

private:
    struct series {
        std::vector<std::uint64_t> buckets;
        std::uint64_t count = 0;
        double sum = 0;
    };

    series make_series() const { return series{std::vector<std::uint64_t>(upper_bounds_.size())}; }

    family_info info_;
    std::vector<double> upper_bounds_;
    std::vector<std::string> le_labels_;
    mutable std::mutex mutex_;
    std::map<std::string, series, std::less<>> series_;
};

}  // namespace simplefs::metrics
