#include "metrics/family.hpp"

#include "metrics/format.hpp"

#include <algorithm>
#include <stdexcept>
#include <utility>

namespace simplefs::metrics {

namespace {

std::string_view type_name(metric_type type) noexcept {
    switch (type) {
        case metric_type::counter:
            return "counter";
        case metric_type::gauge:
            return "gauge";
        case metric_type::histogram:
            return "histogram";
        case metric_type::summary:
            return "summary";
    }
    return "untyped";
}

}  // namespace

family_info::family_info(std::string name, std::string help, metric_type type,
                         std::vector<std::string> label_names, label_values reserved_labels)
    : name_(std::move(name)),
      help_(std::move(help)),
      type_(type),
      label_names_(std::move(label_names)) {
    if (!is_valid_metric_name(name_)) {
        throw std::invalid_argument("invalid metric name: " + name_);
    }
    for (auto it = label_names_.begin(); it != label_names_.end(); ++it) {
        if (!is_valid_label_name(*it)) {
            throw std::invalid_argument("invalid label name for " + name_ + ": " + *it);
        }
        if (std::find(reserved_labels.begin(), reserved_labels.end(), *it) !=
            reserved_labels.end()) {
            throw std::invalid_argument("reserved label name for " + name_ + ": " + *it);
        }
        if (std::find(label_names_.begin(), it, *it) != it) {
            throw std::invalid_argument("repeated label name for " + name_ + ": " + *it);
        }
    }
}

std::string family_info::series_key(label_values values) const {
    if (values.size() != label_names_.size()) {
        throw std::invalid_argument("wrong number of label values for " + name_);
    }
    std::string key;
    auto value = values.begin();
    for (const auto& label : label_names_) {
        if (!key.empty()) {
            key += ',';
        }
        key += label;
        key += "=\"";
        append_escaped_label_value(key, *value++);
        key += '"';
    }
    return key;
}

void family_info::append_header(std::string& out) const {
    out += "# HELP ";
    out += name_;
    out += ' ';
    append_escaped_help(out, help_);
    out += "\n# TYPE ";
    out += name_;
    out += ' ';
    out += type_name(type_);
    out += '\n';
}

void family_info::append_sample(std::string& out, std::string_view suffix,
                                std::string_view series_key, double value,
                                std::string_view extra_label) const {
    out += name_;
    out += suffix;
    if (!series_key.empty() || !extra_label.empty()) {
        out += '{';
        out += series_key;
        if (!series_key.empty() && !extra_label.empty()) {
            out += ',';
        }
        out += extra_label;
        out += '}';
    }
    out += ' ';
    append_value(out, value);
    out += '\n';
}

}  // namespace simplefs::metrics
