#pragma once

#include <chrono>
#include <cstdint>
#include <string>
#include <string_view>

namespace simplefs::log {

enum class format { text, json };

/// Configures the process-wide spdlog default logger (errors, lifecycle) and the access logger.
/// level is an spdlog level name (trace, debug, info, warn, error, critical, off). Call once,
/// before any thread starts.
void setup(std::string_view level, format fmt);

/// One finished request, as the access line records it.
struct access_record {
    std::string_view method;
    std::string_view target;
    std::string_view route;  ///< route template, "none" when no route matched
    unsigned status = 0;
    std::uint64_t bytes_in = 0;
    std::uint64_t bytes_out = 0;
    std::chrono::duration<double> duration{};
    std::string_view peer;
};

/// Writes one access line (info level) in the configured format.
void access(const access_record& record);

}  // namespace simplefs::log
