#include "storage/upload_store.hpp"

#include <sys/random.h>

#include <array>
#include <random>

namespace simplefs::storage {

std::string make_upload_id() {
    std::array<unsigned char, 16> bytes{};
    if (::getrandom(bytes.data(), bytes.size(), 0) != static_cast<ssize_t>(bytes.size())) {
        std::random_device device;
        for (auto& byte : bytes) {
            byte = static_cast<unsigned char>(device());
        }
    }
    static constexpr char digits[] = "0123456789abcdef";
    std::string id;
    id.reserve(bytes.size() * 2);
    for (const unsigned char byte : bytes) {
        id += digits[byte >> 4];
        id += digits[byte & 0x0f];
    }
    return id;
}

bool valid_upload_id(std::string_view id) noexcept {
    if (id.size() != 32) {
        return false;
    }
    for (const char c : id) {
        if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) {
            return false;
        }
    }
    return true;
}

}  // namespace simplefs::storage
