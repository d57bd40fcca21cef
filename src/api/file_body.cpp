#include "api/file_body.hpp"

#include <algorithm>
#include <cstring>

namespace simplefs::api {
namespace {

/// Copies what is left of text after `done` bytes into out; returns how many bytes it copied.
std::size_t copy_rest(std::string_view text, std::uint64_t done, std::span<char> out) {
    auto n = std::min<std::size_t>(out.size(), text.size() - static_cast<std::size_t>(done));
    std::memcpy(out.data(), text.data() + done, n);
    return n;
}

}  // namespace

file_body::file_body(std::unique_ptr<storage::file_reader> reader)
    : reader_(std::move(reader)), range_{0, reader_->info().size} {}

file_body::file_body(std::unique_ptr<storage::file_reader> reader, http::byte_range range)
    : reader_(std::move(reader)), range_(range) {}

std::size_t file_body::read(std::span<char> buffer, boost::system::error_code& ec) {
    auto want = std::min<std::uint64_t>(buffer.size(), range_.length - position_);
    auto n = reader_->read_at(range_.offset + position_, buffer.first(want));
    if (!n) {
        ec = n.error();
        return 0;
    }
    position_ += *n;
    return *n;
}

bool file_body::try_read_all_now(std::span<char> buffer) {
    if (position_ != 0 || buffer.size() != range_.length) {
        return false;
    }
    auto n = reader_->try_read_cached_at(range_.offset, buffer);
    if (!n || *n != buffer.size()) {
        return false;  // a part is not in the page cache (or the file shrank): the pool reads it
    }
    position_ = range_.length;
    return true;
}

byteranges_body::byteranges_body(std::unique_ptr<storage::file_reader> reader,
                                 http::byteranges_plan plan)
    : reader_(std::move(reader)), plan_(std::move(plan)) {}

std::size_t byteranges_body::read(std::span<char> buffer, boost::system::error_code& ec) {
    std::size_t filled = 0;
    while (filled < buffer.size()) {
        auto out = buffer.subspan(filled);
        if (part_ == plan_.parts.size()) {
            if (in_part_ == plan_.trailer.size()) {
                break;
            }
            auto n = copy_rest(plan_.trailer, in_part_, out);
            in_part_ += n;
            filled += n;
            continue;
        }
        const auto& part = plan_.parts[part_];
        if (in_part_ < part.header.size()) {
            auto n = copy_rest(part.header, in_part_, out);
            in_part_ += n;
            filled += n;
            continue;
        }
        const std::uint64_t done = in_part_ - part.header.size();
        if (done == part.range.length) {
            ++part_;
            in_part_ = 0;
            continue;
        }
        auto want = std::min<std::uint64_t>(out.size(), part.range.length - done);
        auto n = reader_->read_at(part.range.offset + done, out.first(want));
        if (!n) {
            ec = n.error();
            return 0;
        }
        if (*n == 0) {
            break;  // the file shrank; the session reports the short body
        }
        in_part_ += *n;
        filled += *n;
    }
    return filled;
}

}  // namespace simplefs::api
