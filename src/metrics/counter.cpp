#include "metrics/counter.hpp"

#include <utility>

namespace simplefs::metrics {

counter::counter(std::string name, std::string help)
    : info_(std::move(name), std::move(help), metric_type::counter, {}) {}

void counter::render(std::string& out) const {
    info_.append_header(out);
    info_.append_sample(out, "", "", static_cast<double>(value()));
}

}  // namespace simplefs::metrics
