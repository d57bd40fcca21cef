#pragma once

#include "http/connection.hpp"
#include "http/cors.hpp"
#include "http/router.hpp"
#include "http/server_options.hpp"
#include "metrics/service_metrics.hpp"
#include "runtime/blocking_pool.hpp"

#include <boost/asio/awaitable.hpp>

#include <atomic>
#include <memory>

namespace simplefs::http {

/// What every session shares; owned by the server's owner, outliving all sessions.
struct session_services {
    const server_options& options;
    const router& routes;
    const cors_policy& cors;
    runtime::blocking_pool& pool;
    metrics::service_metrics& metrics;
    const std::atomic<bool>& stopping;
};

/// Serves requests on one connection until the client leaves, an error, a timeout, or shutdown:
/// read a header, route, run the handler, write the response, record it, keep alive or close.
boost::asio::awaitable<void> run_session(std::shared_ptr<connection> conn,
                                         const session_services& services);

/// For a connection over the server's cap: answers 503 (Retry-After: 1) without reading a
/// request, then reads what the client sent for at most a second so that closing does not reset
/// the connection before the client has read the answer.
boost::asio::awaitable<void> refuse_session(std::shared_ptr<connection> conn,
                                            const session_services& services);

}  // namespace simplefs::http
