#include "http/event_loops.hpp"

#include <algorithm>
#include <thread>

namespace simplefs::http {

event_loops::event_loops(unsigned count) {
    count = std::max(1u, count);
    for (unsigned i = 0; i < count; ++i) {
        // Concurrency hint 1: each loop is run by exactly one thread.
        loops_.push_back(std::make_unique<boost::asio::io_context>(1));
        keep_running_.emplace_back(loops_.back()->get_executor());
    }
}

boost::asio::io_context& event_loops::next() noexcept {
    return *loops_[next_.fetch_add(1, std::memory_order_relaxed) % loops_.size()];
}

void event_loops::run() {
    std::vector<std::jthread> threads;
    for (std::size_t i = 1; i < loops_.size(); ++i) {
        threads.emplace_back([loop = loops_[i].get()] { loop->run(); });
    }
    loops_.front()->run();
}

void event_loops::stop() {
    for (auto& loop : loops_) {
        loop->stop();
    }
}

}  // namespace simplefs::http
