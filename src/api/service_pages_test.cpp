// /readyz, /livez, /health and the storage gauge of /metrics against a stub backend whose
// health the test sets.
#include "api/handlers.hpp"

#include <gtest/gtest.h>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>

#include <exception>
#include <optional>
#include <string>

namespace simplefs::api {
namespace {

using http::field;
using http::status;
using storage::errc;

/// A backend that cannot be reached for anything; only health() is set by the test.
class stub_backend final : public storage::backend {
public:
    storage::result<storage::file_info> stat(std::string_view) override {
        return errc::unavailable;
    }
    storage::result<std::unique_ptr<storage::file_reader>> open_read(std::string_view) override {
        return errc::unavailable;
    }
    storage::result<std::unique_ptr<storage::file_writer>> create_writer(
        std::string_view, const storage::writer_options&) override {
        return errc::unavailable;
    }
    storage::result<void> remove(std::string_view, const storage::remove_options&) override {
        return errc::unavailable;
    }
    storage::result<storage::list_page> list(std::string_view,
                                             const storage::list_options&) override {
        return errc::unavailable;
    }
    storage::result<storage::disk_usage> usage() override { return errc::unavailable; }
    storage::result<std::size_t> remove_stale_temp_files() override { return errc::unavailable; }
    storage::storage_health health() const override { return state; }

    storage::storage_health state{};
};

class no_body final : public http::body_reader {
public:
    boost::asio::awaitable<std::size_t> read_some(std::span<char>,
                                                  boost::system::error_code&) override {
        co_return 0;
    }
    std::optional<std::uint64_t> content_length() const override { return 0; }
    std::uint64_t bytes_read() const noexcept override { return 0; }
};

class service_pages_test : public testing::Test {
protected:
    using handler = boost::asio::awaitable<http::response> (*)(services&, http::request&);

    http::response call(handler fn) {
        http::request_header header;
        no_body body;
        http::request req{header, "/", "", "", "127.0.0.1", body};
        boost::asio::io_context io;
        std::optional<http::response> out;
        std::exception_ptr failure;
        boost::asio::co_spawn(io, fn(svc_, req), [&](std::exception_ptr e, http::response r) {
            failure = e;
            out = std::move(r);
        });
        io.run();
        if (failure) {
            std::rethrow_exception(failure);
        }
        return std::move(*out);
    }

    stub_backend store_;
    runtime::blocking_pool pool_{1};
    metrics::service_metrics metrics_;
    http::mime_table mime_ = http::mime_table::built_in();
    services svc_{store_, pool_, metrics_, mime_, {}};
};

TEST_F(service_pages_test, readyz_is_200_while_the_storage_is_ready) {
    const http::response res = call(readyz);
    EXPECT_EQ(res.message.result(), status::ok);
    EXPECT_EQ(res.message.body(), R"({"status":"ready"})");
    EXPECT_EQ(res.message[field::content_type], "application/json");
}

TEST_F(service_pages_test, readyz_is_503_with_the_reason_while_not_ready) {
    store_.state = {false, "the Ceph cluster has not answered for 4 s"};
    const http::response res = call(readyz);
    EXPECT_EQ(res.message.result(), status::service_unavailable);
    EXPECT_EQ(res.message.body(),
              R"({"detail":"Storage unavailable: the Ceph cluster has not answered for 4 s"})");
    EXPECT_EQ(res.message[field::retry_after], "5");
}

TEST_F(service_pages_test, livez_and_health_stay_200_while_not_ready) {
    store_.state = {false, "down"};
    const http::response live = call(livez);
    EXPECT_EQ(live.message.result(), status::ok);
    EXPECT_EQ(live.message.body(), R"({"status":"alive"})");
    const http::response health_page = call(health);
    EXPECT_EQ(health_page.message.result(), status::ok);
    EXPECT_EQ(health_page.message.body(), R"({"status":"alive"})");
}

TEST_F(service_pages_test, metrics_report_storage_ready) {
    EXPECT_NE(call(metrics_page).message.body().find("\nsimplefs_storage_ready 1\n"),
              std::string::npos);
    store_.state = {false, "down"};
    EXPECT_NE(call(metrics_page).message.body().find("\nsimplefs_storage_ready 0\n"),
              std::string::npos);
}

}  // namespace
}  // namespace simplefs::api
