#pragma once

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/async_result.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/dispatch.hpp>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/thread_pool.hpp>
#include <boost/asio/use_awaitable.hpp>

#include <exception>
#include <optional>
#include <type_traits>
#include <utility>

namespace simplefs::runtime {

/// A fixed set of threads for work that may block on a disk or a network filesystem (open,
/// write, fsync, rename, sendfile from a cold page cache). Network threads hand such work here
/// with run() and resume on their own executor when it is done, so they never block on I/O.
/// Each connection has at most one call in flight, so the queue is bounded by the number of
/// connections.
class blocking_pool {
public:
    explicit blocking_pool(unsigned threads) : pool_(threads) {}
    blocking_pool(const blocking_pool&) = delete;
    blocking_pool& operator=(const blocking_pool&) = delete;
    ~blocking_pool() { join(); }

    /// Runs f() on a pool thread; the awaiting coroutine resumes on its own executor with the
    /// result (or the exception f threw).
    template <class F, class R = std::invoke_result_t<F&>>
    boost::asio::awaitable<R> run(F f) {
        using outcome = std::conditional_t<std::is_void_v<R>, bool, R>;
        std::optional<outcome> value;
        std::exception_ptr failure;
        co_await boost::asio::async_initiate<const boost::asio::use_awaitable_t<>&, void()>(
            [this, &f, &value, &failure](auto handler) {
                auto work = boost::asio::make_work_guard(handler);
                boost::asio::post(pool_, [&f, &value, &failure, handler = std::move(handler),
                                          work = std::move(work)]() mutable {
                    try {
                        if constexpr (std::is_void_v<R>) {
                            f();
                            value.emplace(true);
                        } else {
                            value.emplace(f());
                        }
                    } catch (...) {
                        failure = std::current_exception();
                    }
                    auto executor = work.get_executor();
                    boost::asio::dispatch(executor, std::move(handler));
                });
            },
            boost::asio::use_awaitable);
        if (failure) {
            std::rethrow_exception(failure);
        }
        if constexpr (!std::is_void_v<R>) {
            co_return std::move(*value);
        }
    }

    void join() { pool_.join(); }

private:
    boost::asio::thread_pool pool_;
};

}  // namespace simplefs::runtime
