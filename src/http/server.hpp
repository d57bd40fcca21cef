#pragma once

#include "http/connection.hpp"
#include "http/event_loops.hpp"
#include "http/session.hpp"
#include "http/tls.hpp"

#include <boost/asio/awaitable.hpp>
#include <boost/asio/ip/tcp.hpp>

#include <atomic>
#include <memory>
#include <mutex>
#include <set>

namespace simplefs::http {

/// Accepts connections (HTTPS ones when tls is set) on the main loop and runs a session for each on
/// one of the loops (round robin); knows how to drain them.
class server {
public:
    server(event_loops& loops, const server_options& options, const router& routes,
           const cors_policy& cors, runtime::blocking_pool& pool, metrics::service_metrics& metrics,
           const tls_certificate* tls = nullptr);

    /// Binds and listens on options.host:options.port. Throws boost::system::system_error.
    void listen();
    std::uint16_t local_port() const;
    /// Starts the accept loop on the main loop.
    void start();
    /// Stops accepting, closes idle connections, lets requests in flight finish within the
    /// shutdown grace, then ends the rest (their uploads are aborted: temp files removed).
    /// Returns false when some connection did not end even then (e.g. stuck on a hung disk).
    boost::asio::awaitable<bool> shutdown();

private:
    boost::asio::awaitable<void> accept_loop();
    /// Turns a connection away at the max_connections cap.
    void refuse(boost::asio::ip::tcp::socket socket);
    void end_connections(bool idle_only);
    std::size_t open_connections();

    event_loops& loops_;
    const server_options& options_;
    boost::asio::ip::tcp::acceptor acceptor_;
    std::atomic<bool> stopping_{false};
    session_services services_;
    const tls_certificate* tls_;
    std::mutex mutex_;
    std::set<std::shared_ptr<connection>> connections_;
    /// Refusals being answered; past max_refusing, sockets over the cap are closed at once.
    static constexpr unsigned max_refusing = 256;
    std::atomic<unsigned> refusing_{0};
};

}  // namespace simplefs::http
