// A Range field value resolved against a representation size (select_ranges), and what the
// answer is built from: Content-Range values and the multipart/byteranges plan.
//
// Input: one byte choosing the size (small, or eight more bytes of it), one byte for
// max_ranges, then the field value.

#include "fuzz_support.hpp"
#include "http/range.hpp"

#include <algorithm>
#include <string>
#include <vector>

using namespace simplefs::http;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    simplefs::fuzz::input in(data, size);
    const std::uint8_t size_choice = in.byte();
    // Mostly sizes that short ranges reach; sometimes any 64-bit size, up to the largest.
    const std::uint64_t length = size_choice < 0xc0 ? size_choice : in.u64();
    const std::size_t max_ranges = in.byte();
    const auto field = in.rest();

    const auto selection = select_ranges(field, length, max_ranges);
    if (selection.outcome != range_outcome::satisfiable) {
        SIMPLEFS_FUZZ_CHECK(selection.ranges.empty());
        if (selection.outcome == range_outcome::unsatisfiable) {
            SIMPLEFS_FUZZ_CHECK(unsatisfied_content_range(length) ==
                                "bytes */" + std::to_string(length));
        }
        return 0;
    }
    const auto& ranges = selection.ranges;
    SIMPLEFS_FUZZ_CHECK(!ranges.empty());
    SIMPLEFS_FUZZ_CHECK(ranges.size() <= max_ranges);
    std::uint64_t total = 0;
    for (const auto& r : ranges) {
        SIMPLEFS_FUZZ_CHECK(r.length > 0);
        SIMPLEFS_FUZZ_CHECK(r.offset < length && r.length <= length - r.offset);
        total += r.length;
        const auto value = content_range(r, length);
        SIMPLEFS_FUZZ_CHECK(value == "bytes " + std::to_string(r.offset) + "-" +
                                         std::to_string(r.offset + r.length - 1) + "/" +
                                         std::to_string(length));
    }
    // No two ranges overlap or touch, so together they are no larger than the representation.
    auto sorted = ranges;
    std::sort(sorted.begin(), sorted.end(),
              [](const byte_range& a, const byte_range& b) { return a.offset < b.offset; });
    for (std::size_t i = 1; i < sorted.size(); ++i) {
        SIMPLEFS_FUZZ_CHECK(sorted[i - 1].offset + sorted[i - 1].length < sorted[i].offset);
    }
    SIMPLEFS_FUZZ_CHECK(total <= length);

    if (ranges.size() > 1) {
        const auto plan = plan_byteranges(ranges, length, "text/plain", "0123456789abcdef");
        SIMPLEFS_FUZZ_CHECK(plan.parts.size() == ranges.size());
        std::uint64_t planned = plan.trailer.size();
        for (std::size_t i = 0; i < plan.parts.size(); ++i) {
            SIMPLEFS_FUZZ_CHECK(plan.parts[i].range == ranges[i]);
            planned += plan.parts[i].header.size() + plan.parts[i].range.length;
        }
        SIMPLEFS_FUZZ_CHECK(planned == plan.total_length);
    }
    return 0;
}
