#pragma once

#include <initializer_list>
#include <string>
#include <string_view>
#include <vector>

namespace simplefs::metrics {

/// Label values of one series, in the order of the family's label names.
using label_values = std::initializer_list<std::string_view>;

/// The metric types of text format 0.0.4 that this library writes.
enum class metric_type { counter, gauge, histogram, summary };

/// What every metric family shares: its name, help text, type and label names, and how its
/// HELP/TYPE header and sample lines are written. Immutable after construction, so it needs
/// no locking.
class family_info {
public:
    /// Throws std::invalid_argument if name or a label name is invalid, a label name repeats,
    /// or a label name is one of reserved_labels (e.g. "le" for histograms).
    family_info(std::string name, std::string help, metric_type type,
                std::vector<std::string> label_names, label_values reserved_labels = {});

    const std::string& name() const noexcept { return name_; }
    const std::string& help() const noexcept { return help_; }
    metric_type type() const noexcept { return type_; }
    const std::vector<std::string>& label_names() const noexcept { return label_names_; }

    /// Returns the label pairs of one series as they appear between the braces, e.g.
    /// `handler="/files/{name}",method="GET"` (empty for a family without labels). Throws
    /// std::invalid_argument if the number of values differs from the number of label names.
    std::string series_key(label_values values) const;

    /// Appends the "# HELP" and "# TYPE" lines.
    void append_header(std::string& out) const;

    /// Appends one sample line: name + suffix, the labels of series_key plus extra_label (an
    /// already rendered pair such as `le="0.5"`, or empty), then the value.
    void append_sample(std::string& out, std::string_view suffix, std::string_view series_key,
                       double value, std::string_view extra_label = {}) const;

private:
    std::string name_;
    std::string help_;
    metric_type type_;
    std::vector<std::string> label_names_;
};

}  // namespace simplefs::metrics
