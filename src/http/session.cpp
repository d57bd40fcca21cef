#include "http/session.hpp"

#include "http/http_date.hpp"
#include "http/request_parser.hpp"
#include "http/response_head.hpp"
#include "http/tls.hpp"
#include "log/logger.hpp"

#include <spdlog/spdlog.h>
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/buffer.hpp>
#include <boost/asio/experimental/awaitable_operators.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/buffers_suffix.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/read_size.hpp>
#include <boost/beast/core/string.hpp>
#include <boost/beast/http/buffer_body.hpp>
#include <boost/beast/http/error.hpp>

#include <sys/sendfile.h>

#include <algorithm>
#include <array>
#include <memory>
#include <optional>
#include <vector>

namespace simplefs::http {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace bhttp = boost::beast::http;
using boost::system::error_code;
using parser_type = request_parser;
constexpr auto use_tuple = asio::as_tuple(asio::use_awaitable);

/// Streamed bodies up to this size are read on the network thread when their bytes are in
/// memory (page cache), and go out with the header in one write: no trip to the blocking pool.
constexpr std::uint64_t inline_body_limit = 64 * 1024;
/// Largest sendfile() call; bounds the time a pool thread spends on one connection.
constexpr std::uint64_t max_sendfile_chunk = 8u << 20;
/// After a response that left a request body unread, read and discard at most this much (and
/// for at most lingering_time) before closing, so the client sees the answer instead of a reset.
constexpr std::uint64_t lingering_bytes = 64u << 20;
constexpr std::chrono::seconds lingering_time{5};

/// Calls op with the stream a connection's requests and responses travel on: its TLS stream, or
/// the TCP stream. op returns the same awaitable type for both.
template <class Op>
auto on_stream(connection& conn, Op&& op) {
    return conn.tls ? op(conn.tls->stream) : op(conn.stream);
}

/// Pulls a request body for a handler. A Content-Length body goes straight from the socket into
/// the handler's buffer (large reads, no copy through the parser); a chunked body goes through the
/// parser, which removes the framing.
class socket_body_reader final : public body_reader {
public:
    socket_body_reader(connection& conn, beast::flat_buffer& buffer, parser_type& parser,
                       std::chrono::milliseconds idle_timeout)
        : conn_(conn),
          buffer_(buffer),
          parser_(parser),
          idle_timeout_(idle_timeout),
          direct_(!parser.chunked() && parser.content_length().has_value()),
          remaining_(direct_ ? *parser.content_length() : 0) {}

    asio::awaitable<std::size_t> read_some(std::span<char> out, error_code& ec) override {
        ec = {};
        if (complete() || out.empty()) {
            co_return 0;
        }
        if (!continue_answered_) {
            continue_answered_ = true;
            // RFC 9110 §10.1.1: never send 100 to an HTTP/1.0 client.
            if (parser_.get().version() >= 11 &&
                beast::iequals(parser_.get()[field::expect], "100-continue")) {
                static constexpr std::string_view interim = "HTTP/1.1 100 Continue\r\n\r\n";
                conn_.stream.expires_after(idle_timeout_);
                auto [e, n] = co_await on_stream(conn_, [](auto& stream) {
                    return asio::async_write(stream, asio::buffer(interim), use_tuple);
                });
                if (e) {
                    ec = e;
                    co_return 0;
                }
            }
        }
        auto got = direct_ ? co_await read_direct(out, ec) : co_await read_chunked(out, ec);
        bytes_read_ += got;
        co_return got;
    }

    std::optional<std::uint64_t> content_length() const override {
        auto length = parser_.content_length();
        return length ? std::optional<std::uint64_t>(*length) : std::nullopt;
    }

    std::uint64_t bytes_read() const noexcept override { return bytes_read_; }

    /// The whole body has been read (or there was none), so the next request can follow.
    bool complete() const noexcept { return direct_ ? remaining_ == 0 : parser_.is_done(); }

private:
    /// Fills out (up to what is left of the body): first what the header read buffered, then
    /// straight from the socket. Never reads past the body, so a pipelined request stays buffered.
    asio::awaitable<std::size_t> read_direct(std::span<char> out, error_code& ec) {
        const auto want = static_cast<std::size_t>(std::min<std::uint64_t>(out.size(), remaining_));
        std::size_t got = asio::buffer_copy(asio::buffer(out.data(), want), buffer_.data());
        buffer_.consume(got);
        while (got < want) {
            conn_.stream.expires_after(idle_timeout_);
            const auto free = asio::buffer(out.data() + got, want - got);
            auto [e, n] = co_await on_stream(
                conn_, [&](auto& stream) { return stream.async_read_some(free, use_tuple); });
            got += n;
            if (e) {
                ec = e == asio::error::eof ? bhttp::error::partial_message : e;
                break;
            }
        }
        remaining_ -= got;
        co_return got;
    }

    asio::awaitable<std::size_t> read_chunked(std::span<char> out, error_code& ec) {
        // Reads take the buffer's free capacity, up to 64 KiB.
        buffer_.reserve(64 * 1024);
        std::size_t got = 0;
        // Fill the whole buffer when the client is fast: fewer, larger disk writes.
        while (!parser_.is_done() && got < out.size()) {
            if (!feed_.ready(buffer_)) {
                const auto size = beast::read_size(buffer_, 64 * 1024);
                conn_.stream.expires_after(idle_timeout_);
                const auto free = buffer_.prepare(size);
                auto [e, n] = co_await on_stream(
                    conn_, [&](auto& stream) { return stream.async_read_some(free, use_tuple); });
                buffer_.commit(n);
                if (e == asio::error::eof) {
                    parser_.put_eof(ec);
                    if (!ec) {
                        ec = bhttp::error::partial_message;
                    }
                    break;
                }
                if (e) {
                    ec = e;
                    break;
                }
                continue;
            }
            got += feed_.put(buffer_, parser_, out.subspan(got), ec);
            if (ec) {
                break;
            }
        }
        co_return got;
    }

    connection& conn_;
    beast::flat_buffer& buffer_;
    parser_type& parser_;
    chunked_body_feed feed_;
    std::chrono::milliseconds idle_timeout_;
    const bool direct_;
    std::uint64_t remaining_;
    bool continue_answered_ = false;
    std::uint64_t bytes_read_ = 0;
};

/// By number: a status Beast does not know (tus's 460) reads as status::unknown (0).
bool has_no_body(unsigned code) {
    return code < 200 || code == static_cast<unsigned>(status::no_content) ||
           code == static_cast<unsigned>(status::not_modified);
}

/// Waits until the socket can take more bytes, or idle_timeout.
asio::awaitable<error_code> wait_writable(asio::ip::tcp::socket& socket,
                                          std::chrono::milliseconds idle_timeout) {
    using namespace asio::experimental::awaitable_operators;
    asio::steady_timer timer(socket.get_executor(), idle_timeout);
    auto outcome = co_await (socket.async_wait(asio::socket_base::wait_write, use_tuple) ||
                             timer.async_wait(use_tuple));
    if (outcome.index() == 1) {
        co_return make_error_code(asio::error::timed_out);
    }
    co_return std::get<0>(std::get<0>(outcome));
}

/// sendfile() from the body's descriptor. The call runs on the blocking pool because it reads the
/// file (a cold page cache means disk reads); a full socket sends us back to wait on the network.
asio::awaitable<error_code> send_file_body(connection& conn, body_stream& body,
                                           const session_services& svc, std::uint64_t& sent) {
    auto& socket = conn.stream.socket();
    error_code ec;
    socket.native_non_blocking(true, ec);
    if (ec) {
        co_return ec;
    }
    const int in_fd = body.sendfile_fd();
    const int out_fd = socket.native_handle();
    off_t offset = static_cast<off_t>(body.offset());
    std::uint64_t remaining = body.size();
    while (remaining > 0) {
        auto count = static_cast<std::size_t>(std::min(remaining, max_sendfile_chunk));
        auto [n, err] = co_await svc.pool.run([&] {
            ssize_t r = ::sendfile(out_fd, in_fd, &offset, count);
            return std::pair<ssize_t, int>(r, r < 0 ? errno : 0);
        });
        if (n > 0) {
            remaining -= static_cast<std::uint64_t>(n);
            sent += static_cast<std::uint64_t>(n);
        } else if (n == 0) {
            co_return make_error_code(asio::error::eof);  // the file shrank under us
        } else if (err == EAGAIN) {
            if (auto e = co_await wait_writable(socket, svc.options.idle_timeout)) {
                co_return e;
            }
        } else if (err != EINTR) {
            co_return error_code(err, boost::system::system_category());
        }
    }
    co_return error_code{};
}

asio::awaitable<error_code> send_read_body(connection& conn, body_stream& body,
                                           const session_services& svc, std::uint64_t& sent) {
    std::vector<char> chunk(svc.options.chunk_size);
    std::uint64_t remaining = body.size();
    while (remaining > 0) {
        auto want = static_cast<std::size_t>(std::min<std::uint64_t>(remaining, chunk.size()));
        auto [n, ec] = co_await svc.pool.run([&] {
            error_code e;
            auto got = body.read(std::span<char>(chunk.data(), want), e);
            return std::pair<std::size_t, error_code>(got, e);
        });
        if (ec) {
            co_return ec;
        }
        if (n == 0) {
            co_return make_error_code(asio::error::eof);
        }
        conn.stream.expires_after(svc.options.idle_timeout);
        auto [e, written] = co_await on_stream(conn, [&](auto& stream) {
            return asio::async_write(stream, asio::buffer(chunk.data(), n), use_tuple);
        });
        if (e) {
            co_return e;
        }
        remaining -= n;
        sent += n;
    }
    co_return error_code{};
}

/// Buffers for inline bodies, kept per network thread (each connection stays on one). A fresh
/// 64 KiB allocation per request cost page faults whenever the allocator had handed the memory
/// back to the kernel: perf showed Range GETs of 64 KiB at 3x the CPU.
class inline_buffers {
public:
    using buffer = std::unique_ptr<char[]>;

    buffer take() {
        if (spare_.empty()) {
            return std::make_unique_for_overwrite<char[]>(inline_body_limit);
        }
        buffer b = std::move(spare_.back());
        spare_.pop_back();
        return b;
    }

    void give_back(buffer b) {
        if (spare_.size() < max_spare) {
            spare_.push_back(std::move(b));
        }
    }

private:
    static constexpr std::size_t max_spare = 16;  ///< 1 MiB per network thread at most
    std::vector<buffer> spare_;
};

thread_local inline_buffers spare_inline_buffers;

/// Sends the head (already in conn.head) followed by body in one gathered write. Most answers
/// fit the socket's send buffer, so a direct send finishes them without an asynchronous
/// operation; the rest waits for the client within idle_timeout.
asio::awaitable<error_code> write_head_and(connection& conn, asio::const_buffer body,
                                           std::chrono::milliseconds idle_timeout) {
    const std::array<asio::const_buffer, 2> parts{asio::buffer(conn.head), body};
    error_code ec;
    // Over TLS the bytes must go through the session: no direct send.
    const std::size_t sent = conn.tls ? 0 : conn.stream.socket().write_some(parts, ec);
    if (ec && ec != asio::error::would_block) {
        co_return ec;
    }
    if (sent == conn.head.size() + body.size()) {
        co_return error_code{};
    }
    beast::buffers_suffix<std::array<asio::const_buffer, 2>> rest(parts);
    rest.consume(ec ? 0 : sent);
    conn.stream.expires_after(idle_timeout);
    auto [e, n] = co_await on_stream(
        conn, [&](auto& stream) { return asio::async_write(stream, rest, use_tuple); });
    co_return e;
}

/// Sends a small streamed body with its head in one write when its bytes can be had without
/// waiting on a disk; nullopt (nothing sent) otherwise.
asio::awaitable<std::optional<error_code>> try_write_inline(
    connection& conn, body_stream& body, std::chrono::milliseconds idle_timeout) {
    const auto size = static_cast<std::size_t>(body.size());
    if (size > inline_body_limit) {
        co_return std::nullopt;
    }
    auto bytes = spare_inline_buffers.take();
    if (!body.try_read_all_now({bytes.get(), size})) {
        spare_inline_buffers.give_back(std::move(bytes));
        co_return std::nullopt;
    }
    auto ec = co_await write_head_and(conn, asio::buffer(bytes.get(), size), idle_timeout);
    // Resumed on the connection's loop: the same thread, so the same spare list.
    spare_inline_buffers.give_back(std::move(bytes));
    co_return ec;
}

struct write_outcome {
    error_code ec;
    std::uint64_t body_bytes = 0;
};

asio::awaitable<write_outcome> write_response(connection& conn, response& res, bool head_request,
                                              bool keep_alive, const session_services& svc,
                                              bool http10_client = false) {
    auto& msg = res.message;
    msg.set(field::server, "simplefs");
    msg.set(field::date, current_http_date());
    msg.keep_alive(keep_alive);
    if (keep_alive && http10_client) {
        // An HTTP/1.0 client keeps the connection only when told so (RFC 9112 §9.3, 1.0 rules).
        msg.set(field::connection, "keep-alive");
    }
    const bool bodyless_status = has_no_body(msg.result_int());
    const std::uint64_t length = res.stream ? res.stream->size() : msg.body().size();
    if (bodyless_status) {
        msg.erase(field::content_length);
    } else {
        msg.content_length(length);
    }
    conn.head.clear();
    append_response_head(msg.base(), conn.head);

    write_outcome out;
    if (head_request || bodyless_status) {
        out.ec = co_await write_head_and(conn, {}, svc.options.idle_timeout);
        co_return out;
    }
    if (!res.stream) {
        out.ec = co_await write_head_and(conn, asio::buffer(msg.body()), svc.options.idle_timeout);
        out.body_bytes = out.ec ? 0 : length;
        co_return out;
    }
    if (auto sent = co_await try_write_inline(conn, *res.stream, svc.options.idle_timeout)) {
        out.ec = *sent;
        out.body_bytes = *sent ? 0 : length;
        co_return out;
    }
    if ((out.ec = co_await write_head_and(conn, {}, svc.options.idle_timeout))) {
        co_return out;
    }
    if (res.stream->sendfile_fd() >= 0 && !conn.tls) {
        out.ec = co_await send_file_body(conn, *res.stream, svc, out.body_bytes);
    } else {
        out.ec = co_await send_read_body(conn, *res.stream, svc, out.body_bytes);
    }
    co_return out;
}

/// Reads and drops what is left of a request body the handler did not want, bounded in bytes
/// and time, so the client gets to read our answer before the connection closes.
asio::awaitable<void> linger(connection& conn, std::chrono::seconds for_at_most = lingering_time) {
    error_code ec;
    conn.stream.socket().shutdown(asio::socket_base::shutdown_send, ec);
    auto deadline = std::chrono::steady_clock::now() + for_at_most;
    std::array<char, 64 * 1024> sink;
    std::uint64_t drained = 0;
    while (drained < lingering_bytes && std::chrono::steady_clock::now() < deadline) {
        conn.stream.expires_at(deadline);
        auto [e, n] = co_await conn.stream.async_read_some(asio::buffer(sink), use_tuple);
        if (e) {
            break;
        }
        drained += n;
    }
}

response internal_error() {
    return error_response(status::internal_server_error, "Internal Server Error");
}

struct routed {
    response res;
    std::string_view route = "none";
};

asio::awaitable<routed> route_request(connection& conn, parser_type& parser,
                                      socket_body_reader& body, const session_services& svc) {
    const auto& header = parser.get().base();
    routed out;
    auto target = parse_request_target(header.target());
    if (!target) {
        out.res = error_response(status::bad_request, "Invalid request target");
        co_return out;
    }
    const std::string& path = target->path;
    const std::string& query = target->query;
    const auto match = svc.routes.find(header.method(), path);
    out.route = match.route;
    const bool too_large = body_too_large(body.content_length(), svc.options);
    auto preflight = svc.cors.preflight(header);
    if (preflight) {
        out.res = std::move(*preflight);
        co_return out;
    }
    if (!match.path_known) {
        out.res = error_response(status::not_found, "Not Found");
    } else if (match.target == nullptr) {
        out.res = error_response(status::method_not_allowed, "Method Not Allowed");
        out.res.message.set(field::allow, match.allow);
    } else if (too_large) {
        out.res = error_response(status::payload_too_large, "Request body too large");
    } else {
        request req{header, path, query, match.param, conn.peer, body};
        out.res = co_await (*match.target)(req);
    }
    svc.cors.decorate(header, out.res);
    co_return out;
}

/// route_request, with any exception turned into a 500 (details only in the log).
asio::awaitable<routed> handle_request(connection& conn, parser_type& parser,
                                       socket_body_reader& body, const session_services& svc) {
    std::string failure;
    try {
        co_return co_await route_request(conn, parser, body, svc);
    } catch (const std::exception& e) {
        failure = e.what();
    }
    const auto& header = parser.get().base();
    spdlog::error("{} {} failed: {}", header.method_string(), header.target(), failure);
    co_return routed{internal_error(), "none"};
}

/// Holds simplefs_requests_in_flight up for one request, whatever way it ends.
class in_flight_guard {
public:
    explicit in_flight_guard(metrics::service_metrics& metrics) : metrics_(metrics) {
        metrics_.request_started();
    }
    ~in_flight_guard() { metrics_.request_finished(); }
    in_flight_guard(const in_flight_guard&) = delete;
    in_flight_guard& operator=(const in_flight_guard&) = delete;

private:
    metrics::service_metrics& metrics_;
};

asio::awaitable<void> answer_parse_error(connection& conn, const error_code& ec,
                                         const session_services& svc) {
    spdlog::debug("bad request from {}: {}", conn.peer, ec.message());
    auto res = parse_error_response(ec);
    co_await write_response(conn, res, false, false, svc);
}

}  // namespace

struct header_outcome {
    error_code ec;
    bool timed_out = false;
};

/// Reads until parser has a whole header: first what the buffer holds (a pipelined request),
/// then plain socket reads. What Beast's async_read_header does, without its layers of composed
/// operations per read.
template <class Stream>
asio::awaitable<error_code> read_header_bytes(Stream& stream, beast::flat_buffer& buffer,
                                              parser_type& parser) {
    while (!parser.is_header_done()) {
        if (buffer.size() > 0) {
            if (auto ec = put_head_bytes(buffer, parser)) {
                co_return ec;
            }
            if (parser.is_header_done()) {
                break;
            }
        }
        const auto size = beast::read_size(buffer, 64 * 1024);
        if (size == 0) {
            co_return bhttp::error::buffer_overflow;
        }
        auto [e, n] = co_await stream.async_read_some(buffer.prepare(size), use_tuple);
        buffer.commit(n);
        if (e == asio::error::eof) {
            co_return head_input_ended(parser);
        }
        if (e) {
            co_return e;
        }
    }
    co_return error_code{};
}

/// Reads a request header within timeout. On expiry the read is cancelled but the socket stays
/// open (a tcp_stream expiry would close it), so the caller can still answer 408.
asio::awaitable<header_outcome> read_header(connection& conn, beast::flat_buffer& buffer,
                                            parser_type& parser,
                                            std::chrono::milliseconds timeout) {
    const auto wait = ++conn.header_waits;
    conn.header_timed_out = false;
    conn.header_timer.expires_after(timeout);
    // Runs on the connection's loop (one thread), like this coroutine: no race on the fields.
    conn.header_timer.async_wait([weak = conn.weak_from_this(), wait](const error_code& e) {
        auto c = weak.lock();
        if (e || !c || c->header_waits != wait) {
            return;
        }
        c->header_timed_out = true;
        error_code ignored;
        c->stream.socket().cancel(ignored);
    });
    if (conn.tls) {
        conn.stream.expires_never();  // the header timer bounds this wait, not a body's expiry
    }
    // Plain connections read the socket itself: tcp_stream's timer is not needed here.
    const auto ec = conn.tls ? co_await read_header_bytes(conn.tls->stream, buffer, parser)
                             : co_await read_header_bytes(conn.stream.socket(), buffer, parser);
    ++conn.header_waits;
    conn.header_timer.cancel();
    co_return header_outcome{ec, ec && conn.header_timed_out};
}

/// The TLS handshake, within the header timeout.
asio::awaitable<bool> handshake(connection& conn, std::chrono::milliseconds timeout) {
    conn.stream.expires_after(timeout);
    auto [ec] =
        co_await conn.tls->stream.async_handshake(asio::ssl::stream_base::server, use_tuple);
    conn.stream.expires_never();
    if (ec) {
        spdlog::debug("TLS handshake with {} failed: {}", conn.peer, ec.message());
        co_return false;
    }
    co_return true;
}

asio::awaitable<void> refuse_session(std::shared_ptr<connection> conn,
                                     const session_services& svc) {
    auto res = error_response(status::service_unavailable, "Too many connections");
    res.message.set(field::retry_after, "1");
    co_await write_response(*conn, res, false, false, svc);
    co_await linger(*conn, std::chrono::seconds(1));
}

asio::awaitable<void> run_session(std::shared_ptr<connection> conn, const session_services& svc) {
    if (conn->tls && !co_await handshake(*conn, svc.options.header_timeout)) {
        error_code ignored;
        conn->stream.socket().shutdown(asio::socket_base::shutdown_both, ignored);
        co_return;
    }
    beast::flat_buffer buffer;
    bool first_request = true;
    for (;;) {
        parser_type parser;
        limit_request_head(parser, svc.options);
        // The first request gets header_timeout; later ones may idle on keep-alive first.
        auto [ec, timed_out] = co_await read_header(
            *conn, buffer, parser,
            first_request ? svc.options.header_timeout : svc.options.keepalive_timeout);
        first_request = false;
        if (timed_out) {
            // RFC 9110 §15.5.9: 408 only when a request had begun; an idle connection just closes.
            if (buffer.size() > 0 || parser.got_some()) {
                auto res = error_response(status::request_timeout, "Request header timeout");
                co_await write_response(*conn, res, false, false, svc);
            }
            break;
        }
        if (ec) {
            if (is_http_parse_error(ec)) {
                co_await answer_parse_error(*conn, ec, svc);
                co_await linger(*conn);
            }
            break;
        }
        if (auto refusal = refuse_request_head(parser.get().base(), svc.options)) {
            co_await write_response(*conn, *refusal, false, false, svc);
            co_await linger(*conn);
            break;
        }
        conn->busy = true;
        limit_request_body(parser, svc.options);
        const auto started = std::chrono::steady_clock::now();
        std::optional<in_flight_guard> in_flight(std::in_place, svc.metrics);
        socket_body_reader body(*conn, buffer, parser, svc.options.idle_timeout);
        auto [res, route] = co_await handle_request(*conn, parser, body, svc);

        const auto& header = parser.get().base();
        const bool body_left = !body.complete();
        const bool keep_alive =
            parser.get().keep_alive() && !res.close && !body_left && !svc.stopping;
        const bool head_request = header.method() == verb::head;
        const bool file_download = res.stream != nullptr;
        auto written = co_await write_response(*conn, res, head_request, keep_alive, svc,
                                               parser.get().version() < 11);
        in_flight.reset();
        if (file_download) {
            svc.metrics.add_download_bytes(written.body_bytes);
        }

        const std::chrono::duration<double> elapsed = std::chrono::steady_clock::now() - started;
        const auto status_code = res.message.result_int();
        const std::uint64_t bytes_in = body.content_length().value_or(body.bytes_read());
        svc.metrics.observe_request({.handler = route,
                                     .method = header.method_string(),
                                     .status = status_code,
                                     .request_bytes = bytes_in,
                                     .response_bytes = written.body_bytes,
                                     .seconds = elapsed.count()});
        log::access({.method = header.method_string(),
                     .target = header.target(),
                     .route = route,
                     .status = status_code,
                     .bytes_in = body.bytes_read(),
                     .bytes_out = written.body_bytes,
                     .duration = elapsed,
                     .peer = conn->peer});
        conn->busy = false;
        if (written.ec || !keep_alive) {
            if (!written.ec && body_left) {
                co_await linger(*conn);
            }
            break;
        }
    }
    error_code ignored;
    conn->stream.socket().shutdown(asio::socket_base::shutdown_both, ignored);
}

}  // namespace simplefs::http
