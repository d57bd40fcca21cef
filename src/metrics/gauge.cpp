#include "metrics/gauge.hpp"

#include <utility>

namespace simplefs::metrics {

gauge::gauge(std::string name, std::string help)
    : info_(std::move(name), std::move(help), metric_type::gauge, {}) {}

void gauge::render(std::string& out) const {
    info_.append_header(out);
    info_.append_sample(out, "", "", value());
}

}  // namespace simplefs::metrics
