#include "config/settings.hpp"

#include "config/version.hpp"

#ifndef SIMPLEFS_STORAGE_BACKENDS
#define SIMPLEFS_STORAGE_BACKENDS "posix"
#endif

#include <CLI/CLI.hpp>

#include <array>
#include <charconv>
#include <cmath>
#include <cstdlib>
#include <limits>
#include <utility>
#include <variant>

namespace simplefs::config {
namespace {

constexpr std::uint64_t kib = 1024;
constexpr std::uint64_t mib = 1024 * kib;
constexpr std::uint64_t gib = 1024 * mib;
constexpr std::uint64_t tib = 1024 * gib;

constexpr std::uint64_t min_chunk_size = 4 * kib;
constexpr std::uint64_t max_chunk_size = 64 * mib;
constexpr unsigned max_threads = 4096;
constexpr std::chrono::milliseconds max_shutdown_grace = std::chrono::hours{1};
constexpr std::size_t max_shown_value_bytes = 200;

constexpr std::array<std::string_view, 7> log_levels = {"trace", "debug",    "info", "warn",
                                                        "error", "critical", "off"};

/// Reason a value was rejected; nothing when it was accepted.
using problem = std::optional<std::string>;

/// Validates `text` and stores it into the settings, or says what is wrong with it.
using apply_fn = problem (*)(std::string_view text, settings& out);

struct option_spec {
    std::string flags;
    std::string label;
    std::vector<std::string> env_names;
    std::string type_name;
    std::string description;
    std::string default_text;
    apply_fn apply;
    /// Takes no value on the command line (--flag is "true"; --flag=false also works).
    bool flag = false;
};

bool is_space(char c) {
    return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v';
}

std::string_view trim(std::string_view text) {
    while (!text.empty() && is_space(text.front())) {
        text.remove_prefix(1);
    }
    while (!text.empty() && is_space(text.back())) {
        text.remove_suffix(1);
    }
    return text;
}

std::string lower(std::string_view text) {
    std::string result(text);
    for (char& c : result) {
        if (c >= 'A' && c <= 'Z') {
            c = static_cast<char>(c - 'A' + 'a');
        }
    }
    return result;
}

std::size_t leading_digits(std::string_view text) {
    std::size_t n = 0;
    while (n < text.size() && text[n] >= '0' && text[n] <= '9') {
        ++n;
    }
    return n;
}

/// Decimal digits only, no sign; nothing on overflow.
std::optional<std::uint64_t> parse_digits(std::string_view text) {
    if (text.empty() || leading_digits(text) != text.size()) {
        return std::nullopt;
    }
    std::uint64_t value = 0;
    auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
    if (ec != std::errc{} || end != text.data() + text.size()) {
        return std::nullopt;
    }
    return value;
}

/// Unsigned integer with an optional unit suffix; `units` maps lower-case suffixes to factors.
template <std::size_t N>
std::optional<std::uint64_t> parse_scaled(
    std::string_view text, const std::array<std::pair<std::string_view, std::uint64_t>, N>& units) {
    text = trim(text);
    const std::size_t digits = leading_digits(text);
    const auto number = parse_digits(text.substr(0, digits));
    if (!number) {
        return std::nullopt;
    }
    const std::string unit = lower(trim(text.substr(digits)));
    for (const auto& [suffix, factor] : units) {
        if (unit == suffix) {
            if (*number > std::numeric_limits<std::uint64_t>::max() / factor) {
                return std::nullopt;
            }
            return *number * factor;
        }
    }
    return std::nullopt;
}

std::optional<std::uint64_t> parse_size(std::string_view text) {
    static constexpr std::array<std::pair<std::string_view, std::uint64_t>, 14> units = {{
        {"", 1},
        {"b", 1},
        {"k", kib},
        {"kb", kib},
        {"kib", kib},
        {"m", mib},
        {"mb", mib},
        {"mib", mib},
        {"g", gib},
        {"gb", gib},
        {"gib", gib},
        {"t", tib},
        {"tb", tib},
        {"tib", tib},
    }};
    return parse_scaled(text, units);
}

/// Whole seconds with an optional unit: "3600", "90s", "15m", "24h", "7d".
std::optional<std::uint64_t> parse_seconds(std::string_view text) {
    static constexpr std::array<std::pair<std::string_view, std::uint64_t>, 5> units = {{
        {"", 1},
        {"s", 1},
        {"m", 60},
        {"h", 60 * 60},
        {"d", 24 * 60 * 60},
    }};
    return parse_scaled(text, units);
}

std::optional<std::chrono::milliseconds> parse_duration(std::string_view text) {
    static constexpr std::array<std::pair<std::string_view, std::uint64_t>, 5> units = {{
        {"", 1000},
        {"ms", 1},
        {"s", 1000},
        {"m", 60 * 1000},
        {"h", 60 * 60 * 1000},
    }};
    const auto ms = parse_scaled(text, units);
    if (!ms || *ms > static_cast<std::uint64_t>(max_shutdown_grace.count())) {
        return std::nullopt;
    }
    return std::chrono::milliseconds{static_cast<std::chrono::milliseconds::rep>(*ms)};
}

std::string format_size(std::uint64_t bytes) {
    static constexpr std::array<std::pair<std::string_view, std::uint64_t>, 4> units = {{
        {"TiB", tib},
        {"GiB", gib},
        {"MiB", mib},
        {"KiB", kib},
    }};
    for (const auto& [suffix, factor] : units) {
        if (bytes != 0 && bytes % factor == 0) {
            return std::to_string(bytes / factor) + std::string(suffix);
        }
    }
    return std::to_string(bytes);
}

std::string format_duration(std::chrono::milliseconds value) {
    const auto ms = value.count();
    if (ms % 1000 != 0) {
        return std::to_string(ms) + "ms";
    }
    return std::to_string(ms / 1000) + "s";
}

std::string format_percent(double value) {
    std::array<char, 32> buffer{};
    auto [end, ec] = std::to_chars(buffer.data(), buffer.data() + buffer.size(), value);
    if (ec != std::errc{}) {
        return "?";
    }
    return std::string(buffer.data(), end);
}

std::string join(const std::vector<std::string>& items, std::string_view separator) {
    std::string result;
    for (const auto& item : items) {
        if (!result.empty()) {
            result += separator;
        }
        result += item;
    }
    return result;
}

/// The value as it may appear inside one line of a message: control bytes are escaped and
/// long values are cut.
std::string printable(std::string_view text) {
    static constexpr std::string_view hex = "0123456789abcdef";
    std::string result;
    const bool cut = text.size() > max_shown_value_bytes;
    for (const char c : text.substr(0, max_shown_value_bytes)) {
        const auto byte = static_cast<unsigned char>(c);
        if (c == '\n') {
            result += "\\n";
        } else if (c == '\t') {
            result += "\\t";
        } else if (byte < 0x20 || byte == 0x7f) {
            result += "\\x";
            result += hex[byte >> 4];
            result += hex[byte & 0xf];
        } else {
            result += c;
        }
    }
    if (cut) {
        result += "...";
    }
    return result;
}

std::string one_line(std::string_view text) {
    std::string result;
    for (const char c : trim(text)) {
        result += (c == '\n' || c == '\r') ? ' ' : c;
    }
    return result;
}

bool valid_origin(std::string_view origin) {
    if (origin == "*") {
        return true;
    }
    const std::size_t separator = origin.find("://");
    if (separator == std::string_view::npos || separator == 0) {
        return false;
    }
    const std::string_view scheme = origin.substr(0, separator);
    const std::string_view authority = origin.substr(separator + 3);
    const auto scheme_char = [](char c) {
        return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
               c == '+' || c == '-' || c == '.';
    };
    const bool letter_first =
        (scheme[0] >= 'a' && scheme[0] <= 'z') || (scheme[0] >= 'A' && scheme[0] <= 'Z');
    if (!letter_first) {
        return false;
    }
    for (const char c : scheme) {
        if (!scheme_char(c)) {
            return false;
        }
    }
    if (authority.empty()) {
        return false;
    }
    for (const char c : authority) {
        const auto byte = static_cast<unsigned char>(c);
        if (c == '/' || c == '?' || c == '#' || c == ',' || byte <= 0x20 || byte == 0x7f) {
            return false;
        }
    }
    return true;
}

problem apply_host(std::string_view text, settings& out) {
    if (text.empty()) {
        return "expected an address or host name, got an empty value";
    }
    for (const char c : text) {
        const auto byte = static_cast<unsigned char>(c);
        if (byte <= 0x20 || byte == 0x7f) {
            return "expected an address or host name without spaces or control characters";
        }
    }
    out.host = std::string(text);
    return std::nullopt;
}

problem apply_port(std::string_view text, settings& out) {
    const auto port = parse_digits(trim(text));
    if (!port || *port < 1 || *port > 65535) {
        return "expected a port number from 1 to 65535";
    }
    out.port = static_cast<std::uint16_t>(*port);
    return std::nullopt;
}

std::optional<unsigned> parse_thread_count(std::string_view text) {
    const auto count = parse_digits(trim(text));
    if (!count || *count > max_threads) {
        return std::nullopt;
    }
    return static_cast<unsigned>(*count);
}

problem apply_threads(std::string_view text, settings& out) {
    const auto count = parse_thread_count(text);
    if (!count) {
        return "expected a thread count from 0 to " + std::to_string(max_threads) +
               " (0 = number of cores)";
    }
    out.threads = *count;
    return std::nullopt;
}

problem apply_io_threads(std::string_view text, settings& out) {
    const auto count = parse_thread_count(text);
    if (!count) {
        return "expected a thread count from 0 to " + std::to_string(max_threads) +
               " (0 = default)";
    }
    out.io_threads = *count;
    return std::nullopt;
}

problem apply_storage_root(std::string_view text, settings& out) {
    if (text.empty()) {
        return "expected a directory, got an empty value";
    }
    out.storage_root = std::string(text);
    return std::nullopt;
}

problem apply_storage(std::string_view text, settings& out) {
    const std::string kind = lower(trim(text));
    if (kind == "posix") {
        out.storage = storage_kind::posix;
    } else if (kind == "cephfs") {
        out.storage = storage_kind::cephfs;
    } else {
        return std::string("expected posix or cephfs");
    }
    return std::nullopt;
}

/// A setter for a free-form, non-empty text setting.
template <std::string settings::*Member>
problem apply_text(std::string_view text, settings& out) {
    if (text.empty()) {
        return std::string("expected a value, got an empty one");
    }
    out.*Member = std::string(text);
    return std::nullopt;
}

problem apply_chunk_size(std::string_view text, settings& out) {
    const auto size = parse_size(text);
    if (!size || *size < min_chunk_size || *size > max_chunk_size) {
        return "expected a size from 4KiB to 64MiB, such as 65536, 64K or 1MiB";
    }
    out.chunk_size = static_cast<std::size_t>(*size);
    return std::nullopt;
}

problem apply_max_header_size(std::string_view text, settings& out) {
    const auto size = parse_size(text);
    if (!size || *size < 1024 || *size > 1024 * 1024) {
        return "expected a size from 1KiB to 1MiB, such as 16KiB";
    }
    out.max_header_size = static_cast<std::size_t>(*size);
    return std::nullopt;
}

/// A timeout: a duration from 100ms to 1h.
problem apply_timeout(std::string_view text, std::chrono::milliseconds& out) {
    const auto value = parse_duration(text);
    if (!value || *value < std::chrono::milliseconds(100)) {
        return std::string("expected a duration from 100ms to 1h, such as 30s or 2m");
    }
    out = *value;
    return std::nullopt;
}

problem apply_header_timeout(std::string_view text, settings& out) {
    return apply_timeout(text, out.header_timeout);
}

problem apply_idle_timeout(std::string_view text, settings& out) {
    return apply_timeout(text, out.idle_timeout);
}

problem apply_keepalive_timeout(std::string_view text, settings& out) {
    return apply_timeout(text, out.keepalive_timeout);
}

/// A setter for a whole number from Min to Max.
template <std::size_t settings::*Member, std::uint64_t Min, std::uint64_t Max>
problem apply_count(std::string_view text, settings& out) {
    const auto count = parse_digits(trim(text));
    if (!count || *count < Min || *count > Max) {
        return "expected a whole number from " + std::to_string(Min) + " to " + std::to_string(Max);
    }
    out.*Member = static_cast<std::size_t>(*count);
    return std::nullopt;
}

problem apply_disk_usage_threshold(std::string_view text, settings& out) {
    std::string_view number = trim(text);
    if (!number.empty() && number.back() == '%') {
        number.remove_suffix(1);
    }
    double value = 0;
    const auto [end, ec] = std::from_chars(number.data(), number.data() + number.size(), value);
    if (number.empty() || ec != std::errc{} || end != number.data() + number.size() ||
        !std::isfinite(value) || !(value > 0.0 && value <= 100.0)) {
        return "expected a percentage greater than 0 and at most 100";
    }
    out.disk_usage_threshold = value;
    return std::nullopt;
}

problem apply_max_upload_size(std::string_view text, settings& out) {
    const auto size = parse_size(text);
    if (!size) {
        return "expected a size such as 0 (unlimited), 1048576, 500M or 2GiB";
    }
    out.max_upload_size = *size;
    return std::nullopt;
}

problem apply_cors_origins(std::string_view text, settings& out) {
    std::vector<std::string> origins;
    std::string_view rest = trim(text);
    while (!rest.empty()) {
        const std::size_t comma = rest.find(',');
        const std::string_view item = trim(rest.substr(0, comma));
        if (item.empty()) {
            return std::string("expected a comma-separated list of origins, found an empty entry");
        }
        if (!valid_origin(item)) {
            return "origin '" + printable(item) +
                   "' is not '*' or scheme://host[:port] (without path or trailing '/')";
        }
        origins.emplace_back(item);
        if (comma == std::string_view::npos) {
            break;
        }
        rest = rest.substr(comma + 1);
        if (trim(rest).empty()) {
            return std::string("expected a comma-separated list of origins, found an empty entry");
        }
    }
    out.cors_origins = std::move(origins);
    return std::nullopt;
}

problem apply_log_level(std::string_view text, settings& out) {
    std::string level = lower(trim(text));
    if (level == "warning") {
        level = "warn";
    }
    for (const auto known : log_levels) {
        if (level == known) {
            out.log_level = std::move(level);
            return std::nullopt;
        }
    }
    return std::string("expected one of trace, debug, info, warn, error, critical, off");
}

problem apply_log_format(std::string_view text, settings& out) {
    const std::string format = lower(trim(text));
    if (format == "text") {
        out.log_format = log_format::text;
    } else if (format == "json") {
        out.log_format = log_format::json;
    } else {
        return std::string("expected text or json");
    }
    return std::nullopt;
}

problem apply_fsync(std::string_view text, settings& out) {
    const std::string policy = lower(trim(text));
    if (policy == "always") {
        out.fsync = fsync_policy::always;
    } else if (policy == "never") {
        out.fsync = fsync_policy::never;
    } else {
        return std::string("expected always or never");
    }
    return std::nullopt;
}

problem apply_shutdown_grace(std::string_view text, settings& out) {
    const auto grace = parse_duration(text);
    if (!grace) {
        return std::string("expected a duration from 0 to 1h, such as 500ms, 10s, 2m or 30");
    }
    out.shutdown_grace = *grace;
    return std::nullopt;
}

constexpr std::uint64_t max_upload_expiry_seconds = 30ull * 24 * 60 * 60;

problem apply_upload_expiry(std::string_view text, settings& out) {
    const auto seconds = parse_seconds(text);
    if (!seconds || *seconds == 0 || *seconds > max_upload_expiry_seconds) {
        return std::string("expected a duration from 1s to 30d, such as 90s, 30m, 24h or 7d");
    }
    out.upload_expiry = std::chrono::seconds{static_cast<std::chrono::seconds::rep>(*seconds)};
    return std::nullopt;
}

/// A file name that may be empty (= the feature is off).
template <std::string settings::*Member>
problem apply_optional_file(std::string_view text, settings& out) {
    out.*Member = std::string(text);
    return std::nullopt;
}

std::optional<bool> parse_bool(std::string_view text) {
    const std::string word = lower(trim(text));
    if (word == "true" || word == "1" || word == "yes" || word == "on") {
        return true;
    }
    if (word == "false" || word == "0" || word == "no" || word == "off" || word.empty()) {
        return false;
    }
    return std::nullopt;
}

problem apply_metrics_auth(std::string_view text, settings& out) {
    const auto value = parse_bool(text);
    if (!value) {
        return std::string("expected true or false (also 1/0, yes/no, on/off)");
    }
    out.metrics_auth = *value;
    return std::nullopt;
}

std::string_view to_string(storage_kind kind) {
    return kind == storage_kind::cephfs ? "cephfs" : "posix";
}

std::string_view to_string(log_format format) {
    return format == log_format::json ? "json" : "text";
}

std::string_view to_string(fsync_policy policy) {
    return policy == fsync_policy::never ? "never" : "always";
}

std::vector<option_spec> option_specs() {
    const settings defaults;
    return {
        {"-h,--host",
         "--host",
         {"SIMPLEFS_HOST"},
         "ADDRESS",
         "Address to listen on.",
         defaults.host,
         apply_host},
        {"-p,--port",
         "--port",
         {"SIMPLEFS_PORT"},
         "PORT",
         "TCP port to listen on, 1..65535.",
         std::to_string(defaults.port),
         apply_port},
        {"-w,--workers,--threads",
         "--workers/--threads",
         {"SIMPLEFS_THREADS"},
         "N",
         "Network threads; 0 = number of cores.",
         std::to_string(defaults.threads),
         apply_threads},
        {"--io-threads",
         "--io-threads",
         {"SIMPLEFS_IO_THREADS"},
         "N",
         "Threads for blocking disk work; 0 = 4 x cores, at least 4.",
         std::to_string(defaults.io_threads),
         apply_io_threads},
        {"--storage-root",
         "--storage-root",
         {"SIMPLEFS_STORAGE_ROOT", "STORAGE_ROOT"},
         "DIR",
         "Directory the files are stored in.",
         defaults.storage_root,
         apply_storage_root},
        {"--storage",
         "--storage",
         {"SIMPLEFS_STORAGE"},
         "KIND",
         "posix (a directory or a mounted CephFS) or cephfs (libcephfs, no mount).",
         std::string(to_string(defaults.storage)),
         apply_storage},
        {"--ceph-conf",
         "--ceph-conf",
         {"SIMPLEFS_CEPH_CONF"},
         "FILE",
         "ceph.conf of the cluster (--storage=cephfs).",
         defaults.ceph_conf,
         apply_text<&settings::ceph_conf>},
        {"--ceph-id",
         "--ceph-id",
         {"SIMPLEFS_CEPH_ID"},
         "NAME",
         "CephX client name without 'client.' (--storage=cephfs).",
         defaults.ceph_id,
         apply_text<&settings::ceph_id>},
        {"--ceph-keyring",
         "--ceph-keyring",
         {"SIMPLEFS_CEPH_KEYRING"},
         "FILE",
         "Keyring of that client; empty = the conf's default (--storage=cephfs).",
         defaults.ceph_keyring,
         apply_text<&settings::ceph_keyring>},
        {"--ceph-fs",
         "--ceph-fs",
         {"SIMPLEFS_CEPH_FS"},
         "NAME",
         "CephFS file system name (--storage=cephfs).",
         defaults.ceph_fs,
         apply_text<&settings::ceph_fs>},
        {"--ceph-root",
         "--ceph-root",
         {"SIMPLEFS_CEPH_ROOT"},
         "PATH",
         "Folder inside the file system that holds the files (--storage=cephfs).",
         defaults.ceph_root,
         apply_text<&settings::ceph_root>},
        {"--chunk-size",
         "--chunk-size",
         {"SIMPLEFS_CHUNK_SIZE", "FILE_READ_BATCH_SIZE"},
         "SIZE",
         "Bytes per socket read and copy step, 4KiB..64MiB.",
         format_size(defaults.chunk_size),
         apply_chunk_size},
        {"--disk-usage-threshold",
         "--disk-usage-threshold",
         {"SIMPLEFS_DISK_USAGE_THRESHOLD", "DISK_USAGE_THRESHOLD"},
         "PERCENT",
         "Refuse uploads (507) above this disk usage; 0 < x <= 100.",
         format_percent(defaults.disk_usage_threshold),
         apply_disk_usage_threshold},
        {"--max-upload-size",
         "--max-upload-size",
         {"SIMPLEFS_MAX_UPLOAD_SIZE"},
         "SIZE",
         "Largest accepted upload; 0 = unlimited.",
         format_size(defaults.max_upload_size),
         apply_max_upload_size},
        {"--max-header-size",
         "--max-header-size",
         {"SIMPLEFS_MAX_HEADER_SIZE"},
         "SIZE",
         "Largest request header (request line and fields); larger gets 431. 1KiB..1MiB.",
         format_size(defaults.max_header_size),
         apply_max_header_size},
        {"--header-timeout",
         "--header-timeout",
         {"SIMPLEFS_HEADER_TIMEOUT"},
         "DURATION",
         "Time a client gets to send a request header; a partial header then gets 408.",
         format_duration(defaults.header_timeout),
         apply_header_timeout},
        {"--idle-timeout",
         "--idle-timeout",
         {"SIMPLEFS_IDLE_TIMEOUT"},
         "DURATION",
         "Longest pause while a request body is read or a response is sent.",
         format_duration(defaults.idle_timeout),
         apply_idle_timeout},
        {"--keepalive-timeout",
         "--keepalive-timeout",
         {"SIMPLEFS_KEEPALIVE_TIMEOUT"},
         "DURATION",
         "How long a kept-alive connection may wait for its next request.",
         format_duration(defaults.keepalive_timeout),
         apply_keepalive_timeout},
        {"--max-header-fields",
         "--max-header-fields",
         {"SIMPLEFS_MAX_HEADER_FIELDS"},
         "N",
         "Most header fields in a request; more get 431. 8..10000.",
         std::to_string(defaults.max_header_fields),
         apply_count<&settings::max_header_fields, 8, 10000>},
        {"--max-connections",
         "--max-connections",
         {"SIMPLEFS_MAX_CONNECTIONS"},
         "N",
         "Client connections open at once; one more gets 503 and is closed.",
         std::to_string(defaults.max_connections),
         apply_count<&settings::max_connections, 1, 1000000>},
        {"--tls-cert",
         "--tls-cert",
         {"SIMPLEFS_TLS_CERT"},
         "FILE",
         "Serve HTTPS (TLS 1.2+) with this PEM certificate chain; needs --tls-key. Re-read on "
         "SIGHUP.",
         "",
         apply_text<&settings::tls_cert>},
        {"--tls-key",
         "--tls-key",
         {"SIMPLEFS_TLS_KEY"},
         "FILE",
         "PEM private key of --tls-cert.",
         "",
         apply_text<&settings::tls_key>},
        {"--cors-origins",
         "--cors-origins",
         {"SIMPLEFS_CORS_ORIGINS"},
         "LIST",
         "Comma-separated allowed CORS origins; '*' = any, empty = CORS off.",
         join(defaults.cors_origins, ","),
         apply_cors_origins},
        {"--log-level",
         "--log-level",
         {"SIMPLEFS_LOG_LEVEL"},
         "LEVEL",
         "trace, debug, info, warn, error, critical or off.",
         defaults.log_level,
         apply_log_level},
        {"--log-format",
         "--log-format",
         {"SIMPLEFS_LOG_FORMAT"},
         "FORMAT",
         "text or json.",
         std::string(to_string(defaults.log_format)),
         apply_log_format},
        {"--fsync",
         "--fsync",
         {"SIMPLEFS_FSYNC"},
         "POLICY",
         "always, or never (unsafe, for benchmarks only).",
         std::string(to_string(defaults.fsync)),
         apply_fsync},
        {"--shutdown-grace",
         "--shutdown-grace",
         {"SIMPLEFS_SHUTDOWN_GRACE"},
         "DURATION",
         "Time running requests get to finish at shutdown, 0..1h.",
         format_duration(defaults.shutdown_grace),
         apply_shutdown_grace},
        {"--auth-tokens",
         "--auth-tokens",
         {"SIMPLEFS_AUTH_TOKENS"},
         "FILE",
         "Bearer token file; turns access control on (re-read on SIGHUP). Empty = off.",
         defaults.auth_tokens,
         apply_optional_file<&settings::auth_tokens>},
        {"--metrics-auth",
         "--metrics-auth",
         {"SIMPLEFS_METRICS_AUTH"},
         "",
         "GET /metrics needs a valid token too (with --auth-tokens).",
         "false",
         apply_metrics_auth,
         /*flag=*/true},
        {"--signing-secret-file",
         "--signing-secret-file",
         {"SIMPLEFS_SIGNING_SECRET_FILE"},
         "FILE",
         "Secret (32+ bytes) that signed URLs are checked with (see 'sign'). Empty = none.",
         defaults.signing_secret_file,
         apply_optional_file<&settings::signing_secret_file>},
        {"--upload-expiry",
         "--upload-expiry",
         {"SIMPLEFS_UPLOAD_EXPIRY"},
         "DURATION",
         "Resumable (tus) uploads idle this long are removed, 1s..30d.",
         format_duration(defaults.upload_expiry),
         apply_upload_expiry},
    };
}

constexpr std::chrono::seconds max_signed_url_lifetime = std::chrono::hours{24 * 30};

/// The `sign` subcommand's values as typed.
struct sign_values {
    std::string secret_file;
    std::string method = "GET";
    std::string expires_in = "1h";
    std::string base_url = sign_command{}.base_url;
    std::string name;
};

/// Validates the `sign` values; the secret file falls back to SIMPLEFS_SIGNING_SECRET_FILE.
std::variant<sign_command, std::string> make_sign_command(const sign_values& v,
                                                          const env_lookup& env) {
    sign_command c;
    c.secret_file = v.secret_file;
    if (c.secret_file.empty() && env) {
        c.secret_file = env("SIMPLEFS_SIGNING_SECRET_FILE").value_or("");
    }
    if (c.secret_file.empty()) {
        return std::string("sign: --secret-file (or SIMPLEFS_SIGNING_SECRET_FILE) is required");
    }
    c.method = std::string(trim(v.method));
    for (char& ch : c.method) {
        if (ch >= 'a' && ch <= 'z') {
            ch = static_cast<char>(ch - 'a' + 'A');
        }
    }
    if (c.method != "GET" && c.method != "PUT" && c.method != "DELETE") {
        return "sign: invalid value '" + printable(v.method) +
               "' for --method: expected GET, PUT or DELETE";
    }
    const auto seconds = parse_seconds(v.expires_in);
    if (!seconds || *seconds < 1 ||
        *seconds > static_cast<std::uint64_t>(max_signed_url_lifetime.count())) {
        return "sign: invalid value '" + printable(v.expires_in) +
               "' for --expires-in: expected a duration from 1s to 30d, such as 3600, 15m or 2d";
    }
    c.expires_in = std::chrono::seconds{static_cast<std::chrono::seconds::rep>(*seconds)};
    if (!v.base_url.starts_with("http://") && !v.base_url.starts_with("https://")) {
        return "sign: invalid value '" + printable(v.base_url) +
               "' for --base-url: expected http://host[:port] or https://host[:port]";
    }
    c.base_url = v.base_url;
    if (v.name.empty() || v.name.starts_with('/') || v.name.ends_with('/')) {
        return "sign: invalid file name '" + printable(v.name) +
               "': expected a name as in /files/{name}, without leading or trailing '/'";
    }
    c.name = v.name;
    return c;
}

std::string env_help(const std::vector<std::string>& names) {
    std::string result = "\nEnv: " + names.front();
    for (std::size_t i = 1; i < names.size(); ++i) {
        result += ", " + names[i] + " (legacy)";
    }
    return result;
}

constexpr std::string_view help_footer =
    "Each option is taken from its flag, else its SIMPLEFS_* variable, else its legacy\n"
    "variable, else its default.\n"
    "SIZE: bytes, or a number with K, M, G, T, KiB, MiB, GiB, TiB, KB, MB, GB or TB (all\n"
    "binary: 1K = 1KB = 1KiB = 1024).\n"
    "DURATION: a number with ms, s, m or h, or plain seconds.";

parse_result failure(std::string what) {
    return {std::nullopt, 2, "simplefs: " + one_line(what) + "\n"};
}

std::string extras_message(std::vector<std::string> extras) {
    std::erase(extras, "--");
    if (extras.empty()) {
        return "unexpected '--'";
    }
    if (extras.size() == 1) {
        const std::string& arg = extras.front();
        if (arg.size() > 1 && arg.front() == '-') {
            return "unknown option '" + printable(arg) + "'";
        }
        return "unexpected argument '" + printable(arg) + "'";
    }
    std::string result = "unexpected arguments:";
    for (const auto& arg : extras) {
        result += " '" + printable(arg) + "'";
    }
    return result;
}

std::string with_newline(std::string text) {
    if (!text.empty() && text.back() != '\n') {
        text += '\n';
    }
    return text;
}

}  // namespace

parse_result parse_settings(int argc, const char* const* argv, const env_lookup& env) {
    const std::vector<option_spec> specs = option_specs();
    std::vector<std::string> flag_values(specs.size());
    std::vector<CLI::Option*> options;

    CLI::App app{"HTTP file server.", "simplefs"};
    app.set_help_flag("--help", "Print this help and exit.");
    app.set_version_flag(
        "--version",
        "simplefs " + std::string(version) + " (storage backends: " SIMPLEFS_STORAGE_BACKENDS ")",
        "Print the version and exit.");
    app.option_defaults()->multi_option_policy(CLI::MultiOptionPolicy::TakeLast);
    app.get_formatter()->column_width(36);
    app.footer(std::string(help_footer));
    for (std::size_t i = 0; i < specs.size(); ++i) {
        const option_spec& spec = specs[i];
        const std::string description = spec.description + env_help(spec.env_names);
        CLI::Option* option = spec.flag ? app.add_flag(spec.flags, flag_values[i], description)
                                        : app.add_option(spec.flags, flag_values[i], description);
        option->type_name(spec.type_name);
        option->default_str(spec.default_text);
        options.push_back(option);
    }

    sign_values sign_args;
    CLI::App* sign = app.add_subcommand(
        "sign",
        "Print a URL that allows one method on one file until it expires, signed with the "
        "secret the server checks (--signing-secret-file), and exit.");
    sign->footer("DURATION: plain seconds, or a number with s, m, h or d.");
    sign->add_option("--secret-file", sign_args.secret_file,
                     "File with the signing secret.\nEnv: SIMPLEFS_SIGNING_SECRET_FILE")
        ->type_name("FILE");
    sign->add_option("--method", sign_args.method, "GET (also allows HEAD), PUT or DELETE.")
        ->type_name("METHOD")
        ->default_str(sign_args.method);
    sign->add_option("--expires-in", sign_args.expires_in,
                     "How long the URL works: 1s..30d, plain seconds or with s, m, h, d.")
        ->type_name("DURATION")
        ->default_str(sign_args.expires_in);
    sign->add_option("--base-url", sign_args.base_url, "Where the server is, as clients reach it.")
        ->type_name("URL")
        ->default_str(sign_args.base_url);
    sign->add_option("name", sign_args.name, "The file name, as in /files/{name}.")
        ->type_name("NAME")
        ->required();

    std::vector<std::string> args;
    for (int i = argc - 1; i > 0; --i) {
        args.emplace_back(argv[i]);
    }
    try {
        app.parse(args);
    } catch (const CLI::CallForHelp&) {
        return {std::nullopt, 0,
                with_newline(app.got_subcommand(sign) ? sign->help() : app.help())};
    } catch (const CLI::CallForVersion& e) {
        return {std::nullopt, 0, with_newline(e.what())};
    } catch (const CLI::ExtrasError&) {
        return failure(extras_message(app.remaining()));
    } catch (const CLI::ArgumentMismatch& e) {
        const std::string_view what = e.what();
        for (std::size_t i = 0; i < specs.size(); ++i) {
            if (what.starts_with(options[i]->get_name() + ":")) {
                return failure("missing value for " + specs[i].label);
            }
        }
        return failure(e.what());
    } catch (const CLI::ParseError& e) {
        return failure(e.what());
    }

    if (app.got_subcommand(sign)) {
        auto command = make_sign_command(sign_args, env);
        if (auto* why = std::get_if<std::string>(&command)) {
            return failure(*why);
        }
        return {settings{}, 0, {}, std::get<sign_command>(std::move(command))};
    }

    settings result;
    for (std::size_t i = 0; i < specs.size(); ++i) {
        const option_spec& spec = specs[i];
        if (options[i]->count() > 0) {
            if (auto why = spec.apply(flag_values[i], result)) {
                return failure("invalid value '" + printable(flag_values[i]) + "' for " +
                               spec.label + ": " + *why);
            }
            continue;
        }
        for (const std::string& name : spec.env_names) {
            const std::optional<std::string> value = env ? env(name) : std::nullopt;
            if (!value) {
                continue;
            }
            if (auto why = spec.apply(*value, result)) {
                return failure("invalid value '" + printable(*value) + "' in " + name + ": " +
                               *why);
            }
            break;
        }
    }
    if (result.tls_cert.empty() != result.tls_key.empty()) {
        return failure("--tls-cert and --tls-key go together: give both or neither");
    }
    return {std::move(result), 0, {}};
}

env_lookup process_environment() {
    return [](std::string_view name) -> std::optional<std::string> {
        const char* value = std::getenv(std::string(name).c_str());
        if (value == nullptr) {
            return std::nullopt;
        }
        return std::string(value);
    };
}

}  // namespace simplefs::config
