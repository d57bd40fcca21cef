#pragma once

#include "metrics/counter.hpp"
#include "metrics/counter_family.hpp"
#include "metrics/gauge.hpp"
#include "metrics/histogram_family.hpp"
#include "metrics/process_collector.hpp"
#include "metrics/summary_family.hpp"

#include <cstdint>
#include <string>
#include <string_view>

namespace simplefs::metrics {

/// The Content-Type of render()'s output.
inline constexpr std::string_view prometheus_content_type =
    "text/plain; version=0.0.4; charset=utf-8";

/// One finished HTTP request, as reported to service_metrics::observe_request().
struct request_sample {
    std::string_view handler;  ///< route template such as "/files/{name}"; "none" if unknown
    std::string_view method;
    unsigned status;
    std::uint64_t request_bytes;
    std::uint64_t response_bytes;
    double seconds;
};

/// The status label of http_requests_total: the first digit of status followed by "xx"
/// ("2xx" for 204), as prometheus-fastapi-instrumentator groups status codes.
std::string status_group(unsigned status);

/// All metrics of the service. Names, labels and buckets of the http_* metrics are those of
/// prometheus-fastapi-instrumentator's defaults, so dashboards made for the Python service
/// keep working; process_* are those of the Python client's process collector; simplefs_* and
/// disk_used are the service's own. Thread-safe: every member may be called from any thread.
class service_metrics {
public:
    service_metrics();

    /// Counts a finished request in http_requests_total, http_request_size_bytes,
    /// http_response_size_bytes, http_request_duration_seconds and
    /// http_request_duration_highr_seconds. An empty handler is recorded as "none".
    void observe_request(const request_sample& s);

    /// Raise and lower simplefs_requests_in_flight; call once each per request.
    void request_started() noexcept { in_flight_.inc(); }
    void request_finished() noexcept { in_flight_.dec(); }

    /// Raise and lower simplefs_open_connections; call once each per accepted connection.
    void connection_opened() noexcept { open_connections_.inc(); }
    void connection_closed() noexcept { open_connections_.dec(); }
    /// Counts a connection turned away at the connection cap (simplefs_connections_refused_total).
    void count_refused_connection() noexcept { refused_connections_.inc(); }

    /// Add to simplefs_upload_bytes_total / simplefs_download_bytes_total.
    void add_upload_bytes(std::uint64_t n) noexcept { upload_bytes_.inc(n); }
    void add_download_bytes(std::uint64_t n) noexcept { download_bytes_.inc(n); }

    /// Resumable (tus) uploads: simplefs_tus_uploads_{created,completed,expired}_total and
    /// simplefs_tus_bytes_received_total (PATCH and creation-with-upload bytes kept).
    void count_tus_created() noexcept { tus_created_.inc(); }
    void count_tus_completed() noexcept { tus_completed_.inc(); }
    void count_tus_expired(std::uint64_t n = 1) noexcept { tus_expired_.inc(n); }
    void add_tus_bytes(std::uint64_t n) noexcept { tus_bytes_.inc(n); }

    /// Counts one failed upload in simplefs_upload_failures_total{reason}. Use a small fixed
    /// set of reasons (each one is a time series).
    void count_upload_failure(std::string_view reason);

    /// Counts one refused request in simplefs_auth_failures_total{reason} (access control: a
    /// missing or invalid token, a missing scope, a bad or expired signed URL...). A small
    /// fixed set of reasons.
    void count_auth_failure(std::string_view reason);

    /// Sets disk_used to fraction (0 to 1) rounded to 2 decimals.
    void set_disk_used(double fraction) noexcept;

    /// Sets simplefs_storage_ready: 1 when the storage can serve requests, else 0.
    void set_storage_ready(bool ready) noexcept { storage_ready_.set(ready ? 1 : 0); }

    /// The whole exposition in Prometheus text format 0.0.4 (see prometheus_content_type).
    std::string render() const;

private:
    process_collector process_;
    counter_family requests_;
    summary_family request_size_;
    summary_family response_size_;
    histogram_family duration_highr_;
    histogram_family duration_;
    gauge disk_used_;
    gauge storage_ready_;
    counter upload_bytes_;
    counter download_bytes_;
    gauge in_flight_;
    gauge open_connections_;
    counter refused_connections_;
    counter_family upload_failures_;
    counter_family auth_failures_;
    counter tus_created_;
    counter tus_completed_;
    counter tus_expired_;
    counter tus_bytes_;
};

}  // namespace simplefs::metrics
