#pragma once

#include <string_view>

namespace simplefs::config {

/// Version of simplefs, printed by --version.
inline constexpr std::string_view version = "0.1.0";

}  // namespace simplefs::config
