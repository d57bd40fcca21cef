#include "metrics/summary_family.hpp"

#include <utility>

namespace simplefs::metrics {

summary_family::summary_family(std::string name, std::string help,
                               std::vector<std::string> label_names)
    : info_(std::move(name), std::move(help), metric_type::summary, std::move(label_names),
            {"quantile"}) {
    if (info_.label_names().empty()) {
        series_.emplace(std::string(), series{});
    }
}

void summary_family::observe(label_values values, double v) {
    std::string key = info_.series_key(values);
    const std::scoped_lock lock(mutex_);
    auto& s = series_[std::move(key)];
    ++s.count;
    s.sum += v;
}

void summary_family::render(std::string& out) const {
    info_.append_header(out);
    const std::scoped_lock lock(mutex_);
    for (const auto& [key, s] : series_) {
        info_.append_sample(out, "_count", key, static_cast<double>(s.count));
        info_.append_sample(out, "_sum", key, s.sum);
    }
}

}  // namespace simplefs::metrics
