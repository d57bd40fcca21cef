#include "api/handlers.hpp"
#include "api/problem.hpp"
#include "http/multipart.hpp"
#include "storage/name.hpp"

#include <spdlog/spdlog.h>
#include <boost/beast/http/error.hpp>
#include <boost/json/serialize.hpp>
#include <boost/json/string_view.hpp>

#include <memory>
#include <string>
#include <vector>

namespace simplefs::api {
namespace {

using boost::system::error_code;
using http::status;

struct upload {
    std::string name;
    std::unique_ptr<storage::file_writer> writer;
};

/// One multipart/form-data request: its parser, the files it is writing, and how it failed.
/// Temp files are removed on the pool (unlink blocks), by discard().
class form_upload {
public:
    form_upload(services& svc, std::string boundary) : svc_(svc), parser_(std::move(boundary)) {}

    /// Feeds one piece of body; returns a failure answer, or nullopt to go on.
    boost::asio::awaitable<std::optional<http::response>> feed(std::string_view input) {
        for (;;) {
            error_code ec;
            auto event = parser_.next(input, ec);
            if (ec) {
                co_return fail("malformed", malformed());
            }
            switch (event) {
                case http::multipart_event::need_more:
                    co_return std::nullopt;
                case http::multipart_event::part_begin:
                    if (auto failure = co_await begin_part()) {
                        co_return failure;
                    }
                    break;
                case http::multipart_event::part_data:
                    if (current_ != nullptr) {
                        auto data = parser_.data();
                        auto written = co_await svc_.pool.run([&] {
                            return current_->writer->write({data.data(), data.size()});
                        });
                        if (!written) {
                            co_return fail("io_error", storage_problem(written.error()));
                        }
                        svc_.metrics.add_upload_bytes(data.size());
                    }
                    break;
                case http::multipart_event::part_end:
                    current_ = nullptr;
                    break;
                case http::multipart_event::done:
                    co_return std::nullopt;  // the epilogue, if any, is ignored
            }
        }
    }

    /// The body ended: checks it was complete and commits every file.
    boost::asio::awaitable<http::response> finish() {
        if (parser_.finish()) {
            co_return fail("malformed", malformed());
        }
        if (uploads_.empty()) {
            co_return fail("missing_file", missing_field("file"));
        }
        for (auto& u : uploads_) {
            auto committed = co_await svc_.pool.run([&] { return u.writer->commit(); });
            if (!committed) {
                co_return fail("io_error", storage_problem(committed.error()));
            }
        }
        std::string message = uploads_.front().name + " upload task submitted.";
        co_return http::json_response(
            status::accepted,
            R"({"message":)" +
                boost::json::serialize(boost::json::string_view(message.data(), message.size())) +
                "}");
    }

    /// Counts the failure and hands the answer back.
    http::response fail(std::string_view reason, http::response answer) {
        svc_.metrics.count_upload_failure(reason);
        return answer;
    }

    boost::asio::awaitable<void> discard() {
        if (!uploads_.empty()) {
            co_await svc_.pool.run([&] { uploads_.clear(); });
        }
        current_ = nullptr;
    }

private:
    static http::response malformed() {
        return http::error_response(status::bad_request, "There was an error parsing the body");
    }

    boost::asio::awaitable<std::optional<http::response>> begin_part() {
        const auto& part = parser_.part();
        current_ = nullptr;
        if (part.name != "file" || !part.filename) {
            co_return std::nullopt;  // other fields (e.g. Button=Submit) are ignored
        }
        const std::string& name = *part.filename;
        if (auto ec = storage::validate_name(name)) {
            co_return fail("invalid_name", storage_problem(ec));
        }
        auto writer = co_await svc_.pool.run([&] { return svc_.store.create_writer(name); });
        if (!writer) {
            co_return fail("io_error", storage_problem(writer.error()));
        }
        uploads_.push_back({name, std::move(*writer)});
        current_ = &uploads_.back();
        co_return std::nullopt;
    }

    services& svc_;
    http::multipart_parser parser_;
    std::vector<upload> uploads_;
    upload* current_ = nullptr;
};

bool is_form_data(std::string_view content_type) {
    auto semicolon = content_type.find(';');
    auto type = content_type.substr(0, semicolon);
    while (!type.empty() && (type.back() == ' ' || type.back() == '\t')) {
        type.remove_suffix(1);
    }
    return boost::beast::iequals(type, "multipart/form-data");
}

}  // namespace

boost::asio::awaitable<http::response> post_files(services& svc, http::request& req) {
    const auto content_type = req.header[http::field::content_type];
    if (!is_form_data(content_type)) {
        svc.metrics.count_upload_failure("missing_file");
        co_return missing_field("file");
    }
    auto boundary = http::form_data_boundary(content_type);
    if (!boundary) {
        svc.metrics.count_upload_failure("malformed");
        co_return http::error_response(status::bad_request, "There was an error parsing the body");
    }
    auto usage = co_await svc.pool.run([&] { return svc.store.usage(); });
    if (usage && usage->used_fraction * 100.0 >= svc.options.disk_usage_threshold) {
        svc.metrics.count_upload_failure("disk_usage_threshold");
        co_return http::error_response(status::insufficient_storage,
                                       "Insufficient Storage: disk usage above the threshold");
    }

    form_upload form(svc, std::move(*boundary));
    std::vector<char> buffer(svc.options.chunk_size);
    std::optional<http::response> failure;
    for (;;) {
        error_code ec;
        auto n = co_await req.body.read_some(buffer, ec);
        if (ec == boost::beast::http::error::body_limit) {
            failure = form.fail("too_large", http::error_response(status::payload_too_large,
                                                                  "Request body too large"));
        } else if (ec) {
            spdlog::info("upload from {} aborted: {}", req.peer, ec.message());
            failure = form.fail("client_disconnect",
                                http::error_response(status::bad_request, "Upload interrupted"));
            failure->close = true;
        } else if (n == 0) {
            auto answer = co_await form.finish();
            if (answer.message.result() != status::accepted) {
                failure = std::move(answer);
            } else {
                co_return answer;
            }
        } else {
            failure = co_await form.feed({buffer.data(), n});
        }
        if (failure) {
            break;
        }
    }
    co_await form.discard();
    co_return std::move(*failure);
}

}  // namespace simplefs::api
