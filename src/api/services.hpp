#pragma once

#include "api/readiness.hpp"
#include "http/mime_types.hpp"
#include "metrics/service_metrics.hpp"
#include "runtime/blocking_pool.hpp"
#include "storage/backend.hpp"

#include <chrono>
#include <cstddef>
#include <cstdint>

namespace simplefs::api {

struct api_options {
    /// Uploads are refused with 507 while the volume is at least this full (percent).
    double disk_usage_threshold = 95.0;
    /// Size of the buffer a request body is read into, one piece at a time.
    std::size_t chunk_size = 1024 * 1024;
    /// Largest upload in bytes (also the whole of a resumable one); 0 = unlimited.
    std::uint64_t max_upload_size = 0;
    /// Resumable uploads not written to for this long expire.
    std::chrono::seconds upload_expiry{24 * 60 * 60};
};

/// What the handlers work with. Every storage call goes through pool.run(): it blocks.
struct services {
    storage::backend& store;
    runtime::blocking_pool& pool;
    metrics::service_metrics& metrics;
    /// Content types by extension (/etc/mime.types, built-in fallback).
    const http::mime_table& mime;
    api_options options;
    /// /readyz's storage check (one at a time).
    readiness_check readiness{};
};

}  // namespace simplefs::api
