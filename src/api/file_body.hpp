#pragma once

#include "http/body_stream.hpp"
#include "storage/backend.hpp"

#include <memory>

namespace simplefs::api {

/// A stored file as a response body: sendfile from its descriptor when the backend has one,
/// reads otherwise.
class file_body final : public http::body_stream {
public:
    explicit file_body(std::unique_ptr<storage::file_reader> reader) : reader_(std::move(reader)) {}

    std::uint64_t size() const noexcept override { return reader_->info().size; }
    int sendfile_fd() const noexcept override { return reader_->native_handle(); }
    std::size_t read(std::span<char> buffer, boost::system::error_code& ec) override {
        auto n = reader_->read_at(position_, buffer);
        if (!n) {
            ec = n.error();
            return 0;
        }
        position_ += *n;
        return *n;
    }

private:
    std::unique_ptr<storage::file_reader> reader_;
    std::uint64_t position_ = 0;
};

}  // namespace simplefs::api
