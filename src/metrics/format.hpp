#pragma once

#include <string>
#include <string_view>

namespace simplefs::metrics {

/// Appends v the way Prometheus text format 0.0.4 writes sample values: integral values as
/// plain digits ("0", "1", "1048576"), other finite values in shortest round-trip form ("0.1",
/// "2.5e-07"), and "+Inf", "-Inf", "NaN". Negative zero is written as "0".
void append_value(std::string& out, double v);

/// Returns v formatted as append_value() writes it.
std::string format_value(double v);

/// Appends a label value with '\\', '"' and newline escaped as "\\\\", "\\\"" and "\\n".
void append_escaped_label_value(std::string& out, std::string_view value);

/// Appends HELP text with '\\' and newline escaped as "\\\\" and "\\n".
void append_escaped_help(std::string& out, std::string_view help);

/// True if name matches [a-zA-Z_:][a-zA-Z0-9_:]*.
bool is_valid_metric_name(std::string_view name) noexcept;

/// True if name matches [a-zA-Z_][a-zA-Z0-9_]* and does not start with "__" (reserved).
bool is_valid_label_name(std::string_view name) noexcept;

}  // namespace simplefs::metrics
