#include "metrics/histogram_family.hpp"

#include "metrics/format.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <stdexcept>
#include <utility>

namespace simplefs::metrics {

namespace {

std::vector<double> checked_bounds(const std::string& name, std::vector<double> bounds) {
    constexpr double inf = std::numeric_limits<double>::infinity();
    if (bounds.empty() || bounds.back() != inf) {
        bounds.push_back(inf);
    }
    for (std::size_t i = 0; i < bounds.size(); ++i) {
        if (std::isnan(bounds[i]) || (i > 0 && !(bounds[i - 1] < bounds[i]))) {
            throw std::invalid_argument("histogram " + name +
                                        ": bounds must be increasing and not NaN");
        }
    }
    return bounds;
}

}  // namespace

histogram_family::histogram_family(std::string name, std::string help,
                                   std::vector<std::string> label_names,
                                   std::vector<double> upper_bounds)
    : info_(std::move(name), std::move(help), metric_type::histogram, std::move(label_names),
            {"le"}),
      upper_bounds_(checked_bounds(info_.name(), std::move(upper_bounds))) {
    le_labels_.reserve(upper_bounds_.size());
    for (const double bound : upper_bounds_) {
        // The Python client writes whole bounds as "1.0"; Prometheus 2 treats le="1" as another
        // series, so keep its spelling for the original's dashboards and queries.
        std::string text = format_value(bound);
        if (std::isfinite(bound) && text.find_first_of(".e") == std::string::npos) {
            text += ".0";
        }
        le_labels_.push_back("le=\"" + text + "\"");
    }
    if (info_.label_names().empty()) {
        series_.emplace(std::string(), make_series());
    }
}

void histogram_family::observe(label_values values, double v) {
    std::string key = info_.series_key(values);
    if (std::isnan(v)) {
        return;
    }
    const auto bucket = static_cast<std::size_t>(
        std::lower_bound(upper_bounds_.begin(), upper_bounds_.end(), v) - upper_bounds_.begin());
    const std::scoped_lock lock(mutex_);
    auto it = series_.find(key);
    if (it == series_.end()) {
        it = series_.emplace(std::move(key), make_series()).first;
    }
    ++it->second.buckets[bucket];
    ++it->second.count;
    it->second.sum += v;
}

void histogram_family::render(std::string& out) const {
    info_.append_header(out);
    const std::scoped_lock lock(mutex_);
    for (const auto& [key, s] : series_) {
        std::uint64_t cumulative = 0;
        for (std::size_t i = 0; i < s.buckets.size(); ++i) {
            cumulative += s.buckets[i];
            info_.append_sample(out, "_bucket", key, static_cast<double>(cumulative),
                                le_labels_[i]);
        }
        info_.append_sample(out, "_count", key, static_cast<double>(s.count));
        info_.append_sample(out, "_sum", key, s.sum);
    }
}

}  // namespace simplefs::metrics
