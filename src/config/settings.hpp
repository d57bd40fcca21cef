#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace simplefs::config {

/// Shape of log lines.
enum class log_format { text, json };

/// Whether uploaded files are fsync'ed before they become visible.
enum class storage_kind { posix, cephfs };
enum class fsync_policy {
    /// Uploads are flushed to disk (fsync) before they are acknowledged.
    always,
    /// Skip fsync; for benchmarks only, a crash may lose acknowledged uploads.
    never,
};

/// Runtime configuration of the server, after defaults, environment and flags are merged.
struct settings {
    /// Address to listen on.
    std::string host = "0.0.0.0";
    /// TCP port to listen on, 1..65535.
    std::uint16_t port = 8080;
    /// Network threads; 0 = number of cores.
    unsigned threads = 0;
    /// Threads of the bounded blocking pool for disk work; 0 = 4 * cores, at least 4.
    unsigned io_threads = 0;
    /// Directory the files live in.
    std::string storage_root = "./data";
    storage_kind storage = storage_kind::posix;
    std::string ceph_conf = "/etc/ceph/ceph.conf";  // --storage=cephfs settings
    std::string ceph_id = "admin";
    std::string ceph_keyring;
    std::string ceph_fs = "cephfs";
    std::string ceph_root = "/";
    /// Bytes per socket read and per copy step, 4 KiB..64 MiB.
    std::size_t chunk_size = 1024 * 1024;
    /// Uploads are refused with 507 when the storage disk is fuller than this percentage;
    /// 0 < x <= 100.
    double disk_usage_threshold = 95.0;
    /// Largest accepted upload in bytes; 0 = unlimited.
    std::uint64_t max_upload_size = 0;
    /// Allowed CORS origins; "*" allows any origin, an empty list turns CORS off.
    std::vector<std::string> cors_origins = {"http://localhost", "http://localhost:8080"};
    /// One of trace, debug, info, warn, error, critical, off (always lower case).
    std::string log_level = "info";
    /// Shape of log lines.
    config::log_format log_format = config::log_format::text;
    /// fsync behaviour for uploads.
    fsync_policy fsync = fsync_policy::always;
    /// How long a shutdown waits for running requests before closing them.
    std::chrono::milliseconds shutdown_grace{10000};
    std::size_t max_header_size = 16 * 1024;             // larger request headers get 431
    std::chrono::milliseconds header_timeout{30000};     // to receive a request header (408)
    std::chrono::milliseconds idle_timeout{60000};       // pause in a body or a response
    std::chrono::milliseconds keepalive_timeout{60000};  // kept-alive wait for the next request
    std::size_t max_header_fields = 100;                 // more fields get 431
    std::size_t max_connections = 16384;                 // one more gets 503
    /// HTTPS: PEM certificate chain and key; both or neither.
    std::string tls_cert;
    std::string tls_key;
    /// Bearer token file (format: README "Access control"); empty = access control off.
    std::string auth_tokens;
    /// GET /metrics needs a valid token too (only with auth_tokens).
    bool metrics_auth = false;
    /// File holding the secret of signed URLs; empty = signed URLs are refused.
    std::string signing_secret_file;
    /// Resumable (tus) uploads not completed this long after their last write are removed;
    /// 1s..30d.
    std::chrono::seconds upload_expiry{24 * 60 * 60};
};

/// `simplefs sign`: print a signed URL instead of serving.
struct sign_command {
    std::string secret_file;
    std::string method = "GET";
    std::chrono::seconds expires_in{3600};
    std::string base_url = "http://localhost:8080";
    std::string name;
};

/// Outcome of parse_settings: either settings to run with, or an exit code with the text to
/// print. With exit_code 0 and no value, output is help or version text for stdout. With
/// exit_code 2, output is one line "simplefs: <what is wrong>\n" for stderr. Output always
/// ends with a newline when it is not empty.
struct parse_result {
    std::optional<settings> value;
    int exit_code = 0;
    std::string output;
    /// Set (with value) when the command line is `simplefs [OPTIONS] sign ...`.
    std::optional<sign_command> sign{};
};

/// Returns the value of the environment variable `name`, or nothing when it is not set.
using env_lookup = std::function<std::optional<std::string>(std::string_view name)>;

/// Builds settings from the command line (argv[0] is the program name and ignored) and the
/// environment. Each option is taken from, in this order: its flag, its SIMPLEFS_<NAME>
/// variable, its legacy variable where one exists, its default. A set but empty variable
/// counts as set. When an option is given more than once, the last one wins. Every value is
/// validated; an invalid one ends parsing with exit_code 2 and a message naming the flag or
/// variable and the value. --help and --version end parsing with exit_code 0.
parse_result parse_settings(int argc, const char* const* argv, const env_lookup& env);

/// An env_lookup reading the process environment (getenv).
env_lookup process_environment();

}  // namespace simplefs::config
