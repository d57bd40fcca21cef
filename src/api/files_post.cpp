#include "api/file_metadata.hpp"
#include "api/handlers.hpp"
#include "api/problem.hpp"
#include "api/upload_checks.hpp"
#include "auth/token_table.hpp"
#include "http/digest_fields.hpp"
#include "http/multipart.hpp"
#include "storage/hasher.hpp"
#include "storage/name.hpp"

#include <boost/asio/experimental/awaitable_operators.hpp>
#include <boost/beast/core/string.hpp>
#include <boost/json/array.hpp>
#include <boost/json/object.hpp>
#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>

#include <algorithm>
#include <memory>
#include <string>
#include <vector>

namespace simplefs::api {
namespace {

using boost::system::error_code;
using namespace boost::asio::experimental::awaitable_operators;
using http::status;

/// Largest `path` field value kept in memory.
constexpr std::size_t max_path_field = storage::max_name_bytes;

struct upload {
    std::string name;
    std::string content_type;
    std::unique_ptr<storage::file_writer> writer;
    storage::file_info stored;
};

/// One multipart/form-data request: its parser, the files it is writing, and how it failed.
/// Files become visible only once the whole body parsed (commit_all); temp files are removed on
/// the pool (unlink blocks), by discard().
class form_upload {
public:
    form_upload(services& svc, std::string boundary, std::string_view allowed_prefix)
        : svc_(svc), parser_(std::move(boundary)), allowed_prefix_(allowed_prefix) {}

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
                    if (auto failure = co_await part_data(parser_.data())) {
                        co_return failure;
                    }
                    break;
                case http::multipart_event::part_end:
                    current_ = nullptr;
                    in_path_field_ = false;
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
            auto committed = co_await svc_.pool.run(
                [&] { return u.writer->commit({.content_type = u.content_type}); });
            if (!committed) {
                co_return commit_failure(svc_, committed.error());
            }
            u.stored = committed->info;
        }
        co_return accepted();
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

    /// The original's answer for one file without a folder, byte for byte; with several files
    /// or a `path`, the same message plus the stored files' metadata.
    http::response accepted() const {
        std::string names;
        for (const auto& u : uploads_) {
            names += names.empty() ? u.name : ", " + u.name;
        }
        boost::json::object body;
        body["message"] = names + " upload task submitted.";
        if (uploads_.size() > 1 || !folder_.empty()) {
            boost::json::array files;
            for (const auto& u : uploads_) {
                files.push_back(boost::json::parse(metadata_json(svc_.mime, u.name, u.stored)));
            }
            body["files"] = std::move(files);
        }
        return http::json_response(status::accepted, boost::json::serialize(body));
    }

    boost::asio::awaitable<std::optional<http::response>> begin_part() {
        const auto& part = parser_.part();
        current_ = nullptr;
        if (part.name == "path" && !part.filename) {
            if (!uploads_.empty()) {
                co_return fail("malformed",
                               http::error_response(status::bad_request,
                                                    "The path field must come before the files"));
            }
            in_path_field_ = true;
            folder_.clear();
            co_return std::nullopt;
        }
        if (part.name != "file" || !part.filename) {
            co_return std::nullopt;  // other fields (e.g. Button=Submit) are ignored
        }
        std::string name = folder_.empty() ? *part.filename : folder_ + '/' + *part.filename;
        if (auto ec = storage::validate_name(name)) {
            co_return fail("invalid_name", storage_problem(ec));
        }
        if (!auth::within_prefix(name, allowed_prefix_)) {
            svc_.metrics.count_auth_failure("outside_prefix");
            auto refused =
                http::error_response(status::forbidden, "The token does not allow this name");
            refused.message.set(http::field::www_authenticate,
                                R"(Bearer realm="simplefs", error="insufficient_scope")");
            co_return fail("forbidden", std::move(refused));
        }
        auto writer = co_await svc_.pool.run([&] { return svc_.store.create_writer(name); });
        if (!writer) {
            co_return write_failure(svc_, writer.error());
        }
        uploads_.push_back({std::move(name), part.content_type, std::move(*writer), {}});
        current_ = &uploads_.back();
        co_return std::nullopt;
    }

    boost::asio::awaitable<std::optional<http::response>> part_data(std::string_view data) {
        if (in_path_field_) {
            if (folder_.size() + data.size() > max_path_field) {
                co_return fail("invalid_name",
                               http::error_response(status::bad_request, "Invalid path"));
            }
            folder_.append(data);
            // A folder given as "a/b/" or "/a/b" means a/b.
            while (folder_.ends_with('/')) {
                folder_.pop_back();
            }
            co_return std::nullopt;
        }
        if (current_ == nullptr) {
            co_return std::nullopt;
        }
        const std::span<const char> piece(data.data(), data.size());
        if (const error_code failed = co_await write_chunk(svc_, *current_->writer, piece)) {
            co_return write_failure(svc_, failed);
        }
        svc_.metrics.add_upload_bytes(data.size());
        co_return std::nullopt;
    }

    services& svc_;
    http::multipart_parser parser_;
    std::vector<upload> uploads_;
    upload* current_ = nullptr;
    std::string folder_;
    bool in_path_field_ = false;
    /// Empty: any name (see auth::within_prefix).
    std::string_view allowed_prefix_;
};

/// Content-Digest / Content-MD5 of a multipart request cover the whole body as sent (RFC 9530
/// §2): hashed piece by piece on the pool, compared before any file is committed.
class body_digests {
public:
    explicit body_digests(http::content_digests expected) : expected_(std::move(expected)) {
        if (expected_.sha256_hex) {
            sha256_.emplace();
        }
        if (expected_.md5_hex) {
            md5_.emplace();
        }
    }
    bool active() const { return sha256_ || md5_; }
    void update(std::span<const char> data) {
        if (sha256_) {
            sha256_->update(data);
        }
        if (md5_) {
            md5_->update(data);
        }
    }
    bool match() {
        return (!sha256_ || sha256_->finish() == *expected_.sha256_hex) &&
               (!md5_ || md5_->finish() == *expected_.md5_hex);
    }

private:
    http::content_digests expected_;
    std::optional<storage::sha256> sha256_;
    std::optional<storage::md5> md5_;
};

bool is_form_data(std::string_view content_type) {
    auto type = content_type.substr(0, content_type.find(';'));
    while (!type.empty() && (type.back() == ' ' || type.back() == '\t')) {
        type.remove_suffix(1);
    }
    return boost::beast::iequals(type, "multipart/form-data");
}

}  // namespace

boost::asio::awaitable<http::response> post_files(services& svc, http::request& req) {
    return post_files_within(svc, req, {});
}

boost::asio::awaitable<http::response> post_files_within(services& svc, http::request& req,
                                                         std::string_view prefix) {
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
    auto expected = http::parse_content_digests(req.header["Content-Digest"],
                                                req.header[http::field::content_md5]);
    if (expected.malformed) {
        svc.metrics.count_upload_failure("malformed");
        co_return http::error_response(status::bad_request,
                                       "Malformed Content-Digest or Content-MD5 field");
    }
    if (auto refusal = co_await refuse_if_disk_full(svc)) {
        co_return std::move(*refusal);
    }

    body_digests digests(std::move(expected));
    form_upload form(svc, std::move(*boundary), prefix);
    // As in store_body: the socket read of the next chunk overlaps the work on this one.
    const std::size_t half = std::max<std::size_t>(svc.options.chunk_size / 2, 4096);
    body_buffer current(half, req.body.content_length());
    body_buffer next(half, req.body.content_length());
    error_code ec;
    std::size_t n = co_await req.body.read_some(current.span(), ec);
    std::optional<http::response> failure;
    while (!failure) {
        if (ec) {
            failure = body_failure(svc, req, ec);
        } else if (n == 0) {
            if (digests.active() && !co_await svc.pool.run([&] { return digests.match(); })) {
                failure = commit_failure(svc, storage::errc::digest_mismatch);
                break;
            }
            auto answer = co_await form.finish();
            if (answer.message.result() == status::accepted) {
                co_return answer;
            }
            failure = std::move(answer);
        } else {
            const std::string_view chunk(current.data.get(), n);
            auto process = [&]() -> boost::asio::awaitable<std::optional<http::response>> {
                if (digests.active()) {
                    co_await svc.pool.run([&] { digests.update({chunk.data(), chunk.size()}); });
                }
                co_return co_await form.feed(chunk);
            };
            auto read_next = [&]() -> boost::asio::awaitable<std::size_t> {
                co_return co_await req.body.read_some(next.span(), ec);
            };
            auto [outcome, m] = co_await (process() && read_next());
            failure = std::move(outcome);
            std::swap(current, next);
            n = m;
        }
    }
    co_await form.discard();
    co_return std::move(*failure);
}

}  // namespace simplefs::api
