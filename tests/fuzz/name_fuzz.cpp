// Names clients give for files and folders (validate_name): a name it accepts must stay inside
// the storage root and never be a temp file, whatever its bytes.
//
// Input: the name.

#include "fuzz_support.hpp"
#include "storage/name.hpp"

using namespace simplefs::storage;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const std::string_view name(reinterpret_cast<const char*>(data), size);
    if (validate_name(name)) {
        return 0;
    }
    SIMPLEFS_FUZZ_CHECK(!name.empty() && name.size() <= max_name_bytes);
    SIMPLEFS_FUZZ_CHECK(name.front() != '/');
    for (char c : name) {
        const auto u = static_cast<unsigned char>(c);
        SIMPLEFS_FUZZ_CHECK(u >= 0x20 && u != 0x7f && c != '\\');
    }
    std::string_view rest = name;
    for (;;) {
        const auto slash = rest.find('/');
        const auto segment = rest.substr(0, slash);
        SIMPLEFS_FUZZ_CHECK(!segment.empty() && segment.size() <= max_segment_bytes);
        SIMPLEFS_FUZZ_CHECK(segment != "." && segment != "..");
        SIMPLEFS_FUZZ_CHECK(!segment.starts_with(temp_prefix));
        if (slash == std::string_view::npos) {
            break;
        }
        rest.remove_prefix(slash + 1);
    }
    return 0;
}
