#pragma once

#include "http/body_stream.hpp"
#include "http/range.hpp"
#include "storage/backend.hpp"

#include <memory>

namespace simplefs::api {

/// A stored file, or one byte range of it, as a response body: sendfile from its descriptor
/// when the backend has one, reads otherwise.
class file_body final : public http::body_stream {
public:
    explicit file_body(std::unique_ptr<storage::file_reader> reader);
    file_body(std::unique_ptr<storage::file_reader> reader, http::byte_range range);

    std::uint64_t size() const noexcept override { return range_.length; }
    int sendfile_fd() const noexcept override { return reader_->native_handle(); }
    std::uint64_t offset() const noexcept override { return range_.offset; }
    std::size_t read(std::span<char> buffer, boost::system::error_code& ec) override;
    bool try_read_all_now(std::span<char> buffer) override;

private:
    std::unique_ptr<storage::file_reader> reader_;
    http::byte_range range_;
    std::uint64_t position_ = 0;  ///< bytes of the range already read
};

/// Several ranges of a stored file as one multipart/byteranges body (RFC 9110 §14.6): the part
/// headers planned by http::plan_byteranges interleaved with the file's bytes.
class byteranges_body final : public http::body_stream {
public:
    byteranges_body(std::unique_ptr<storage::file_reader> reader, http::byteranges_plan plan);

    std::uint64_t size() const noexcept override { return plan_.total_length; }
    std::size_t read(std::span<char> buffer, boost::system::error_code& ec) override;

private:
    std::unique_ptr<storage::file_reader> reader_;
    http::byteranges_plan plan_;
    std::size_t part_ = 0;       ///< the part being sent; parts.size() = the trailer
    std::uint64_t in_part_ = 0;  ///< bytes of the current part (header, then range) already sent
};

}  // namespace simplefs::api
