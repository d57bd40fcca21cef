#include "log/logger.hpp"

#include <fmt/chrono.h>
#include <spdlog/pattern_formatter.h>
#include <spdlog/sinks/stdout_sinks.h>
#include <spdlog/spdlog.h>
#include <boost/json/object.hpp>
#include <boost/json/serialize.hpp>

#include <memory>

namespace simplefs::log {
namespace {

format g_format = format::text;
std::shared_ptr<spdlog::logger> g_access;

/// Renders "%v" as a JSON string so that any message becomes one valid JSON line.
class json_message_flag final : public spdlog::custom_flag_formatter {
public:
    void format(const spdlog::details::log_msg& msg, const std::tm&,
                spdlog::memory_buf_t& dest) override {
        auto text = boost::json::serialize(
            boost::json::string_view(msg.payload.data(), msg.payload.size()));
        dest.append(text.data(), text.data() + text.size());
    }
    std::unique_ptr<custom_flag_formatter> clone() const override {
        return std::make_unique<json_message_flag>();
    }
};

std::unique_ptr<spdlog::formatter> make_formatter(format fmt) {
    if (fmt == format::json) {
        auto formatter =
            std::make_unique<spdlog::pattern_formatter>(spdlog::pattern_time_type::utc);
        formatter->add_flag<json_message_flag>('*').set_pattern(
            R"({"time":"%Y-%m-%dT%H:%M:%S.%fZ","level":"%l","message":%*})");
        return formatter;
    }
    auto formatter = std::make_unique<spdlog::pattern_formatter>();
    { formatter->set_pattern("%Y-%m-%dT%H:%M:%S.%e %^%l%$ %v"); }
    return formatter;
}

}  // namespace

void setup(std::string_view level, format fmt) {
    g_format = fmt;
    auto sink = std::make_shared<spdlog::sinks::stderr_sink_mt>();
    auto logger = std::make_shared<spdlog::logger>("simplefs", sink);
    logger->set_formatter(make_formatter(fmt));
    logger->set_level(spdlog::level::from_str(std::string(level)));
    logger->flush_on(spdlog::level::warn);
    spdlog::set_default_logger(logger);

    // Access lines are built whole (fields at the top level in JSON), so that logger prints them
    // raw.
    g_access = std::make_shared<spdlog::logger>("access", sink);
    g_access->set_pattern(fmt == format::json ? "%v" : "%Y-%m-%dT%H:%M:%S.%e %^%l%$ %v");
    g_access->set_level(logger->level());
}

void access(const access_record& r) {
    auto* logger = g_access.get();
    if (logger == nullptr || !logger->should_log(spdlog::level::info)) {
        return;
    }
    double ms = r.duration.count() * 1000.0;
    if (g_format == format::json) {
        boost::json::object o;
        o["time"] = fmt::format("{:%Y-%m-%dT%H:%M:%S}Z", std::chrono::system_clock::now());
        o["level"] = "info";
        o["message"] = "access";
        o["method"] = r.method;
        o["target"] = r.target;
        o["route"] = r.route;
        o["status"] = r.status;
        o["bytes_in"] = r.bytes_in;
        o["bytes_out"] = r.bytes_out;
        o["duration_ms"] = ms;
        o["peer"] = r.peer;
        logger->info(boost::json::serialize(o));
    } else {
        logger->info("access {} {} route={} status={} in={} out={} ms={:.3f} peer={}", r.method,
                     r.target, r.route, r.status, r.bytes_in, r.bytes_out, ms, r.peer);
    }
}

}  // namespace simplefs::log
