#include "config/settings.hpp"

#include "config/version.hpp"

#include <gtest/gtest.h>

#include <algorithm>

#include <cstdlib>
#include <functional>
#include <map>
#include <string>
#include <vector>

namespace simplefs::config {
namespace {

using namespace std::chrono_literals;
using env_map = std::map<std::string, std::string>;
using adjust_fn = std::function<void(settings&)>;

parse_result run(const std::vector<std::string>& args, const env_map& env = {}) {
    std::vector<const char*> argv{"simplefs"};
    for (const auto& arg : args) {
        argv.push_back(arg.c_str());
    }
    const env_lookup lookup = [&env](std::string_view name) -> std::optional<std::string> {
        const auto it = env.find(std::string(name));
        if (it == env.end()) {
            return std::nullopt;
        }
        return it->second;
    };
    return parse_settings(static_cast<int>(argv.size()), argv.data(), lookup);
}

void expect_same(const settings& actual, const settings& expected) {
    EXPECT_EQ(actual.host, expected.host);
    EXPECT_EQ(actual.port, expected.port);
    EXPECT_EQ(actual.threads, expected.threads);
    EXPECT_EQ(actual.io_threads, expected.io_threads);
    EXPECT_EQ(actual.storage_root, expected.storage_root);
    EXPECT_EQ(actual.chunk_size, expected.chunk_size);
    EXPECT_DOUBLE_EQ(actual.disk_usage_threshold, expected.disk_usage_threshold);
    EXPECT_EQ(actual.max_upload_size, expected.max_upload_size);
    EXPECT_EQ(actual.cors_origins, expected.cors_origins);
    EXPECT_EQ(actual.log_level, expected.log_level);
    EXPECT_EQ(actual.log_format, expected.log_format);
    EXPECT_EQ(actual.fsync, expected.fsync);
    EXPECT_EQ(actual.shutdown_grace, expected.shutdown_grace);
}

void expect_one_error_line(const parse_result& result) {
    EXPECT_FALSE(result.value.has_value());
    EXPECT_EQ(result.exit_code, 2);
    EXPECT_EQ(result.output.rfind("simplefs: ", 0), 0u) << result.output;
    ASSERT_FALSE(result.output.empty());
    EXPECT_EQ(result.output.back(), '\n');
    EXPECT_EQ(result.output.find('\n'), result.output.size() - 1) << result.output;
}

std::string join_args(const std::vector<std::string>& args) {
    std::string text;
    for (const auto& arg : args) {
        text += " [" + arg + "]";
    }
    return text;
}

struct accept_case {
    std::vector<std::string> args;
    env_map env;
    adjust_fn adjust;
};

void expect_accepted(const accept_case& c) {
    SCOPED_TRACE("args:" + join_args(c.args));
    const parse_result result = run(c.args, c.env);
    ASSERT_TRUE(result.value.has_value()) << result.output;
    EXPECT_EQ(result.exit_code, 0);
    EXPECT_TRUE(result.output.empty());
    settings expected;
    if (c.adjust) {
        c.adjust(expected);
    }
    expect_same(*result.value, expected);
}

TEST(settings, defaults) {
    const settings defaults;
    EXPECT_EQ(defaults.host, "0.0.0.0");
    EXPECT_EQ(defaults.port, 8080);
    EXPECT_EQ(defaults.threads, 0u);
    EXPECT_EQ(defaults.io_threads, 0u);
    EXPECT_EQ(defaults.storage_root, "./data");
    EXPECT_EQ(defaults.chunk_size, 1024u * 1024u);
    EXPECT_DOUBLE_EQ(defaults.disk_usage_threshold, 95.0);
    EXPECT_EQ(defaults.max_upload_size, 0u);
    EXPECT_EQ(defaults.cors_origins,
              (std::vector<std::string>{"http://localhost", "http://localhost:8080"}));
    EXPECT_EQ(defaults.log_level, "info");
    EXPECT_EQ(defaults.log_format, log_format::text);
    EXPECT_EQ(defaults.fsync, fsync_policy::always);
    EXPECT_EQ(defaults.shutdown_grace, 10s);

    expect_accepted({{}, {}, {}});
}

TEST(settings, no_environment_lookup_and_no_arguments) {
    const char* const argv[] = {"simplefs"};
    const parse_result with_argv0 = parse_settings(1, argv, env_lookup{});
    ASSERT_TRUE(with_argv0.value.has_value());
    expect_same(*with_argv0.value, settings{});

    const parse_result empty = parse_settings(0, nullptr, env_lookup{});
    ASSERT_TRUE(empty.value.has_value());
    expect_same(*empty.value, settings{});
}

TEST(settings, flags) {
    const std::vector<accept_case> cases = {
        {{"-h", "127.0.0.1"}, {}, [](settings& s) { s.host = "127.0.0.1"; }},
        {{"--host", "::1"}, {}, [](settings& s) { s.host = "::1"; }},
        {{"--host=example.org"}, {}, [](settings& s) { s.host = "example.org"; }},
        {{"-p", "9000"}, {}, [](settings& s) { s.port = 9000; }},
        {{"-p9001"}, {}, [](settings& s) { s.port = 9001; }},
        {{"--port", "1"}, {}, [](settings& s) { s.port = 1; }},
        {{"--port=65535"}, {}, [](settings& s) { s.port = 65535; }},
        {{"-w", "3"}, {}, [](settings& s) { s.threads = 3; }},
        {{"--workers", "4"}, {}, [](settings& s) { s.threads = 4; }},
        {{"--threads", "5"}, {}, [](settings& s) { s.threads = 5; }},
        {{"--threads", "0"}, {}, [](settings& s) { s.threads = 0; }},
        {{"--io-threads", "16"}, {}, [](settings& s) { s.io_threads = 16; }},
        {{"--storage-root", "/srv/files"}, {}, [](settings& s) { s.storage_root = "/srv/files"; }},
        {{"--storage-root", "dir with space"},
         {},
         [](settings& s) { s.storage_root = "dir with space"; }},
        {{"--chunk-size", "65536"}, {}, [](settings& s) { s.chunk_size = 65536; }},
        {{"--chunk-size", "2M"}, {}, [](settings& s) { s.chunk_size = 2 * 1024 * 1024; }},
        {{"--disk-usage-threshold", "80"}, {}, [](settings& s) { s.disk_usage_threshold = 80; }},
        {{"--disk-usage-threshold", "99.5"},
         {},
         [](settings& s) { s.disk_usage_threshold = 99.5; }},
        {{"--max-upload-size", "10G"},
         {},
         [](settings& s) { s.max_upload_size = 10ull * 1024 * 1024 * 1024; }},
        {{"--cors-origins", "https://a.example"},
         {},
         [](settings& s) { s.cors_origins = {"https://a.example"}; }},
        {{"--cors-origins", "https://a.example, http://b.example:8080"},
         {},
         [](settings& s) {
             s.cors_origins = {"https://a.example", "http://b.example:8080"};
         }},
        {{"--cors-origins", "*"}, {}, [](settings& s) { s.cors_origins = {"*"}; }},
        {{"--cors-origins", ""}, {}, [](settings& s) { s.cors_origins = {}; }},
        {{"--log-level", "debug"}, {}, [](settings& s) { s.log_level = "debug"; }},
        {{"--log-format", "json"}, {}, [](settings& s) { s.log_format = log_format::json; }},
        {{"--log-format", "text"}, {}, [](settings& s) { s.log_format = log_format::text; }},
        {{"--fsync", "never"}, {}, [](settings& s) { s.fsync = fsync_policy::never; }},
        {{"--fsync", "always"}, {}, [](settings& s) { s.fsync = fsync_policy::always; }},
        {{"--shutdown-grace", "30s"}, {}, [](settings& s) { s.shutdown_grace = 30s; }},
        {{"--shutdown-grace", "500ms"}, {}, [](settings& s) { s.shutdown_grace = 500ms; }},
        {{"--shutdown-grace", "2m"}, {}, [](settings& s) { s.shutdown_grace = 2min; }},
        {{"--shutdown-grace", "7"}, {}, [](settings& s) { s.shutdown_grace = 7s; }},
        {{"-h", "localhost", "-p", "8081", "-w", "2"},
         {},
         [](settings& s) {
             s.host = "localhost";
             s.port = 8081;
             s.threads = 2;
         }},
    };
    for (const auto& c : cases) {
        expect_accepted(c);
    }
}

TEST(settings, last_flag_wins) {
    const std::vector<accept_case> cases = {
        {{"-p", "1", "--port", "2"}, {}, [](settings& s) { s.port = 2; }},
        {{"-w", "3", "--threads", "5"}, {}, [](settings& s) { s.threads = 5; }},
        {{"--threads", "5", "--workers", "6", "-w", "7"}, {}, [](settings& s) { s.threads = 7; }},
    };
    for (const auto& c : cases) {
        expect_accepted(c);
    }
}

TEST(settings, environment) {
    const std::vector<accept_case> cases = {
        {{}, {{"SIMPLEFS_HOST", "10.0.0.1"}}, [](settings& s) { s.host = "10.0.0.1"; }},
        {{}, {{"SIMPLEFS_PORT", "9090"}}, [](settings& s) { s.port = 9090; }},
        {{}, {{"SIMPLEFS_THREADS", "6"}}, [](settings& s) { s.threads = 6; }},
        {{}, {{"SIMPLEFS_IO_THREADS", "32"}}, [](settings& s) { s.io_threads = 32; }},
        {{}, {{"SIMPLEFS_STORAGE_ROOT", "/a"}}, [](settings& s) { s.storage_root = "/a"; }},
        {{}, {{"STORAGE_ROOT", "/b"}}, [](settings& s) { s.storage_root = "/b"; }},
        {{}, {{"SIMPLEFS_CHUNK_SIZE", "256KiB"}}, [](settings& s) { s.chunk_size = 256 * 1024; }},
        {{}, {{"FILE_READ_BATCH_SIZE", "8192"}}, [](settings& s) { s.chunk_size = 8192; }},
        {{},
         {{"SIMPLEFS_DISK_USAGE_THRESHOLD", "90"}},
         [](settings& s) { s.disk_usage_threshold = 90; }},
        {{}, {{"DISK_USAGE_THRESHOLD", "85"}}, [](settings& s) { s.disk_usage_threshold = 85; }},
        {{},
         {{"SIMPLEFS_MAX_UPLOAD_SIZE", "1MB"}},
         [](settings& s) { s.max_upload_size = 1024 * 1024; }},
        {{},
         {{"SIMPLEFS_CORS_ORIGINS", "http://x.example,*"}},
         [](settings& s) {
             s.cors_origins = {"http://x.example", "*"};
         }},
        {{}, {{"SIMPLEFS_CORS_ORIGINS", ""}}, [](settings& s) { s.cors_origins = {}; }},
        {{}, {{"SIMPLEFS_LOG_LEVEL", "ERROR"}}, [](settings& s) { s.log_level = "error"; }},
        {{},
         {{"SIMPLEFS_LOG_FORMAT", "json"}},
         [](settings& s) { s.log_format = log_format::json; }},
        {{}, {{"SIMPLEFS_FSYNC", "never"}}, [](settings& s) { s.fsync = fsync_policy::never; }},
        {{},
         {{"SIMPLEFS_SHUTDOWN_GRACE", "1500ms"}},
         [](settings& s) { s.shutdown_grace = 1500ms; }},
        {{}, {{"PORT", "1234"}, {"HOST", "x"}, {"THREADS", "9"}}, {}},
    };
    for (const auto& c : cases) {
        SCOPED_TRACE("env: " + c.env.begin()->first);
        expect_accepted(c);
    }
}

TEST(settings, precedence) {
    const std::vector<accept_case> cases = {
        {{"--storage-root", "/flag"},
         {{"SIMPLEFS_STORAGE_ROOT", "/new"}, {"STORAGE_ROOT", "/legacy"}},
         [](settings& s) { s.storage_root = "/flag"; }},
        {{},
         {{"SIMPLEFS_STORAGE_ROOT", "/new"}, {"STORAGE_ROOT", "/legacy"}},
         [](settings& s) { s.storage_root = "/new"; }},
        {{"--chunk-size", "4K"},
         {{"SIMPLEFS_CHUNK_SIZE", "8K"}, {"FILE_READ_BATCH_SIZE", "16K"}},
         [](settings& s) { s.chunk_size = 4096; }},
        {{},
         {{"SIMPLEFS_CHUNK_SIZE", "8K"}, {"FILE_READ_BATCH_SIZE", "16K"}},
         [](settings& s) { s.chunk_size = 8192; }},
        {{"--disk-usage-threshold", "50"},
         {{"SIMPLEFS_DISK_USAGE_THRESHOLD", "60"}, {"DISK_USAGE_THRESHOLD", "70"}},
         [](settings& s) { s.disk_usage_threshold = 50; }},
        {{},
         {{"SIMPLEFS_DISK_USAGE_THRESHOLD", "60"}, {"DISK_USAGE_THRESHOLD", "70"}},
         [](settings& s) { s.disk_usage_threshold = 60; }},
        {{"-p", "1111"}, {{"SIMPLEFS_PORT", "2222"}}, [](settings& s) { s.port = 1111; }},
        {{"--cors-origins", ""},
         {{"SIMPLEFS_CORS_ORIGINS", "*"}},
         [](settings& s) { s.cors_origins = {}; }},
        {{"-p", "1111"}, {{"SIMPLEFS_PORT", "not a port"}}, [](settings& s) { s.port = 1111; }},
        {{},
         {{"SIMPLEFS_DISK_USAGE_THRESHOLD", "60"}, {"DISK_USAGE_THRESHOLD", "bad"}},
         [](settings& s) { s.disk_usage_threshold = 60; }},
    };
    for (const auto& c : cases) {
        expect_accepted(c);
    }
}

TEST(settings, set_but_empty_variable_is_not_skipped) {
    const parse_result result = run({}, {{"SIMPLEFS_STORAGE_ROOT", ""}, {"STORAGE_ROOT", "/x"}});
    expect_one_error_line(result);
    EXPECT_NE(result.output.find("SIMPLEFS_STORAGE_ROOT"), std::string::npos) << result.output;
}

struct reject_case {
    std::vector<std::string> args;
    env_map env;
    std::vector<std::string> mentions;
};

TEST(settings, bad_values) {
    const std::vector<reject_case> cases = {
        {{"--bogus"}, {}, {"--bogus"}},
        {{"--bogus=1"}, {}, {"--bogus"}},
        {{"-x"}, {}, {"-x"}},
        {{"stray"}, {}, {"stray"}},
        {{"stray", "other"}, {}, {"stray", "other"}},
        {{"-p", "8080", "--", "stray"}, {}, {"stray"}},
        {{"--port"}, {}, {"missing value for --port"}},
        {{"--port="}, {}, {"missing value for --port"}},
        {{"-w"}, {}, {"missing value for --workers/--threads"}},
        {{"--cors-origins="}, {}, {"missing value for --cors-origins"}},
        {{"-p", "abc"}, {}, {"--port", "'abc'"}},
        {{"-p", "0"}, {}, {"--port", "'0'"}},
        {{"-p", "70000"}, {}, {"--port", "'70000'"}},
        {{"-p", "65536"}, {}, {"--port", "'65536'"}},
        {{"-p", "-1"}, {}, {"--port", "'-1'"}},
        {{"-p", "+80"}, {}, {"--port", "'+80'"}},
        {{"-p", "80.5"}, {}, {"--port", "'80.5'"}},
        {{"-p", "0x50"}, {}, {"--port", "'0x50'"}},
        {{"-p", "99999999999999999999999"}, {}, {"--port", "'99999999999999999999999'"}},
        {{"--host", ""}, {}, {"--host", "''"}},
        {{"--host", "a b"}, {}, {"--host", "'a b'"}},
        {{"-w", "many"}, {}, {"--threads", "'many'"}},
        {{"--threads", "-2"}, {}, {"--threads", "'-2'"}},
        {{"--threads", "100000"}, {}, {"--threads", "'100000'"}},
        {{"--io-threads", "x"}, {}, {"--io-threads", "'x'"}},
        {{"--storage-root", ""}, {}, {"--storage-root", "''"}},
        {{"--chunk-size", "1K"}, {}, {"--chunk-size", "'1K'"}},
        {{"--chunk-size", "4095"}, {}, {"--chunk-size", "'4095'"}},
        {{"--chunk-size", "65M"}, {}, {"--chunk-size", "'65M'"}},
        {{"--chunk-size", "lots"}, {}, {"--chunk-size", "'lots'"}},
        {{"--disk-usage-threshold", "0"}, {}, {"--disk-usage-threshold", "'0'"}},
        {{"--disk-usage-threshold", "150"}, {}, {"--disk-usage-threshold", "'150'"}},
        {{"--disk-usage-threshold", "-5"}, {}, {"--disk-usage-threshold", "'-5'"}},
        {{"--disk-usage-threshold", "nan"}, {}, {"--disk-usage-threshold", "'nan'"}},
        {{"--disk-usage-threshold", "inf"}, {}, {"--disk-usage-threshold", "'inf'"}},
        {{"--disk-usage-threshold", "ninety"}, {}, {"--disk-usage-threshold", "'ninety'"}},
        {{"--disk-usage-threshold", ""}, {}, {"--disk-usage-threshold", "''"}},
        {{"--max-upload-size", "1.5G"}, {}, {"--max-upload-size", "'1.5G'"}},
        {{"--max-upload-size", "-1"}, {}, {"--max-upload-size", "'-1'"}},
        {{"--cors-origins", "http://a.example/"}, {}, {"--cors-origins", "'http://a.example/'"}},
        {{"--cors-origins", "a.example"}, {}, {"--cors-origins", "'a.example'"}},
        {{"--cors-origins", "http://a,,http://b"}, {}, {"--cors-origins", "'http://a,,http://b'"}},
        {{"--cors-origins", "http://a,"}, {}, {"--cors-origins", "'http://a,'"}},
        {{"--cors-origins", ","}, {}, {"--cors-origins", "','"}},
        {{"--log-level", "verbose"}, {}, {"--log-level", "'verbose'"}},
        {{"--log-format", "xml"}, {}, {"--log-format", "'xml'"}},
        {{"--fsync", "sometimes"}, {}, {"--fsync", "'sometimes'"}},
        {{"--shutdown-grace", "soon"}, {}, {"--shutdown-grace", "'soon'"}},
        {{"--shutdown-grace", "10x"}, {}, {"--shutdown-grace", "'10x'"}},
        {{"--shutdown-grace", "-1s"}, {}, {"--shutdown-grace", "'-1s'"}},
        {{"--shutdown-grace", "2h"}, {}, {"--shutdown-grace", "'2h'"}},
        {{}, {{"SIMPLEFS_HOST", ""}}, {"SIMPLEFS_HOST", "''"}},
        {{}, {{"SIMPLEFS_PORT", "70000"}}, {"SIMPLEFS_PORT", "'70000'"}},
        {{}, {{"SIMPLEFS_PORT", ""}}, {"SIMPLEFS_PORT", "''"}},
        {{}, {{"SIMPLEFS_THREADS", "x"}}, {"SIMPLEFS_THREADS", "'x'"}},
        {{}, {{"SIMPLEFS_IO_THREADS", "-1"}}, {"SIMPLEFS_IO_THREADS", "'-1'"}},
        {{}, {{"STORAGE_ROOT", ""}}, {"STORAGE_ROOT", "''"}},
        {{}, {{"SIMPLEFS_CHUNK_SIZE", "1"}}, {"SIMPLEFS_CHUNK_SIZE", "'1'"}},
        {{}, {{"FILE_READ_BATCH_SIZE", "1024"}}, {"FILE_READ_BATCH_SIZE", "'1024'"}},
        {{}, {{"SIMPLEFS_DISK_USAGE_THRESHOLD", "0"}}, {"SIMPLEFS_DISK_USAGE_THRESHOLD", "'0'"}},
        {{}, {{"DISK_USAGE_THRESHOLD", "150"}}, {"DISK_USAGE_THRESHOLD", "'150'"}},
        {{}, {{"SIMPLEFS_MAX_UPLOAD_SIZE", "big"}}, {"SIMPLEFS_MAX_UPLOAD_SIZE", "'big'"}},
        {{}, {{"SIMPLEFS_CORS_ORIGINS", "http://a/"}}, {"SIMPLEFS_CORS_ORIGINS", "'http://a/'"}},
        {{}, {{"SIMPLEFS_LOG_LEVEL", "loud"}}, {"SIMPLEFS_LOG_LEVEL", "'loud'"}},
        {{}, {{"SIMPLEFS_LOG_FORMAT", "yaml"}}, {"SIMPLEFS_LOG_FORMAT", "'yaml'"}},
        {{}, {{"SIMPLEFS_FSYNC", "maybe"}}, {"SIMPLEFS_FSYNC", "'maybe'"}},
        {{}, {{"SIMPLEFS_SHUTDOWN_GRACE", "1d"}}, {"SIMPLEFS_SHUTDOWN_GRACE", "'1d'"}},
        {{}, {{"SIMPLEFS_PORT", "80\n81"}}, {"SIMPLEFS_PORT", "'80\\n81'"}},
        {{}, {{"SIMPLEFS_HOST", "a\r\x1b"}}, {"SIMPLEFS_HOST", "'a\\x0d\\x1b'"}},
    };
    for (const auto& c : cases) {
        SCOPED_TRACE("args:" + join_args(c.args) +
                     (c.env.empty() ? "" : " env: " + c.env.begin()->first));
        const parse_result result = run(c.args, c.env);
        expect_one_error_line(result);
        for (const auto& mention : c.mentions) {
            EXPECT_NE(result.output.find(mention), std::string::npos)
                << "missing " << mention << " in " << result.output;
        }
    }
}

TEST(settings, long_bad_value_is_cut) {
    const std::string value(5000, '9');
    const parse_result result = run({"--port", value});
    expect_one_error_line(result);
    EXPECT_LT(result.output.size(), 400u);
    EXPECT_NE(result.output.find("..."), std::string::npos);
}

TEST(settings, flag_value_replaces_bad_environment) {
    expect_accepted({{"--log-level", "warn"},
                     {{"SIMPLEFS_LOG_LEVEL", "nonsense"}},
                     [](settings& s) { s.log_level = "warn"; }});
}

TEST(settings, help) {
    const parse_result result = run({"--help"});
    EXPECT_FALSE(result.value.has_value());
    EXPECT_EQ(result.exit_code, 0);
    const std::vector<std::string> mentions = {
        "-h,--host",
        "-p,--port",
        "-w,--workers,--threads",
        "--io-threads",
        "--storage-root",
        "--chunk-size",
        "--disk-usage-threshold",
        "--max-upload-size",
        "--cors-origins",
        "--log-level",
        "--log-format",
        "--fsync",
        "--shutdown-grace",
        "--max-header-size",
        "--header-timeout",
        "--idle-timeout",
        "--storage",
        "--ceph-conf",
        "--ceph-id",
        "--ceph-keyring",
        "--ceph-fs",
        "--ceph-root",
        "SIMPLEFS_MAX_HEADER_SIZE",
        "SIMPLEFS_HEADER_TIMEOUT",
        "SIMPLEFS_IDLE_TIMEOUT",
        "SIMPLEFS_STORAGE",
        "SIMPLEFS_CEPH_CONF",
        "SIMPLEFS_CEPH_ID",
        "SIMPLEFS_CEPH_KEYRING",
        "SIMPLEFS_CEPH_FS",
        "SIMPLEFS_CEPH_ROOT",
        "--help",
        "--version",
        "SIMPLEFS_HOST",
        "SIMPLEFS_PORT",
        "SIMPLEFS_THREADS",
        "SIMPLEFS_IO_THREADS",
        "SIMPLEFS_STORAGE_ROOT",
        "STORAGE_ROOT (legacy)",
        "SIMPLEFS_CHUNK_SIZE",
        "FILE_READ_BATCH_SIZE (legacy)",
        "SIMPLEFS_DISK_USAGE_THRESHOLD",
        "DISK_USAGE_THRESHOLD (legacy)",
        "SIMPLEFS_MAX_UPLOAD_SIZE",
        "SIMPLEFS_CORS_ORIGINS",
        "SIMPLEFS_LOG_LEVEL",
        "SIMPLEFS_LOG_FORMAT",
        "SIMPLEFS_FSYNC",
        "SIMPLEFS_SHUTDOWN_GRACE",
        "=0.0.0.0",
        "=8080",
        "=./data",
        "=1MiB",
        "=95",
        "=http://localhost,http://localhost:8080",
        "=info",
        "=text",
        "=always",
        "=10s",
    };
    for (const auto& mention : mentions) {
        EXPECT_NE(result.output.find(mention), std::string::npos) << "help lacks " << mention;
    }
    EXPECT_EQ(result.output.back(), '\n');
}

TEST(settings, help_wins_over_bad_values) {
    for (const auto& args : std::vector<std::vector<std::string>>{
             {"--port", "0", "--help"}, {"--help", "--bogus"}, {"stray", "--help"}}) {
        SCOPED_TRACE(join_args(args));
        const parse_result result = run(args, {{"SIMPLEFS_PORT", "bad"}});
        EXPECT_EQ(result.exit_code, 0);
        EXPECT_FALSE(result.value.has_value());
        EXPECT_NE(result.output.find("--storage-root"), std::string::npos);
    }
}

TEST(settings, version) {
    const parse_result result = run({"--version"});
    EXPECT_FALSE(result.value.has_value());
    EXPECT_EQ(result.exit_code, 0);
    EXPECT_TRUE(
        result.output.starts_with("simplefs " + std::string(version) + " (storage backends: posix"))
        << result.output;
    EXPECT_TRUE(result.output.ends_with(")\n")) << result.output;
}

TEST(settings, minus_h_is_host_not_help) {
    expect_accepted({{"-h", "1.2.3.4"}, {}, [](settings& s) { s.host = "1.2.3.4"; }});
    expect_one_error_line(run({"-h"}));
}

struct size_case {
    std::string text;
    std::optional<std::uint64_t> bytes;
};

TEST(settings, size_parsing) {
    constexpr std::uint64_t k = 1024;
    const std::vector<size_case> cases = {
        {"0", 0},
        {"1", 1},
        {"007", 7},
        {"4096", 4096},
        {"1B", 1},
        {"1K", k},
        {"1k", k},
        {"1KB", k},
        {"1kb", k},
        {"1KiB", k},
        {"1kib", k},
        {"3M", 3 * k * k},
        {"3MB", 3 * k * k},
        {"3MiB", 3 * k * k},
        {"2G", 2 * k * k * k},
        {"2GB", 2 * k * k * k},
        {"2GiB", 2 * k * k * k},
        {"1T", k * k * k * k},
        {"5 MiB", 5 * k * k},
        {" 12 ", 12},
        {"18446744073709551615", 18446744073709551615ull},
        {"16777215T", 16777215ull * k * k * k * k},
        {"16777216T", std::nullopt},
        {"18446744073709551616", std::nullopt},
        {"17179869184G", std::nullopt},
        {"", std::nullopt},
        {" ", std::nullopt},
        {"K", std::nullopt},
        {"MiB", std::nullopt},
        {"-1", std::nullopt},
        {"+1", std::nullopt},
        {"1.5M", std::nullopt},
        {"1e3", std::nullopt},
        {"1X", std::nullopt},
        {"1KK", std::nullopt},
        {"1 K B", std::nullopt},
        {"1Ki", std::nullopt},
        {"1P", std::nullopt},
        {"0x10", std::nullopt},
    };
    for (const auto& c : cases) {
        SCOPED_TRACE("size '" + c.text + "'");
        const parse_result result = run({"--max-upload-size", c.text});
        if (c.bytes) {
            ASSERT_TRUE(result.value.has_value()) << result.output;
            EXPECT_EQ(result.value->max_upload_size, *c.bytes);
        } else {
            expect_one_error_line(result);
            EXPECT_NE(result.output.find("--max-upload-size"), std::string::npos);
        }
    }
}

TEST(settings, chunk_size_bounds) {
    const std::vector<size_case> cases = {
        {"4K", 4096},           {"4096", 4096},         {"64M", 64 * 1024 * 1024},
        {"67108864", 67108864}, {"4095", std::nullopt}, {"67108865", std::nullopt},
        {"0", std::nullopt},    {"1G", std::nullopt},
    };
    for (const auto& c : cases) {
        SCOPED_TRACE("chunk size '" + c.text + "'");
        const parse_result result = run({"--chunk-size", c.text});
        if (c.bytes) {
            ASSERT_TRUE(result.value.has_value()) << result.output;
            EXPECT_EQ(result.value->chunk_size, *c.bytes);
        } else {
            expect_one_error_line(result);
        }
    }
}

struct duration_case {
    std::string text;
    std::optional<std::chrono::milliseconds> value;
};

TEST(settings, duration_parsing) {
    const std::vector<duration_case> cases = {
        {"0", 0ms},
        {"0s", 0ms},
        {"0ms", 0ms},
        {"10", 10s},
        {"10s", 10s},
        {"10S", 10s},
        {"500ms", 500ms},
        {"1ms", 1ms},
        {"2m", 2min},
        {"1h", 1h},
        {"60m", 1h},
        {"3600", 1h},
        {"3600000ms", 1h},
        {"5 s", 5s},
        {" 5s ", 5s},
        {"3600001ms", std::nullopt},
        {"3601", std::nullopt},
        {"61m", std::nullopt},
        {"99999999999999999999", std::nullopt},
        {"18446744073709551615h", std::nullopt},
        {"", std::nullopt},
        {"s", std::nullopt},
        {"ms", std::nullopt},
        {"1.5s", std::nullopt},
        {"-1", std::nullopt},
        {"1d", std::nullopt},
        {"1us", std::nullopt},
        {"1sec", std::nullopt},
        {"1m30s", std::nullopt},
    };
    for (const auto& c : cases) {
        SCOPED_TRACE("duration '" + c.text + "'");
        const parse_result result = run({"--shutdown-grace", c.text});
        if (c.value) {
            ASSERT_TRUE(result.value.has_value()) << result.output;
            EXPECT_EQ(result.value->shutdown_grace, *c.value);
        } else {
            expect_one_error_line(result);
            EXPECT_NE(result.output.find("--shutdown-grace"), std::string::npos);
        }
    }
}

struct percent_case {
    std::string text;
    std::optional<double> value;
};

TEST(settings, percent_parsing) {
    const std::vector<percent_case> cases = {
        {"100", 100.0},      {"0.5", 0.5},         {"95%", 95.0},          {" 90 ", 90.0},
        {"1e1", 10.0},       {"0", std::nullopt},  {"0.0", std::nullopt},  {"100.01", std::nullopt},
        {"%", std::nullopt}, {"-0", std::nullopt}, {"95%%", std::nullopt}, {"9 5", std::nullopt},
    };
    for (const auto& c : cases) {
        SCOPED_TRACE("percent '" + c.text + "'");
        const parse_result result = run({"--disk-usage-threshold", c.text});
        if (c.value) {
            ASSERT_TRUE(result.value.has_value()) << result.output;
            EXPECT_DOUBLE_EQ(result.value->disk_usage_threshold, *c.value);
        } else {
            expect_one_error_line(result);
        }
    }
}

TEST(settings, log_level_names) {
    const std::vector<std::pair<std::string, std::string>> cases = {
        {"trace", "trace"},  {"debug", "debug"},       {"info", "info"}, {"warn", "warn"},
        {"error", "error"},  {"critical", "critical"}, {"off", "off"},   {"INFO", "info"},
        {"Warning", "warn"}, {"warning", "warn"},
    };
    for (const auto& [text, level] : cases) {
        SCOPED_TRACE("level '" + text + "'");
        const parse_result result = run({"--log-level", text});
        ASSERT_TRUE(result.value.has_value()) << result.output;
        EXPECT_EQ(result.value->log_level, level);
    }
}

TEST(settings, cors_origins_lists) {
    const std::vector<std::pair<std::string, std::vector<std::string>>> cases = {
        {"", {}},
        {"  ", {}},
        {"*", {"*"}},
        {"http://localhost:3000", {"http://localhost:3000"}},
        {" http://a , https://b:8443 ", {"http://a", "https://b:8443"}},
        {"http://[::1]:8080", {"http://[::1]:8080"}},
        {"app://x", {"app://x"}},
    };
    for (const auto& [text, origins] : cases) {
        SCOPED_TRACE("origins '" + text + "'");
        const parse_result result = run({"--cors-origins", text});
        ASSERT_TRUE(result.value.has_value()) << result.output;
        EXPECT_EQ(result.value->cors_origins, origins);
    }
}

TEST(settings, process_environment_reads_variables) {
    const env_lookup env = process_environment();
    ASSERT_EQ(::setenv("SIMPLEFS_CONFIG_TEST_VARIABLE", "value 1", 1), 0);
    EXPECT_EQ(env("SIMPLEFS_CONFIG_TEST_VARIABLE"), std::optional<std::string>("value 1"));
    ASSERT_EQ(::setenv("SIMPLEFS_CONFIG_TEST_VARIABLE", "", 1), 0);
    EXPECT_EQ(env("SIMPLEFS_CONFIG_TEST_VARIABLE"), std::optional<std::string>(""));
    ASSERT_EQ(::unsetenv("SIMPLEFS_CONFIG_TEST_VARIABLE"), 0);
    EXPECT_EQ(env("SIMPLEFS_CONFIG_TEST_VARIABLE"), std::nullopt);
}

TEST(settings, limits_timeouts_and_storage) {
    const parse_result result =
        run({"--max-header-size", "64KiB", "--header-timeout", "1s", "--idle-timeout", "2m",
             "--storage", "cephfs", "--ceph-conf", "/c/ceph.conf", "--ceph-id", "simplefs",
             "--ceph-root", "/files"},
            {{"SIMPLEFS_CEPH_FS", "fs2"}, {"SIMPLEFS_CEPH_KEYRING", "/c/k"}});
    ASSERT_TRUE(result.value.has_value()) << result.output;
    const settings& s = *result.value;
    EXPECT_EQ(s.max_header_size, 64u * 1024);
    EXPECT_EQ(s.header_timeout, std::chrono::seconds(1));
    EXPECT_EQ(s.idle_timeout, std::chrono::minutes(2));
    EXPECT_EQ(s.storage, storage_kind::cephfs);
    EXPECT_EQ(s.ceph_conf, "/c/ceph.conf");
    EXPECT_EQ(s.ceph_id, "simplefs");
    EXPECT_EQ(s.ceph_keyring, "/c/k");
    EXPECT_EQ(s.ceph_fs, "fs2");
    EXPECT_EQ(s.ceph_root, "/files");
    for (const std::vector<std::string>& bad :
         {std::vector<std::string>{"--max-header-size", "100"},
          std::vector<std::string>{"--header-timeout", "10ms"},
          std::vector<std::string>{"--storage", "s3"}, std::vector<std::string>{"--ceph-id", ""}}) {
        const parse_result refused = run(bad);
        EXPECT_EQ(refused.exit_code, 2) << bad[0];
        EXPECT_EQ(std::count(refused.output.begin(), refused.output.end(), '\n'), 1) << bad[0];
    }
}

TEST(settings, access_control_options) {
    const settings defaults;
    EXPECT_EQ(defaults.auth_tokens, "");
    EXPECT_FALSE(defaults.metrics_auth);
    EXPECT_EQ(defaults.signing_secret_file, "");

    auto flags = run(
        {"--auth-tokens", "/etc/tokens", "--metrics-auth", "--signing-secret-file", "/etc/secret"});
    ASSERT_TRUE(flags.value) << flags.output;
    EXPECT_EQ(flags.value->auth_tokens, "/etc/tokens");
    EXPECT_TRUE(flags.value->metrics_auth);
    EXPECT_EQ(flags.value->signing_secret_file, "/etc/secret");
    EXPECT_FALSE(flags.sign);

    auto env = run({}, {{"SIMPLEFS_AUTH_TOKENS", "/t"},
                        {"SIMPLEFS_METRICS_AUTH", "yes"},
                        {"SIMPLEFS_SIGNING_SECRET_FILE", "/s"}});
    ASSERT_TRUE(env.value) << env.output;
    EXPECT_EQ(env.value->auth_tokens, "/t");
    EXPECT_TRUE(env.value->metrics_auth);
    EXPECT_EQ(env.value->signing_secret_file, "/s");

    auto off = run({"--metrics-auth=false"}, {{"SIMPLEFS_METRICS_AUTH", "1"}});
    ASSERT_TRUE(off.value) << off.output;
    EXPECT_FALSE(off.value->metrics_auth);
    auto empty = run({}, {{"SIMPLEFS_AUTH_TOKENS", ""}});
    ASSERT_TRUE(empty.value) << empty.output;
    EXPECT_EQ(empty.value->auth_tokens, "");

    auto bad = run({}, {{"SIMPLEFS_METRICS_AUTH", "maybe"}});
    expect_one_error_line(bad);
    EXPECT_NE(bad.output.find("SIMPLEFS_METRICS_AUTH"), std::string::npos) << bad.output;

    const auto help = run({"--help"});
    for (const std::string mention :
         {"--auth-tokens", "SIMPLEFS_AUTH_TOKENS", "--metrics-auth", "SIMPLEFS_METRICS_AUTH",
          "--signing-secret-file", "SIMPLEFS_SIGNING_SECRET_FILE", "sign"}) {
        EXPECT_NE(help.output.find(mention), std::string::npos) << "help lacks " << mention;
    }
}

TEST(settings, upload_expiry) {
    EXPECT_EQ(settings{}.upload_expiry, std::chrono::hours{24});
    auto flag = run({"--upload-expiry", "90s"});
    ASSERT_TRUE(flag.value) << flag.output;
    EXPECT_EQ(flag.value->upload_expiry, std::chrono::seconds{90});
    auto env = run({}, {{"SIMPLEFS_UPLOAD_EXPIRY", "7d"}});
    ASSERT_TRUE(env.value) << env.output;
    EXPECT_EQ(env.value->upload_expiry, std::chrono::hours{7 * 24});
    for (const char* bad : {"0", "31d", "1w", "-1s", ""}) {
        auto refused = run({"--upload-expiry", bad});
        expect_one_error_line(refused);
        EXPECT_NE(refused.output.find("--upload-expiry"), std::string::npos) << refused.output;
    }
    EXPECT_NE(run({"--help"}).output.find("SIMPLEFS_UPLOAD_EXPIRY"), std::string::npos);
}

TEST(settings, sign_subcommand) {
    auto plain = run({"sign", "--secret-file", "/k", "a/b.txt"});
    ASSERT_TRUE(plain.sign) << plain.output;
    EXPECT_EQ(plain.exit_code, 0);
    EXPECT_EQ(plain.sign->secret_file, "/k");
    EXPECT_EQ(plain.sign->method, "GET");
    EXPECT_EQ(plain.sign->expires_in, 3600s);
    EXPECT_EQ(plain.sign->base_url, "http://localhost:8080");
    EXPECT_EQ(plain.sign->name, "a/b.txt");

    auto full = run({"sign", "--method", "put", "--expires-in", "2d", "--base-url",
                     "https://files.example:8443", "x"},
                    {{"SIMPLEFS_SIGNING_SECRET_FILE", "/env-key"}});
    ASSERT_TRUE(full.sign) << full.output;
    EXPECT_EQ(full.sign->secret_file, "/env-key");
    EXPECT_EQ(full.sign->method, "PUT");
    EXPECT_EQ(full.sign->expires_in, 48h);
    EXPECT_EQ(full.sign->base_url, "https://files.example:8443");
    EXPECT_EQ(run({"sign", "--secret-file", "/k", "--expires-in", "90", "x"}).sign->expires_in,
              90s);

    // the server's settings are not parsed for `sign`
    EXPECT_TRUE(run({"sign", "--secret-file", "/k", "x"}, {{"SIMPLEFS_PORT", "bad"}}).sign);

    for (const auto& args : std::vector<std::vector<std::string>>{
             {"sign", "x"},                                                 // no secret
             {"sign", "--secret-file", "/k"},                               // no name
             {"sign", "--secret-file", "/k", "--method", "POST", "x"},      // not signable
             {"sign", "--secret-file", "/k", "--expires-in", "0", "x"},     // too short
             {"sign", "--secret-file", "/k", "--expires-in", "31d", "x"},   // too long
             {"sign", "--secret-file", "/k", "--expires-in", "soon", "x"},  // not a duration
             {"sign", "--secret-file", "/k", "--base-url", "ftp://h", "x"},
             {"sign", "--secret-file", "/k", "/abs"},
             {"sign", "--secret-file", "/k", "folder/"},
         }) {
        SCOPED_TRACE(join_args(args));
        const auto result = run(args);
        EXPECT_FALSE(result.sign);
        expect_one_error_line(result);
    }

    const auto help = run({"sign", "--help"});
    EXPECT_EQ(help.exit_code, 0);
    EXPECT_NE(help.output.find("--expires-in"), std::string::npos) << help.output;
}

}  // namespace
}  // namespace simplefs::config
