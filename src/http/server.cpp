#include "http/server.hpp"

#include <spdlog/spdlog.h>
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/ip/address.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>

#include <cerrno>

namespace simplefs::http {
namespace {

namespace asio = boost::asio;
using asio::ip::tcp;
using boost::system::error_code;

constexpr auto use_tuple = asio::as_tuple(asio::use_awaitable);

/// Accept errors that mean "out of a resource for now": wait and retry instead of giving up.
bool is_transient_accept_error(const error_code& ec) {
    switch (ec.value()) {
        case EMFILE:
        case ENFILE:
        case ENOBUFS:
        case ENOMEM:
        case ECONNABORTED:
            return true;
        default:
            return false;
    }
}

tcp::endpoint resolve_endpoint(asio::io_context& io, const std::string& host, std::uint16_t port) {
    error_code ec;
    auto address = asio::ip::make_address(host, ec);
    if (!ec) {
        return {address, port};
    }
    tcp::resolver resolver(io);
    auto results = resolver.resolve(host, std::to_string(port));
    return results.begin()->endpoint();
}

}  // namespace

server::server(event_loops& loops, const server_options& options, const router& routes,
               const cors_policy& cors, runtime::blocking_pool& pool,
               metrics::service_metrics& metrics, const tls_certificate* tls)
    : loops_(loops),
      options_(options),
      acceptor_(loops.main()),
      services_{options, routes, cors, pool, metrics, stopping_},
      tls_(tls) {}

void server::listen() {
    auto endpoint = resolve_endpoint(loops_.main(), options_.host, options_.port);
    acceptor_.open(endpoint.protocol());
    acceptor_.set_option(asio::socket_base::reuse_address(true));
    acceptor_.bind(endpoint);
    acceptor_.listen(asio::socket_base::max_listen_connections);
}

std::uint16_t server::local_port() const {
    return acceptor_.local_endpoint().port();
}

void server::start() {
    asio::co_spawn(acceptor_.get_executor(), accept_loop(), [](std::exception_ptr e) {
        if (e) {
            try {
                std::rethrow_exception(e);
            } catch (const std::exception& ex) {
                spdlog::critical("accept loop failed: {}", ex.what());
            }
        }
    });
}

asio::awaitable<void> server::accept_loop() {
    auto backoff = std::chrono::milliseconds(1);
    asio::steady_timer timer(acceptor_.get_executor());
    while (!stopping_) {
        auto [ec, socket] = co_await acceptor_.async_accept(loops_.next(), use_tuple);
        if (stopping_ || ec == asio::error::operation_aborted) {
            break;
        }
        if (ec) {
            if (!is_transient_accept_error(ec)) {
                spdlog::error("accept failed: {}", ec.message());
            }
            timer.expires_after(backoff);
            co_await timer.async_wait(use_tuple);
            backoff = std::min(backoff * 2, std::chrono::milliseconds(5000));
            continue;
        }
        backoff = std::chrono::milliseconds(1);
        if (open_connections() >= options_.max_connections) {
            refuse(std::move(socket));
            continue;
        }
        error_code ignored;
        socket.set_option(tcp::no_delay(true), ignored);
        auto conn = std::make_shared<connection>(std::move(socket));
        if (tls_ != nullptr) {
            conn->tls = std::make_shared<tls_layer>(conn->stream, tls_->current());
        }
        if (auto remote = conn->stream.socket().remote_endpoint(ignored); !ignored) {
            conn->peer = remote.address().to_string() + ":" + std::to_string(remote.port());
        }
        {
            std::lock_guard lock(mutex_);
            connections_.insert(conn);
        }
        services_.metrics.connection_opened();
        asio::co_spawn(conn->stream.get_executor(), run_session(conn, services_),
                       [this, conn](std::exception_ptr e) {
                           if (e) {
                               try {
                                   std::rethrow_exception(e);
                               } catch (const std::exception& ex) {
                                   spdlog::error("session {} failed: {}", conn->peer, ex.what());
                               }
                           }
                           services_.metrics.connection_closed();
                           std::lock_guard lock(mutex_);
                           connections_.erase(conn);
                       });
    }
}

void server::refuse(tcp::socket socket) {
    services_.metrics.count_refused_connection();
    if (refusing_ >= max_refusing) {
        return;  // closing the socket is all that is left
    }
    ++refusing_;
    auto conn = std::make_shared<connection>(std::move(socket));
    if (tls_ != nullptr) {
        // The 503 is only readable inside TLS: a plain answer would look like a broken server.
        conn->tls = std::make_shared<tls_layer>(conn->stream, tls_->current());
    }
    asio::co_spawn(conn->stream.get_executor(), refuse_session(conn, services_),
                   [this, conn](std::exception_ptr) { --refusing_; });
}

void server::end_connections(bool idle_only) {
    std::lock_guard lock(mutex_);
    for (const auto& conn : connections_) {
        if (idle_only && conn->busy) {
            continue;
        }
        asio::post(conn->stream.get_executor(), [conn, idle_only] {
            // Checked again on the connection's loop: a request may have arrived since the check
            // above.
            if (idle_only && conn->busy) {
                return;
            }
            error_code ignored;
            conn->stream.socket().shutdown(tcp::socket::shutdown_both, ignored);
            conn->stream.socket().cancel(ignored);
        });
    }
}

std::size_t server::open_connections() {
    std::lock_guard lock(mutex_);
    return connections_.size();
}

asio::awaitable<bool> server::shutdown() {
    stopping_ = true;
    asio::post(acceptor_.get_executor(), [this] {
        error_code ignored;
        acceptor_.close(ignored);
    });
    spdlog::info("shutting down: {} connection(s) open, grace {} ms", open_connections(),
                 options_.shutdown_grace.count());
    asio::steady_timer timer(co_await asio::this_coro::executor);
    auto wait_until = [&](std::chrono::steady_clock::time_point deadline,
                          bool close_idle) -> asio::awaitable<bool> {
        while (std::chrono::steady_clock::now() < deadline) {
            if (close_idle) {
                end_connections(true);
            }
            if (open_connections() == 0) {
                co_return true;
            }
            timer.expires_after(std::chrono::milliseconds(20));
            co_await timer.async_wait(use_tuple);
        }
        co_return open_connections() == 0;
    };
    auto now = std::chrono::steady_clock::now();
    if (!co_await wait_until(now + options_.shutdown_grace, true)) {
        spdlog::warn("grace period over: aborting {} connection(s)", open_connections());
        end_connections(false);
        if (!co_await wait_until(std::chrono::steady_clock::now() + std::chrono::seconds(5),
                                 false)) {
            spdlog::error("{} connection(s) did not end", open_connections());
            co_return false;
        }
    }
    co_return true;
}

}  // namespace simplefs::http
