#include "metrics/counter.hpp"
#include "metrics/counter_family.hpp"
#include "metrics/format.hpp"
#include "metrics/gauge.hpp"
#include "metrics/histogram_family.hpp"
#include "metrics/summary_family.hpp"

#include <gtest/gtest.h>

#include <limits>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

namespace simplefs::metrics {
namespace {

constexpr double inf = std::numeric_limits<double>::infinity();

std::string render(const auto& metric) {
    std::string out;
    metric.render(out);
    return out;
}

TEST(FormatValue, WritesIntegersWithoutExponentOrFraction) {
    EXPECT_EQ(format_value(0), "0");
    EXPECT_EQ(format_value(-0.0), "0");
    EXPECT_EQ(format_value(1), "1");
    EXPECT_EQ(format_value(-3), "-3");
    EXPECT_EQ(format_value(1048576), "1048576");
    EXPECT_EQ(format_value(1e20), "100000000000000000000");
    EXPECT_EQ(format_value(9007199254740993.0), "9007199254740992");
}

TEST(FormatValue, WritesFractionsInShortestForm) {
    EXPECT_EQ(format_value(0.1), "0.1");
    EXPECT_EQ(format_value(0.025), "0.025");
    EXPECT_EQ(format_value(7.5), "7.5");
    EXPECT_EQ(format_value(0.1 + 0.2), "0.30000000000000004");
    EXPECT_EQ(format_value(2.5e-7), "2.5e-07");
    EXPECT_EQ(format_value(1e21), "1e+21");
}

TEST(FormatValue, WritesSpecialValues) {
    EXPECT_EQ(format_value(inf), "+Inf");
    EXPECT_EQ(format_value(-inf), "-Inf");
    EXPECT_EQ(format_value(std::numeric_limits<double>::quiet_NaN()), "NaN");
}

TEST(Names, ValidatesMetricAndLabelNames) {
    EXPECT_TRUE(is_valid_metric_name("http_requests_total"));
    EXPECT_TRUE(is_valid_metric_name("a:b_C9"));
    EXPECT_FALSE(is_valid_metric_name(""));
    EXPECT_FALSE(is_valid_metric_name("9a"));
    EXPECT_FALSE(is_valid_metric_name("a-b"));
    EXPECT_TRUE(is_valid_label_name("handler"));
    EXPECT_TRUE(is_valid_label_name("_x1"));
    EXPECT_FALSE(is_valid_label_name("a:b"));
    EXPECT_FALSE(is_valid_label_name("__name__"));
    EXPECT_FALSE(is_valid_label_name("1a"));
    EXPECT_THROW(counter_family("bad-name", "h", {}), std::invalid_argument);
    EXPECT_THROW(counter_family("c_total", "h", {"a", "a"}), std::invalid_argument);
    EXPECT_THROW(counter_family("c_total", "h", {"bad label"}), std::invalid_argument);
}

TEST(CounterFamily, RendersEscapedLabelValuesInOrder) {
    counter_family family("demo_total", "Demo counter.", {"path", "code"});
    family.inc({"b", "200"});
    family.inc({"a\\b\"c\nd", "500"}, 2.5);
    family.inc({"b", "200"});
    EXPECT_EQ(render(family),
              "# HELP demo_total Demo counter.\n"
              "# TYPE demo_total counter\n"
              "demo_total{path=\"a\\\\b\\\"c\\nd\",code=\"500\"} 2.5\n"
              "demo_total{path=\"b\",code=\"200\"} 2\n");
    EXPECT_EQ(family.value({"b", "200"}), 2);
    EXPECT_EQ(family.value({"c", "200"}), 0);
}

TEST(CounterFamily, WithoutLabelsStartsAtZero) {
    counter_family family("plain_total", "Plain.", {});
    EXPECT_EQ(render(family),
              "# HELP plain_total Plain.\n# TYPE plain_total counter\nplain_total 0\n");
}

TEST(CounterFamily, WithLabelsStartsEmpty) {
    counter_family family("labelled_total", "Labelled.", {"a"});
    EXPECT_EQ(render(family), "# HELP labelled_total Labelled.\n# TYPE labelled_total counter\n");
}

TEST(CounterFamily, RejectsDecreaseAndWrongLabelCount) {
    counter_family family("c_total", "C.", {"a"});
    EXPECT_THROW(family.inc({"x"}, -1), std::invalid_argument);
    EXPECT_THROW(family.inc({"x"}, std::numeric_limits<double>::quiet_NaN()),
                 std::invalid_argument);
    EXPECT_THROW(family.inc({}), std::invalid_argument);
    EXPECT_THROW(family.inc({"x", "y"}), std::invalid_argument);
}

TEST(Help, EscapesBackslashAndNewline) {
    counter_family family("c_total", "a\\b\nc \"q\"", {});
    EXPECT_EQ(render(family),
              "# HELP c_total a\\\\b\\nc \"q\"\n# TYPE c_total counter\nc_total 0\n");
}

TEST(Counter, RendersSingleSample) {
    counter c("bytes_total", "Bytes.");
    c.inc(1024);
    c.inc();
    EXPECT_EQ(c.value(), 1025u);
    EXPECT_EQ(render(c),
              "# HELP bytes_total Bytes.\n# TYPE bytes_total counter\nbytes_total 1025\n");
}

TEST(Gauge, RendersSingleSample) {
    gauge g("in_flight", "In flight.");
    g.inc();
    g.inc();
    g.dec();
    g.add(0.5);
    EXPECT_EQ(render(g), "# HELP in_flight In flight.\n# TYPE in_flight gauge\nin_flight 1.5\n");
    g.set(-2);
    EXPECT_EQ(g.value(), -2);
}

TEST(HistogramFamily, RendersCumulativeBuckets) {
    histogram_family family("latency_seconds", "Latency.", {"handler"}, {0.1, 0.5, 1});
    family.observe({"/a"}, 0.05);
    family.observe({"/a"}, 0.1);
    family.observe({"/a"}, 0.7);
    family.observe({"/a"}, 3);
    family.observe({"/b"}, 1);
    EXPECT_EQ(render(family),
              "# HELP latency_seconds Latency.\n"
              "# TYPE latency_seconds histogram\n"
              "latency_seconds_bucket{handler=\"/a\",le=\"0.1\"} 2\n"
              "latency_seconds_bucket{handler=\"/a\",le=\"0.5\"} 2\n"
              "latency_seconds_bucket{handler=\"/a\",le=\"1.0\"} 3\n"
              "latency_seconds_bucket{handler=\"/a\",le=\"+Inf\"} 4\n"
              "latency_seconds_count{handler=\"/a\"} 4\n"
              "latency_seconds_sum{handler=\"/a\"} 3.85\n"
              "latency_seconds_bucket{handler=\"/b\",le=\"0.1\"} 0\n"
              "latency_seconds_bucket{handler=\"/b\",le=\"0.5\"} 0\n"
              "latency_seconds_bucket{handler=\"/b\",le=\"1.0\"} 1\n"
              "latency_seconds_bucket{handler=\"/b\",le=\"+Inf\"} 1\n"
              "latency_seconds_count{handler=\"/b\"} 1\n"
              "latency_seconds_sum{handler=\"/b\"} 1\n");
}

TEST(HistogramFamily, WithoutLabelsStartsAtZero) {
    histogram_family family("h_seconds", "H.", {}, {0.25, inf});
    EXPECT_EQ(family.upper_bounds(), (std::vector<double>{0.25, inf}));
    family.observe({}, std::numeric_limits<double>::quiet_NaN());
    EXPECT_EQ(render(family),
              "# HELP h_seconds H.\n"
              "# TYPE h_seconds histogram\n"
              "h_seconds_bucket{le=\"0.25\"} 0\n"
              "h_seconds_bucket{le=\"+Inf\"} 0\n"
              "h_seconds_count 0\n"
              "h_seconds_sum 0\n");
}

TEST(HistogramFamily, RejectsBadBoundsAndReservedLabel) {
    EXPECT_THROW(histogram_family("h", "H.", {}, {1, 0.5}), std::invalid_argument);
    EXPECT_THROW(histogram_family("h", "H.", {}, {1, 1}), std::invalid_argument);
    EXPECT_THROW(histogram_family("h", "H.", {}, {std::numeric_limits<double>::quiet_NaN()}),
                 std::invalid_argument);
    EXPECT_THROW(histogram_family("h", "H.", {"le"}, {1}), std::invalid_argument);
    EXPECT_EQ(histogram_family("h", "H.", {}, {}).upper_bounds(), std::vector<double>{inf});
}

TEST(SummaryFamily, RendersCountAndSum) {
    summary_family family("size_bytes", "Size.", {"handler"});
    family.observe({"/x"}, 10);
    family.observe({"/x"}, 32);
    family.observe({"a\"b"}, 0);
    EXPECT_EQ(render(family),
              "# HELP size_bytes Size.\n"
              "# TYPE size_bytes summary\n"
              "size_bytes_count{handler=\"/x\"} 2\n"
              "size_bytes_sum{handler=\"/x\"} 42\n"
              "size_bytes_count{handler=\"a\\\"b\"} 1\n"
              "size_bytes_sum{handler=\"a\\\"b\"} 0\n");
    EXPECT_THROW(summary_family("s", "S.", {"quantile"}), std::invalid_argument);
}

TEST(Concurrency, TotalsAreExact) {
    constexpr int threads = 8;
    constexpr int per_thread = 5000;
    counter_family family("c_total", "C.", {"t"});
    histogram_family histogram("h_seconds", "H.", {"t"}, {0.5});
    summary_family summary("s_bytes", "S.", {});
    counter plain("p_total", "P.");
    gauge level("g", "G.");
    std::vector<std::thread> workers;
    for (int t = 0; t < threads; ++t) {
        workers.emplace_back([&, t] {
            const std::string label = t % 2 == 0 ? "even" : "odd";
            for (int i = 0; i < per_thread; ++i) {
                family.inc({label});
                histogram.observe({"all"}, i % 2 == 0 ? 0.25 : 1);
                summary.observe({}, 2);
                plain.inc(3);
                level.inc();
                if (i % 100 == 0) {
                    std::string out;
                    family.render(out);
                    histogram.render(out);
                }
                level.dec();
            }
        });
    }
    for (auto& worker : workers) {
        worker.join();
    }
    constexpr int total = threads * per_thread;
    EXPECT_EQ(family.value({"even"}) + family.value({"odd"}), total);
    EXPECT_EQ(plain.value(), 3u * total);
    EXPECT_EQ(level.value(), 0);
    const std::string h = render(histogram);
    EXPECT_NE(h.find("h_seconds_bucket{t=\"all\",le=\"0.5\"} " + std::to_string(total / 2) + "\n"),
              std::string::npos)
        << h;
    EXPECT_NE(h.find("h_seconds_bucket{t=\"all\",le=\"+Inf\"} " + std::to_string(total) + "\n"),
              std::string::npos)
        << h;
    EXPECT_NE(h.find("h_seconds_count{t=\"all\"} " + std::to_string(total) + "\n"),
              std::string::npos);
    const std::string s = render(summary);
    EXPECT_NE(s.find("s_bytes_count " + std::to_string(total) + "\n"), std::string::npos) << s;
    EXPECT_NE(s.find("s_bytes_sum " + std::to_string(2 * total) + "\n"), std::string::npos) << s;
}

}  // namespace
}  // namespace simplefs::metrics
