#pragma once

#include <boost/asio/awaitable.hpp>

#include <chrono>
#include <mutex>
#include <string>

namespace simplefs::api {

struct services;

/// How long /readyz reuses the answer of a storage check that is still running before it says
/// the storage does not answer.
inline constexpr std::chrono::seconds readiness_patience{2};

/// The storage side of /readyz: the volume is below the upload threshold and writable (an
/// upload is started and aborted: only a temp file is ever made). At most one check runs at a
/// time on the blocking pool, so that a hung volume cannot take the pool's threads one probe
/// after another: probes arriving meanwhile get the last answer, and after readiness_patience a
/// "does not answer".
class readiness_check {
public:
    /// Empty when ready, else why not.
    boost::asio::awaitable<std::string> storage_not_ready(services& svc);

private:
    void finish(std::string answer);

    std::mutex mutex_;
    bool running_ = false;
    std::chrono::steady_clock::time_point started_;
    std::string last_answer_ = "the first storage check has not finished";
};

}  // namespace simplefs::api
