#pragma once

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string_view>

// What the fuzz targets share. Each target defines LLVMFuzzerTestOneInput; it is linked either
// with libFuzzer (preset `fuzz`) or with replay_main.cpp (the `fuzz_replay.*` unit tests).

namespace simplefs::fuzz {

/// Stops the process when a property the code under test promises does not hold. Not assert():
/// the replay runs in release builds too, where NDEBUG is set.
#define SIMPLEFS_FUZZ_CHECK(condition)                                                         \
    do {                                                                                       \
        if (!(condition)) {                                                                    \
            std::fprintf(stderr, "%s:%d: check failed: %s\n", __FILE__, __LINE__, #condition); \
            std::abort();                                                                      \
        }                                                                                      \
    } while (false)

/// Splits a fuzz input into parameters and text, taking from the front. Taking past the end
/// gives zeros and empty text, so every input is usable.
class input {
public:
    input(const std::uint8_t* data, std::size_t size)
        : rest_(reinterpret_cast<const char*>(data), size) {}

    std::uint8_t byte() {
        if (rest_.empty()) {
            return 0;
        }
        auto b = static_cast<std::uint8_t>(rest_.front());
        rest_.remove_prefix(1);
        return b;
    }

    std::uint64_t u64() {
        std::uint64_t v = 0;
        for (int i = 0; i < 8; ++i) {
            v = (v << 8) | byte();
        }
        return v;
    }

    /// Up to the next '\n' (not included, and consumed), or all that is left.
    std::string_view line() {
        auto end = rest_.find('\n');
        auto text = rest_.substr(0, end);
        rest_.remove_prefix(end == std::string_view::npos ? rest_.size() : end + 1);
        return text;
    }

    /// At most n bytes.
    std::string_view take(std::size_t n) {
        auto text = rest_.substr(0, n);
        rest_.remove_prefix(text.size());
        return text;
    }

    std::string_view rest() const noexcept { return rest_; }
    bool empty() const noexcept { return rest_.empty(); }

private:
    std::string_view rest_;
};

}  // namespace simplefs::fuzz
