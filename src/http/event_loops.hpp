#pragma once

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>

#include <atomic>
#include <memory>
#include <vector>

namespace simplefs::http {

/// One io_context per network thread. A connection lives on one loop for its whole life, so its
/// handlers never need a lock or a wake-up of another thread (a shared io_context run by several
/// threads spent more time in futex wake-ups than in serving small files).
class event_loops {
public:
    explicit event_loops(unsigned count);
    event_loops(const event_loops&) = delete;
    event_loops& operator=(const event_loops&) = delete;

    /// The first loop: the caller's thread runs it (acceptor, signals, shutdown).
    boost::asio::io_context& main() noexcept { return *loops_.front(); }
    /// The loop the next connection goes to (round robin).
    boost::asio::io_context& next() noexcept;

    /// Runs the other loops on their own threads and main() on the caller's; returns once stop()
    /// was called and every loop has returned.
    void run();
    /// Makes run() return; callable from any thread.
    void stop();

private:
    using work_guard = boost::asio::executor_work_guard<boost::asio::io_context::executor_type>;

    std::vector<std::unique_ptr<boost::asio::io_context>> loops_;
    std::vector<work_guard> keep_running_;  ///< a loop without work would return at once
    std::atomic<unsigned> next_{0};
};

}  // namespace simplefs::http
