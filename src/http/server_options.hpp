#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <string>

namespace simplefs::http {

struct server_options {
    std::string host = "0.0.0.0";
    std::uint16_t port = 8080;
    unsigned threads = 1;
    /// Largest piece of a request body handed to a handler, and of a streamed response read.
    std::size_t chunk_size = 1024 * 1024;
    /// Largest request body accepted; 0 means no limit.
    std::uint64_t max_body_size = 0;
    std::size_t header_limit = 16 * 1024;
    /// Most header fields in a request; more get 431.
    std::size_t max_header_fields = 100;
    /// Longest request target; longer ones get 414.
    std::size_t max_target_length = 8 * 1024;
    std::chrono::milliseconds header_timeout{30000};
    /// Longest pause while reading a body or sending a response.
    std::chrono::milliseconds idle_timeout{60000};
    /// How long a kept-alive connection may wait for its next request.
    std::chrono::milliseconds keepalive_timeout{60000};
    /// Connections open at once; one more is answered 503 and closed.
    std::size_t max_connections = 16384;
    std::chrono::milliseconds shutdown_grace{10000};
};

}  // namespace simplefs::http
