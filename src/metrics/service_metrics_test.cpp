#include "metrics/service_metrics.hpp"

#include <gtest/gtest.h>

#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>
#include <thread>
#include <vector>

namespace simplefs::metrics {
namespace {

bool contains(const std::string& text, const std::string& line) {
    return text.find(line + "\n") != std::string::npos;
}

request_sample sample(std::string_view handler, std::string_view method, unsigned status) {
    return request_sample{handler, method, status, 100, 2000, 0.2};
}

TEST(StatusGroup, UsesFirstDigit) {
    EXPECT_EQ(status_group(200), "2xx");
    EXPECT_EQ(status_group(204), "2xx");
    EXPECT_EQ(status_group(101), "1xx");
    EXPECT_EQ(status_group(304), "3xx");
    EXPECT_EQ(status_group(404), "4xx");
    EXPECT_EQ(status_group(413), "4xx");
    EXPECT_EQ(status_group(500), "5xx");
    EXPECT_EQ(status_group(503), "5xx");
}

TEST(ServiceMetrics, ContentTypeIsTextFormat004) {
    EXPECT_EQ(prometheus_content_type, "text/plain; version=0.0.4; charset=utf-8");
}

TEST(ServiceMetrics, ObserveRequestFeedsHttpMetrics) {
    service_metrics m;
    m.observe_request(sample("/files/{name}", "GET", 200));
    m.observe_request(sample("/files/{name}", "GET", 206));
    m.observe_request(sample("/files/{name}", "PUT", 507));
    m.observe_request({"", "GET", 404, 0, 22, 1.5});
    const std::string text = m.render();
    EXPECT_TRUE(contains(text, "# TYPE http_requests_total counter"));
    EXPECT_TRUE(contains(
        text, "http_requests_total{handler=\"/files/{name}\",method=\"GET\",status=\"2xx\"} 2"));
    EXPECT_TRUE(contains(
        text, "http_requests_total{handler=\"/files/{name}\",method=\"PUT\",status=\"5xx\"} 1"));
    EXPECT_TRUE(
        contains(text, "http_requests_total{handler=\"none\",method=\"GET\",status=\"4xx\"} 1"));
    EXPECT_TRUE(contains(text, "# TYPE http_request_size_bytes summary"));
    EXPECT_TRUE(contains(text, "http_request_size_bytes_count{handler=\"/files/{name}\"} 3"));
    EXPECT_TRUE(contains(text, "http_request_size_bytes_sum{handler=\"/files/{name}\"} 300"));
    EXPECT_TRUE(contains(text, "http_request_size_bytes_sum{handler=\"none\"} 0"));
    EXPECT_TRUE(contains(text, "http_response_size_bytes_sum{handler=\"/files/{name}\"} 6000"));
    EXPECT_TRUE(contains(text, "http_response_size_bytes_sum{handler=\"none\"} 22"));
    EXPECT_TRUE(contains(text, "# TYPE http_request_duration_seconds histogram"));
    EXPECT_TRUE(contains(text,
                         "http_request_duration_seconds_bucket{handler=\"/files/"
                         "{name}\",method=\"GET\",le=\"0.1\"} 0"));
    EXPECT_TRUE(contains(text,
                         "http_request_duration_seconds_bucket{handler=\"/files/"
                         "{name}\",method=\"GET\",le=\"0.5\"} 2"));
    EXPECT_TRUE(contains(
        text,
        "http_request_duration_seconds_bucket{handler=\"none\",method=\"GET\",le=\"1.0\"} 0"));
    EXPECT_TRUE(contains(
        text,
        "http_request_duration_seconds_bucket{handler=\"none\",method=\"GET\",le=\"+Inf\"} 1"));
    EXPECT_TRUE(
        contains(text, "http_request_duration_seconds_sum{handler=\"none\",method=\"GET\"} 1.5"));
    EXPECT_TRUE(contains(text, "# TYPE http_request_duration_highr_seconds histogram"));
    EXPECT_TRUE(contains(text, "http_request_duration_highr_seconds_bucket{le=\"0.01\"} 0"));
    EXPECT_TRUE(contains(text, "http_request_duration_highr_seconds_bucket{le=\"0.25\"} 3"));
    EXPECT_TRUE(contains(text, "http_request_duration_highr_seconds_bucket{le=\"1.5\"} 4"));
    EXPECT_TRUE(contains(text, "http_request_duration_highr_seconds_bucket{le=\"60.0\"} 4"));
    EXPECT_TRUE(contains(text, "http_request_duration_highr_seconds_bucket{le=\"+Inf\"} 4"));
    EXPECT_TRUE(contains(text, "http_request_duration_highr_seconds_count 4"));
}

TEST(ServiceMetrics, HighResolutionHistogramHasInstrumentatorBuckets) {
    const std::string text = service_metrics().render();
    std::string les;
    const std::string prefix = "http_request_duration_highr_seconds_bucket{le=\"";
    for (auto pos = text.find(prefix); pos != std::string::npos; pos = text.find(prefix, pos)) {
        pos += prefix.size();
        les += text.substr(pos, text.find('"', pos) - pos) + " ";
    }
    EXPECT_EQ(les,
              "0.01 0.025 0.05 0.075 0.1 0.25 0.5 0.75 1.0 1.5 2.0 2.5 3.0 3.5 4.0 4.5 5.0 7.5 "
              "10.0 30.0 60.0 +Inf ");
}

TEST(ServiceMetrics, OwnCountersAndGauges) {
    service_metrics m;
    EXPECT_TRUE(contains(m.render(), "simplefs_upload_bytes_total 0"));
    m.add_upload_bytes(1000);
    m.add_upload_bytes(24);
    m.add_download_bytes(7);
    m.request_started();
    m.request_started();
    m.request_finished();
    m.count_upload_failure("no_space");
    m.count_upload_failure("no_space");
    m.count_upload_failure("client_aborted");
    m.set_disk_used(0.4567);
    m.connection_opened();
    m.connection_opened();
    m.connection_closed();
    m.count_refused_connection();
    m.count_tus_created();
    m.count_tus_created();
    m.count_tus_completed();
    m.count_tus_expired(3);
    m.add_tus_bytes(512);
    const std::string text = m.render();
    EXPECT_TRUE(contains(text, "simplefs_tus_uploads_created_total 2"));
    EXPECT_TRUE(contains(text, "simplefs_tus_uploads_completed_total 1"));
    EXPECT_TRUE(contains(text, "simplefs_tus_uploads_expired_total 3"));
    EXPECT_TRUE(contains(text, "simplefs_tus_bytes_received_total 512"));
    EXPECT_TRUE(contains(text, "simplefs_open_connections 1"));
    EXPECT_TRUE(contains(text, "simplefs_connections_refused_total 1"));
    EXPECT_TRUE(contains(text, "simplefs_upload_bytes_total 1024"));
    EXPECT_TRUE(contains(text, "simplefs_download_bytes_total 7"));
    EXPECT_TRUE(contains(text, "# TYPE simplefs_requests_in_flight gauge"));
    EXPECT_TRUE(contains(text, "simplefs_requests_in_flight 1"));
    EXPECT_TRUE(contains(text, "simplefs_upload_failures_total{reason=\"no_space\"} 2"));
    EXPECT_TRUE(contains(text, "simplefs_upload_failures_total{reason=\"client_aborted\"} 1"));
    EXPECT_TRUE(contains(text, "# TYPE disk_used gauge"));
    EXPECT_TRUE(contains(text, "disk_used 0.46"));
    m.set_disk_used(1);
    EXPECT_TRUE(contains(m.render(), "disk_used 1"));
    m.set_disk_used(0.004);
    EXPECT_TRUE(contains(m.render(), "disk_used 0"));
    m.set_storage_ready(true);
    EXPECT_TRUE(contains(m.render(), "# TYPE simplefs_storage_ready gauge"));
    EXPECT_TRUE(contains(m.render(), "simplefs_storage_ready 1"));
    m.set_storage_ready(false);
    EXPECT_TRUE(contains(m.render(), "simplefs_storage_ready 0"));
}

TEST(ServiceMetrics, AuthFailuresByReason) {
    service_metrics m;
    EXPECT_EQ(m.render().find("simplefs_auth_failures_total{"), std::string::npos);
    m.count_auth_failure("invalid_token");
    m.count_auth_failure("invalid_token");
    m.count_auth_failure("expired_signature");
    const std::string text = m.render();
    EXPECT_TRUE(contains(text, "# TYPE simplefs_auth_failures_total counter"));
    EXPECT_TRUE(contains(text, "simplefs_auth_failures_total{reason=\"invalid_token\"} 2"));
    EXPECT_TRUE(contains(text, "simplefs_auth_failures_total{reason=\"expired_signature\"} 1"));
}

TEST(ServiceMetrics, ProcessMetricsArePresent) {
    const std::string text = service_metrics().render();
    for (const char* name : {"process_virtual_memory_bytes", "process_resident_memory_bytes",
                             "process_start_time_seconds", "process_cpu_seconds_total",
                             "process_open_fds", "process_max_fds"}) {
        EXPECT_NE(text.find(std::string("\n") + name + " "), std::string::npos) << name;
    }
    EXPECT_TRUE(contains(text, "# TYPE process_cpu_seconds_total counter"));
    EXPECT_TRUE(contains(text, "# TYPE process_resident_memory_bytes gauge"));
}

TEST(ServiceMetrics, ConcurrentObservationsAreExact) {
    constexpr int threads = 8;
    constexpr int per_thread = 2000;
    service_metrics m;
    std::vector<std::thread> workers;
    for (int t = 0; t < threads; ++t) {
        workers.emplace_back([&m, t] {
            for (int i = 0; i < per_thread; ++i) {
                m.request_started();
                m.observe_request(sample("/files/{name}", t % 2 == 0 ? "GET" : "PUT", 200));
                m.add_upload_bytes(10);
                m.count_upload_failure("x");
                if (i % 500 == 0) {
                    m.set_disk_used(0.5);
                    static_cast<void>(m.render());
                }
                m.request_finished();
            }
        });
    }
    for (auto& worker : workers) {
        worker.join();
    }
    const std::string half = std::to_string(threads * per_thread / 2);
    const std::string all = std::to_string(threads * per_thread);
    const std::string text = m.render();
    EXPECT_TRUE(contains(
        text,
        "http_requests_total{handler=\"/files/{name}\",method=\"GET\",status=\"2xx\"} " + half));
    EXPECT_TRUE(contains(
        text,
        "http_requests_total{handler=\"/files/{name}\",method=\"PUT\",status=\"2xx\"} " + half));
    EXPECT_TRUE(contains(text, "http_request_size_bytes_count{handler=\"/files/{name}\"} " + all));
    EXPECT_TRUE(contains(text, "http_request_duration_highr_seconds_count " + all));
    EXPECT_TRUE(
        contains(text, "simplefs_upload_bytes_total " + std::to_string(threads * per_thread * 10)));
    EXPECT_TRUE(contains(text, "simplefs_upload_failures_total{reason=\"x\"} " + all));
    EXPECT_TRUE(contains(text, "simplefs_requests_in_flight 0"));
}

TEST(ServiceMetrics, PromtoolAcceptsOutput) {
    if (std::system("command -v promtool >/dev/null 2>&1") != 0) {
        GTEST_SKIP() << "promtool is not on PATH";
    }
    service_metrics m;
    m.observe_request(sample("/files/{name}", "GET", 200));
    m.observe_request({"/weird \"\\\n", "DELETE", 404, 1, 2, 0.001});
    m.observe_request({"", "POST", 500, 5, 0, 120});
    m.add_upload_bytes(5);
    m.add_download_bytes(6);
    m.count_upload_failure("no_space");
    m.set_disk_used(0.25);
    m.request_started();
    const auto path = std::filesystem::temp_directory_path() /
                      ("simplefs_metrics_" + std::to_string(::getpid()) + ".prom");
    {
        std::ofstream out(path, std::ios::binary);
        out << m.render();
    }
    const std::string command = "promtool check metrics < '" + path.string() + "'";
    const int status = std::system(command.c_str());
    std::filesystem::remove(path);
    EXPECT_EQ(status, 0) << command;
}

}  // namespace
}  // namespace simplefs::metrics
