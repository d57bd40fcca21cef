#include "api/routes.hpp"
#include "api/tus_uploads.hpp"
#include "auth/access_control.hpp"
#include "config/settings.hpp"
#include "http/mime_types.hpp"
#include "http/server.hpp"
#include "log/logger.hpp"
#include "metrics/service_metrics.hpp"
#include "runtime/blocking_pool.hpp"
#include "storage/posix/posix_backend.hpp"
#if SIMPLEFS_HAVE_CEPHFS
#include "storage/cephfs/cephfs_backend.hpp"
#endif

#include <spdlog/spdlog.h>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/signal_set.hpp>

#include <sys/resource.h>

#include <chrono>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <functional>
#include <optional>
#include <thread>
#include <vector>

namespace {

using namespace simplefs;

unsigned default_threads(unsigned configured, unsigned fallback) {
    return configured != 0 ? configured : std::max(1u, fallback);
}

/// max_connections, lowered to what the descriptor limit allows (raised to its hard limit
/// first), keeping descriptors for files, the listener and the pool.
std::size_t connection_cap(std::size_t configured) {
    constexpr rlim_t reserve = 256;
    rlimit limit{};
    if (::getrlimit(RLIMIT_NOFILE, &limit) != 0) {
        return configured;
    }
    if (limit.rlim_cur < limit.rlim_max) {
        limit.rlim_cur = limit.rlim_max;
        ::setrlimit(RLIMIT_NOFILE, &limit);
        ::getrlimit(RLIMIT_NOFILE, &limit);
    }
    if (limit.rlim_cur == RLIM_INFINITY || limit.rlim_cur >= configured + reserve) {
        return configured;
    }
    const std::size_t cap =
        limit.rlim_cur > 2 * reserve ? limit.rlim_cur - reserve : limit.rlim_cur / 2;
    spdlog::warn("--max-connections {} lowered to {}: the open file limit is {}", configured, cap,
                 limit.rlim_cur);
    return cap;
}

/// The configured backend, or nullopt after logging why it could not be opened.
std::optional<std::unique_ptr<storage::backend>> open_store(const config::settings& s) {
    const bool fsync = s.fsync == config::fsync_policy::always;
#if SIMPLEFS_HAVE_CEPHFS
    if (s.storage == config::storage_kind::cephfs) {
        auto mounted = storage::cephfs_backend::open({.conf_path = s.ceph_conf,
                                                      .client_id = s.ceph_id,
                                                      .keyring = s.ceph_keyring,
                                                      .fs_name = s.ceph_fs,
                                                      .root = s.ceph_root,
                                                      .fsync = fsync});
        if (!mounted) {
            spdlog::critical("cannot mount CephFS {} (fs {}, client.{}, conf {}): {}", s.ceph_root,
                             s.ceph_fs, s.ceph_id, s.ceph_conf, mounted.error().message());
            return std::nullopt;
        }
        return std::unique_ptr<storage::backend>(std::move(*mounted));
    }
#endif
    auto opened = storage::posix_backend::open(s.storage_root, {.fsync = fsync});
    if (!opened) {
        spdlog::critical("cannot open storage root {}: {}", s.storage_root,
                         opened.error().message());
        return std::nullopt;
    }
    return std::unique_ptr<storage::backend>(std::move(*opened));
}

/// `simplefs sign`: prints the signed URL; 0, or 2 with a message when the secret is unusable.
int sign_url(const config::sign_command& c) {
    auto secret = auth::load_secret_file(c.secret_file);
    if (!secret.secret) {
        std::fprintf(stderr, "simplefs: sign: %s\n", secret.error.c_str());
        return 2;
    }
    const auth::url_signer signer(std::move(*secret.secret));
    const auto expires = auth::access_control::system_clock()() + c.expires_in.count();
    std::printf("%s\n", auth::signed_url(signer, c.base_url, c.method, c.name, expires).c_str());
    return 0;
}

/// Access control as configured, or nullptr when it is off; nullopt after printing why the
/// configuration cannot be used.
std::optional<std::unique_ptr<auth::access_control>> make_access_control(
    const config::settings& s) {
    if (s.metrics_auth && s.auth_tokens.empty()) {
        std::fputs("simplefs: --metrics-auth needs --auth-tokens\n", stderr);
        return std::nullopt;
    }
    std::shared_ptr<const auth::token_table> tokens;
    if (!s.auth_tokens.empty()) {
        auto loaded = auth::load_token_file(s.auth_tokens);
        if (!loaded.table) {
            std::fprintf(stderr, "simplefs: --auth-tokens %s\n", loaded.error.c_str());
            return std::nullopt;
        }
        tokens = std::make_shared<const auth::token_table>(std::move(*loaded.table));
    }
    std::optional<auth::url_signer> signer;
    if (!s.signing_secret_file.empty()) {
        auto secret = auth::load_secret_file(s.signing_secret_file);
        if (!secret.secret) {
            std::fprintf(stderr, "simplefs: --signing-secret-file %s\n", secret.error.c_str());
            return std::nullopt;
        }
        signer.emplace(std::move(*secret.secret));
    }
    if (!tokens && !signer) {
        return std::unique_ptr<auth::access_control>();
    }
    return std::make_unique<auth::access_control>(std::move(tokens), std::move(signer));
}

/// Re-reads the token file on every SIGHUP; a file that does not parse leaves the tokens as
/// they were. The read blocks the main loop's thread briefly: a token file is a few lines.
void reload_tokens(auth::access_control& access, const std::string& path) {
    auto loaded = auth::load_token_file(path);
    if (loaded.table) {
        const auto count = loaded.table->size();
        access.replace_tokens(std::make_shared<const auth::token_table>(std::move(*loaded.table)));
        spdlog::info("SIGHUP: {} token(s) loaded from {}", count, path);
    } else {
        spdlog::error("SIGHUP: keeping the current tokens: {}", loaded.error);
    }
}

/// Re-reads the signing secret on every SIGHUP (rotation: URLs signed with the old secret stop
/// working); a file that is missing or too short leaves the current secret.
void reload_signing_secret(auth::access_control& access, const std::string& path) {
    auto loaded = auth::load_secret_file(path);
    if (loaded.secret) {
        access.replace_signer(auth::url_signer(std::move(*loaded.secret)));
        spdlog::info("SIGHUP: signing secret reloaded from {}", path);
    } else {
        spdlog::error("SIGHUP: keeping the current signing secret: {}", loaded.error);
    }
}

/// Runs every reload on each SIGHUP.
void on_each_hangup(boost::asio::signal_set& hangups,
                    const std::vector<std::function<void()>>& reloads) {
    hangups.async_wait([&hangups, &reloads](const boost::system::error_code& ec, int) {
        if (ec) {
            return;
        }
        for (const auto& reload : reloads) {
            reload();
        }
        on_each_hangup(hangups, reloads);
    });
}

int serve(const config::settings& s) {
    const unsigned cores = std::max(1u, std::thread::hardware_concurrency());
    auto access = make_access_control(s);
    if (!access) {
        return 2;
    }
    auto store = open_store(s);
    if (!store) {
        return 1;
    }
    if (auto removed = (*store)->remove_stale_temp_files(); !removed) {
        spdlog::warn("could not clean temp files: {}", removed.error().message());
    } else if (*removed > 0) {
        spdlog::info("removed {} temp file(s) left by an earlier run", *removed);
    }

    metrics::service_metrics metrics;
    runtime::blocking_pool pool(default_threads(s.io_threads, std::max(4u, 4 * cores)));
    const auto mime = http::mime_table::load("/etc/mime.types");
    if (mime.loaded_from().empty()) {
        spdlog::info("/etc/mime.types not found: using the built-in content types");
    }
    api::services services{**store,
                           pool,
                           metrics,
                           mime,
                           {.disk_usage_threshold = s.disk_usage_threshold,
                            .chunk_size = s.chunk_size,
                            .max_upload_size = s.max_upload_size,
                            .upload_expiry = s.upload_expiry}};
    const http::router routes =
        api::make_routes(services, {.control = access->get(), .protect_metrics = s.metrics_auth});
    const http::cors_policy cors(s.cors_origins);
    const http::server_options options{.host = s.host,
                                       .port = s.port,
                                       .threads = default_threads(s.threads, cores),
                                       .chunk_size = s.chunk_size,
                                       .max_body_size = s.max_upload_size,
                                       .header_limit = s.max_header_size,
                                       .max_header_fields = s.max_header_fields,
                                       .header_timeout = s.header_timeout,
                                       .idle_timeout = s.idle_timeout,
                                       .keepalive_timeout = s.keepalive_timeout,
                                       .max_connections = connection_cap(s.max_connections),
                                       .shutdown_grace = s.shutdown_grace};

    std::optional<http::tls_certificate> tls;
    if (!s.tls_cert.empty()) {
        tls.emplace(s.tls_cert, s.tls_key);
        if (auto why = tls->reload()) {
            spdlog::critical("{}", *why);
            return 1;
        }
    }

    http::event_loops loops(options.threads);
    auto& io = loops.main();
    http::server server(loops, options, routes, cors, pool, metrics, tls ? &*tls : nullptr);
    try {
        server.listen();
    } catch (const boost::system::system_error& e) {
        spdlog::critical("cannot listen on {}:{}: {}", s.host, s.port, e.code().message());
        return 1;
    }
    boost::asio::signal_set signals(io, SIGINT, SIGTERM);
    bool drained = true;
    signals.async_wait([&](const boost::system::error_code& ec, int signal_number) {
        if (ec) {
            return;
        }
        spdlog::info("signal {} received: draining", signal_number);
        // A second signal means "now": exit without waiting (temp files are removed at the next
        // start-up).
        signals.async_wait([](const boost::system::error_code& again, int) {
            if (!again) {
                spdlog::warn("second signal: exiting at once");
                spdlog::default_logger()->flush();
                std::_Exit(1);
            }
        });
        boost::asio::co_spawn(io, server.shutdown(), [&](std::exception_ptr e, bool all_ended) {
            drained = !e && all_ended;
            loops.stop();
        });
    });
    // SIGHUP re-reads the token file, the signing secret and the certificate (without any of them
    // it ends the process, as it always did).
    std::vector<std::function<void()>> reloads;
    if (*access && (*access)->tokens_enabled()) {
        reloads.emplace_back([&] { reload_tokens(**access, s.auth_tokens); });
    }
    if (*access && (*access)->signing_enabled()) {
        reloads.emplace_back([&] { reload_signing_secret(**access, s.signing_secret_file); });
    }
    if (tls) {
        reloads.emplace_back([&] {
            if (auto why = tls->reload()) {
                spdlog::error("SIGHUP: keeping the previous certificate: {}", *why);
            } else {
                spdlog::info("SIGHUP: certificate {} reloaded", s.tls_cert);
            }
        });
    }
    boost::asio::signal_set hangups(io);
    if (!reloads.empty()) {
        hangups.add(SIGHUP);
        on_each_hangup(hangups, reloads);
    }
    server.start();
    if ((*store)->uploads() != nullptr) {
        boost::asio::co_spawn(io, api::sweep_uploads_periodically(services), boost::asio::detached);
    }
    const std::string where = s.storage == config::storage_kind::cephfs
                                  ? fmt::format("cephfs {}:{}", s.ceph_fs, s.ceph_root)
                                  : s.storage_root;
    spdlog::info("simplefs serving {} on {}://{}:{} ({} network threads)", where,
                 tls ? "https" : "http", s.host, server.local_port(), options.threads);
    if (*access) {
        spdlog::info("access control: {}, signed URLs {}",
                     (*access)->tokens_enabled() ? "bearer tokens from " + s.auth_tokens
                                                 : std::string("tokens off"),
                     (*access)->signing_enabled() ? "on" : "off");
    }

    loops.run();
    if (!drained) {
        // Some work is stuck (e.g. on a hung disk): joining the pool could wait forever.
        spdlog::error("stopped with work still running");
        spdlog::default_logger()->flush();
        std::_Exit(1);
    }
    pool.join();
    spdlog::info("stopped");
    return 0;
}

}  // namespace

int main(int argc, char** argv) {
    auto parsed = config::parse_settings(argc, argv, config::process_environment());
    if (!parsed.value) {
        std::fputs(parsed.output.c_str(), parsed.exit_code == 0 ? stdout : stderr);
        return parsed.exit_code;
    }
    if (parsed.sign) {
        return sign_url(*parsed.sign);
    }
    const auto& s = *parsed.value;
#if !SIMPLEFS_HAVE_CEPHFS
    if (s.storage != config::storage_kind::posix) {
        std::fputs("simplefs: --storage=cephfs: this build has no cephfs backend\n", stderr);
        return 2;
    }
#endif
    log::setup(s.log_level,
               s.log_format == config::log_format::json ? log::format::json : log::format::text);
    std::signal(SIGPIPE, SIG_IGN);
    try {
        return serve(s);
    } catch (const std::exception& e) {
        spdlog::critical("fatal: {}", e.what());
        return 1;
    }
}
