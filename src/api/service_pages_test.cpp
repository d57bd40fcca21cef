// /readyz, /livez, /health and the storage gauge of /metrics against a stub backend whose
// health the test sets; the web page at / and its assets with their cache headers.
#include "api/handlers.hpp"
#include "api/readiness.hpp"
#include "api/web_page.hpp"

#include <gtest/gtest.h>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>

#include <atomic>
#include <chrono>
#include <exception>
#include <functional>
#include <future>
#include <optional>
#include <string>
#include <thread>
#include <vector>

namespace simplefs::api {
namespace {

using http::field;
using http::status;
using storage::errc;

/// An upload that only records whether it was aborted.
class probe_writer final : public storage::file_writer {
public:
    explicit probe_writer(bool& aborted) : aborted_(aborted) {}
    void hash_chunk(std::span<const char>) override {}
    storage::result<void> store_chunk(std::span<const char>) override { return errc::io_error; }
    std::string sha256_hex() const override { return {}; }
    std::string md5_hex() const override { return {}; }
    storage::result<storage::commit_result> commit(const storage::commit_options&) override {
        return errc::io_error;
    }
    void abort() noexcept override { aborted_ = true; }
    std::uint64_t bytes_written() const noexcept override { return 0; }

private:
    bool& aborted_;
};

/// A backend whose health, disk usage and writability the test sets; nothing else works.
class stub_backend final : public storage::backend {
public:
    storage::result<storage::file_info> stat(std::string_view) override {
        return errc::unavailable;
    }
    storage::result<std::unique_ptr<storage::file_reader>> open_read(std::string_view) override {
        return errc::unavailable;
    }
    storage::result<std::unique_ptr<storage::file_writer>> create_writer(
        std::string_view name, const storage::writer_options&) override {
        writer_names.emplace_back(name);
        if (write_error) {
            return write_error;
        }
        return std::unique_ptr<storage::file_writer>(std::make_unique<probe_writer>(aborted));
    }
    storage::result<void> remove(std::string_view, const storage::remove_options&) override {
        return errc::unavailable;
    }
    storage::result<storage::list_page> list(std::string_view,
                                             const storage::list_options&) override {
        return errc::unavailable;
    }
    storage::result<storage::disk_usage> usage() override {
        ++usage_calls;
        if (on_usage) {
            on_usage();
        }
        if (!disk) {
            return errc::unavailable;
        }
        return *disk;
    }
    storage::result<std::size_t> remove_stale_temp_files() override { return errc::unavailable; }
    storage::storage_health health() const override { return state; }

    storage::storage_health state{};
    std::optional<storage::disk_usage> disk = storage::disk_usage{100, 50, 0.5};
    boost::system::error_code write_error;
    std::vector<std::string> writer_names;
    bool aborted = false;
    std::atomic<int> usage_calls{0};
    std::function<void()> on_usage;  ///< runs on the pool thread inside usage()
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

    http::response call(handler fn, std::string_view route_param = "", std::string_view query = "",
                        const http::request_header& header = {}) {
        no_body body;
        http::request req{header, "/", query, route_param, "127.0.0.1", body};
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
    // It proved the volume writable with an upload it then aborted.
    ASSERT_EQ(store_.writer_names.size(), 1u);
    EXPECT_TRUE(store_.aborted);
}

TEST_F(service_pages_test, readyz_is_503_at_the_upload_threshold) {
    store_.disk = storage::disk_usage{100, 5, 0.95};  // the default threshold is 95 %
    const http::response res = call(readyz);
    EXPECT_EQ(res.message.result(), status::service_unavailable);
    EXPECT_EQ(res.message.body(),
              R"({"detail":"Not ready: disk 95.0% full, at or above the 95% upload threshold"})");
    EXPECT_TRUE(store_.writer_names.empty());
    store_.disk = storage::disk_usage{100, 6, 0.94};
    EXPECT_EQ(call(readyz).message.result(), status::ok);
}

TEST_F(service_pages_test, readyz_is_503_when_the_storage_is_not_writable) {
    store_.write_error = storage::make_error_code(errc::io_error);
    const http::response res = call(readyz);
    EXPECT_EQ(res.message.result(), status::service_unavailable);
    EXPECT_NE(res.message.body().find("Not ready: storage not writable: "), std::string::npos)
        << res.message.body();
    store_.write_error = {};
    store_.disk.reset();
    EXPECT_NE(call(readyz).message.body().find("Not ready: cannot read the disk usage"),
              std::string::npos);
}

TEST_F(service_pages_test, readyz_is_503_with_the_reason_while_not_ready) {
    store_.state = {false, "the Ceph cluster has not answered for 4 s"};
    const http::response res = call(readyz);
    EXPECT_EQ(res.message.result(), status::service_unavailable);
    EXPECT_EQ(res.message.body(),
              R"({"detail":"Storage unavailable: the Ceph cluster has not answered for 4 s"})");
    EXPECT_EQ(res.message[field::retry_after], "5");
}

TEST_F(service_pages_test, readyz_runs_one_storage_check_at_a_time) {
    std::promise<void> release;
    const std::shared_future<void> released = release.get_future().share();
    store_.on_usage = [released] { released.wait(); };
    no_body body;
    const http::request_header header;
    http::request req{header, "/readyz", "", "", "127.0.0.1", body};
    boost::asio::io_context io;
    auto probe = [&](std::optional<http::response>& out) {
        boost::asio::co_spawn(io, readyz(svc_, req),
                              [&out](std::exception_ptr, http::response r) { out = std::move(r); });
    };
    auto run_until = [&](auto done) {
        while (!done()) {
            io.poll();
            io.restart();
            std::this_thread::yield();
        }
    };
    std::optional<http::response> first, second, third;
    probe(first);
    run_until([&] { return store_.usage_calls == 1; });  // its check hangs on the volume
    probe(second);
    run_until([&] { return second.has_value(); });
    EXPECT_EQ(second->message.result(), status::service_unavailable);
    EXPECT_NE(second->message.body().find("first storage check has not finished"),
              std::string::npos)
        << second->message.body();
    std::this_thread::sleep_for(readiness_patience + std::chrono::milliseconds(200));
    probe(third);
    run_until([&] { return third.has_value(); });
    EXPECT_NE(third->message.body().find("the storage has not answered for 2 s"), std::string::npos)
        << third->message.body();
    EXPECT_EQ(store_.usage_calls, 1);  // the waiting probes did not start checks of their own
    release.set_value();
    run_until([&] { return first.has_value(); });
    EXPECT_EQ(first->message.result(), status::ok);
    EXPECT_EQ(call(readyz).message.result(), status::ok);
    EXPECT_EQ(store_.usage_calls, 2);
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

TEST_F(service_pages_test, index_page_holds_the_original_form_and_revalidates) {
    const http::response res = call(index_page);
    EXPECT_EQ(res.message.result(), status::ok);
    EXPECT_EQ(res.message[field::content_type], "text/html; charset=utf-8");
    EXPECT_EQ(res.message[field::cache_control], "no-cache");
    const std::string& html = res.message.body();
    EXPECT_NE(html.find(R"(action="/files/" enctype="multipart/form-data" method="post")"),
              std::string::npos);
    EXPECT_NE(html.find(R"(name="file" type="file" multiple)"), std::string::npos);
    EXPECT_NE(html.find(R"(src="/ui/app.js?v=)"), std::string::npos);
    EXPECT_EQ(html.find(R"("/ui/app.js")"), std::string::npos) << "an unversioned link is left";

    http::request_header conditional;
    conditional.set(field::if_none_match, res.message[field::etag]);
    EXPECT_EQ(call(index_page, "", "", conditional).message.result(), status::not_modified);
    conditional.set(field::if_none_match, R"("other")");
    EXPECT_EQ(call(index_page, "", "", conditional).message.result(), status::ok);
}

TEST_F(service_pages_test, page_assets_are_immutable_only_at_their_version) {
    const std::string html = call(index_page).message.body();
    const auto at = html.find("/ui/style.css?v=");
    ASSERT_NE(at, std::string::npos);
    const std::string version = html.substr(at + 16, 16);

    const http::response current = call(page_asset, "style.css", "v=" + version);
    EXPECT_EQ(current.message.result(), status::ok);
    EXPECT_EQ(current.message[field::content_type], "text/css; charset=utf-8");
    EXPECT_EQ(current.message[field::cache_control], "public, max-age=31536000, immutable");
    EXPECT_EQ(current.message[field::etag], "\"" + version + "\"");

    for (const std::string_view query : {"", "v=0000000000000000"}) {
        const http::response other = call(page_asset, "style.css", query);
        EXPECT_EQ(other.message.result(), status::ok);
        EXPECT_EQ(other.message[field::cache_control], "no-cache") << query;
    }
    EXPECT_EQ(call(page_asset, "nope.js").message.result(), status::not_found);
    EXPECT_EQ(call(page_asset, "index.html").message.result(), status::not_found);
}

}  // namespace
}  // namespace simplefs::api
