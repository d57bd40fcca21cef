#include "metrics/counter_family.hpp"

#include <stdexcept>
#include <utility>

namespace simplefs::metrics {

counter_family::counter_family(std::string name, std::string help,
                               std::vector<std::string> label_names)
    : info_(std::move(name), std::move(help), metric_type::counter, std::move(label_names)) {
    if (info_.label_names().empty()) {
        series_.emplace(std::string(), 0.0);
    }
}

void counter_family::inc(label_values values, double amount) {
    if (!(amount >= 0)) {
        throw std::invalid_argument("counter " + info_.name() + " can only increase");
    }
    std::string key = info_.series_key(values);
    const std::scoped_lock lock(mutex_);
    series_[std::move(key)] += amount;
}

double counter_family::value(label_values values) const {
    const std::string key = info_.series_key(values);
    const std::scoped_lock lock(mutex_);
    const auto it = series_.find(key);
    return it == series_.end() ? 0.0 : it->second;
}

void counter_family::render(std::string& out) const {
    info_.append_header(out);
    const std::scoped_lock lock(mutex_);
    for (const auto& [key, value] : series_) {
        info_.append_sample(out, "", key, value);
    }
}

}  // namespace simplefs::metrics
