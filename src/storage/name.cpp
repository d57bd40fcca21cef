#include "storage/name.hpp"

#include "storage/errc.hpp"

namespace simplefs::storage {

namespace {

bool valid_segment(std::string_view segment) noexcept {
    if (segment.empty() || segment.size() > max_segment_bytes) {
        return false;
    }
    if (segment == "." || segment == ".." || segment.starts_with(temp_prefix)) {
        return false;
    }
    for (const char c : segment) {
        const auto byte = static_cast<unsigned char>(c);
        if (byte < 0x20 || byte == 0x7f || c == '\\') {
            return false;
        }
    }
    return true;
}

}  // namespace

boost::system::error_code validate_name(std::string_view name) noexcept {
    if (name.empty() || name.size() > max_name_bytes) {
        return errc::invalid_name;
    }
    std::size_t start = 0;
    for (;;) {
        const std::size_t slash = name.find('/', start);
        const std::size_t end = slash == std::string_view::npos ? name.size() : slash;
        if (!valid_segment(name.substr(start, end - start))) {
            return errc::invalid_name;
        }
        if (end == name.size()) {
            return {};
        }
        start = end + 1;
    }
}

}  // namespace simplefs::storage
