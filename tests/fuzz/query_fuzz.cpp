// Query strings: the listing's prefix, cursor and limit (parse_list_query) and the single
// parameters handlers look up (query_value), on queries that are views into a larger buffer
// as in a request (no NUL after them).
//
// Input: the encoded query; the byte after it in memory is made a digit, not a NUL.

#include "api/query.hpp"
#include "fuzz_support.hpp"

#include <algorithm>
#include <memory>

using namespace simplefs::api;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    // A parser that reads past the view meets a '7' here instead of the end it should find.
    auto buffer = std::make_unique<char[]>(size + 1);
    std::copy(data, data + size, buffer.get());
    buffer[size] = '7';
    const std::string_view query(buffer.get(), size);

    const auto q = parse_list_query(query);
    if (!q.error) {
        SIMPLEFS_FUZZ_CHECK(q.options.limit >= 1 && q.options.limit <= 10000);
    }
    for (auto key : {"prefix", "cursor", "limit", "inline"}) {
        const auto value = query_value(query, key);
        if (value && std::string_view(key) == "cursor") {
            SIMPLEFS_FUZZ_CHECK(q.options.after == *value);
        }
    }
    return 0;
}
