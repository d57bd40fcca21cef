#pragma once

#include <string_view>

namespace simplefs::api {

/// A file compiled into the binary (cmake/embed_assets.cmake). The bytes live as long as the
/// program.
struct embedded_asset {
    std::string_view bytes;
    std::string_view content_type;
};

}  // namespace simplefs::api
