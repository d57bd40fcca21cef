#include "storage/backend_support.hpp"
#include "storage/upload_store.hpp"

namespace simplefs::storage {

std::string make_upload_id() {
    return random_hex(16);
}

bool valid_upload_id(std::string_view id) noexcept {
    return id.size() == 32 && is_lower_hex(id);
}

}  // namespace simplefs::storage
