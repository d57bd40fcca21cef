#include "metrics/service_metrics.hpp"

#include <cmath>

namespace simplefs::metrics {

std::string status_group(unsigned status) {
    return std::to_string(status).front() + std::string("xx");
}

service_metrics::service_metrics()
    : requests_("http_requests_total", "Total number of requests by method, status and handler.",
                {"handler", "method", "status"}),
      request_size_("http_request_size_bytes",
                    "Content length of incoming requests by handler. Only value of header is "
                    "respected. Otherwise ignored. No percentile calculated.",
                    {"handler"}),
      response_size_("http_response_size_bytes",
                     "Content length of outgoing responses by handler. Only value of header is "
                     "respected. Otherwise ignored. No percentile calculated.",
                     {"handler"}),
      duration_highr_("http_request_duration_highr_seconds",
                      "Latency with many buckets but no API specific labels. Made for more "
                      "accurate percentile calculations.",
                      {}, {0.01, 0.025, 0.05, 0.075, 0.1, 0.25, 0.5, 0.75, 1,  1.5, 2,
                           2.5,  3,     3.5,  4,     4.5, 5,    7.5, 10,   30, 60}),
      duration_("http_request_duration_seconds",
                "Latency with only few buckets by handler. Made to be only used if aggregation "
                "by handler is important.",
                {"handler", "method"}, {0.1, 0.5, 1}),
      disk_used_("disk_used", "Disk space used, as a fraction of the storage disk (0 to 1)."),
      storage_ready_("simplefs_storage_ready",
                     "1 while the storage can serve requests, 0 while it cannot be reached."),
      upload_bytes_("simplefs_upload_bytes_total", "File content bytes received in uploads."),
      download_bytes_("simplefs_download_bytes_total", "File content bytes sent in downloads."),
      in_flight_("simplefs_requests_in_flight", "HTTP requests being served right now."),
      open_connections_("simplefs_open_connections", "Client connections open right now."),
      refused_connections_("simplefs_connections_refused_total",
                           "Connections answered 503 and closed because --max-connections were "
                           "open."),
      upload_failures_("simplefs_upload_failures_total", "Uploads that failed, by reason.",
                       {"reason"}),
      auth_failures_("simplefs_auth_failures_total",
                     "Requests refused by access control (401 or 403), by reason.", {"reason"}),
      tus_created_("simplefs_tus_uploads_created_total", "Resumable (tus) uploads created."),
      tus_completed_("simplefs_tus_uploads_completed_total",
                     "Resumable (tus) uploads committed as files (or completed partial ones)."),
      tus_expired_("simplefs_tus_uploads_expired_total",
                   "Resumable (tus) uploads removed by the expiry sweep."),
      tus_bytes_("simplefs_tus_bytes_received_total",
                 "Bytes of resumable (tus) uploads received and stored.") {}

void service_metrics::observe_request(const request_sample& s) {
    const std::string_view handler = s.handler.empty() ? std::string_view("none") : s.handler;
    requests_.inc({handler, s.method, status_group(s.status)});
    request_size_.observe({handler}, static_cast<double>(s.request_bytes));
    response_size_.observe({handler}, static_cast<double>(s.response_bytes));
    duration_.observe({handler, s.method}, s.seconds);
    duration_highr_.observe({}, s.seconds);
}

void service_metrics::count_upload_failure(std::string_view reason) {
    upload_failures_.inc({reason});
}

void service_metrics::count_auth_failure(std::string_view reason) {
    auth_failures_.inc({reason});
}

void service_metrics::set_disk_used(double fraction) noexcept {
    disk_used_.set(std::round(fraction * 100) / 100);
}

std::string service_metrics::render() const {
    std::string out;
    out.reserve(16 * 1024);
    process_.render(out);
    requests_.render(out);
    request_size_.render(out);
    response_size_.render(out);
    duration_highr_.render(out);
    duration_.render(out);
    disk_used_.render(out);
    storage_ready_.render(out);
    upload_bytes_.render(out);
    download_bytes_.render(out);
    in_flight_.render(out);
    open_connections_.render(out);
    refused_connections_.render(out);
    upload_failures_.render(out);
    auth_failures_.render(out);
    tus_created_.render(out);
    tus_completed_.render(out);
    tus_expired_.render(out);
    tus_bytes_.render(out);
    return out;
}

}  // namespace simplefs::metrics
