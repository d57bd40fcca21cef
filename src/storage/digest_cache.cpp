#include "storage/digest_cache.hpp"

#include <functional>
#include <utility>

namespace simplefs::storage {

std::size_t digest_cache::version_hash::operator()(const file_version& version) const noexcept {
    std::size_t seed = 0;
    const auto mix = [&seed](std::uint64_t value) {
        seed ^=
            std::hash<std::uint64_t>{}(value) + 0x9e3779b97f4a7c15ULL + (seed << 6) + (seed >> 2);
    };
    mix(version.device);
    mix(version.inode);
    mix(version.size);
    mix(static_cast<std::uint64_t>(version.mtime_ns));
    mix(static_cast<std::uint64_t>(version.ctime_ns));
    return seed;
}

digest_cache::digest_cache(std::size_t capacity) : capacity_(capacity) {}

std::optional<std::string> digest_cache::find(const file_version& version) {
    const std::lock_guard lock(mutex_);
    const auto found = index_.find(version);
    if (found == index_.end()) {
        ++misses_;
        return std::nullopt;
    }
    ++hits_;
    entries_.splice(entries_.begin(), entries_, found->second);
    return found->second->sha256_hex;
}

void digest_cache::insert(const file_version& version, std::string sha256_hex) {
    if (capacity_ == 0) {
        return;
    }
    const std::lock_guard lock(mutex_);
    if (const auto found = index_.find(version); found != index_.end()) {
        found->second->sha256_hex = std::move(sha256_hex);
        entries_.splice(entries_.begin(), entries_, found->second);
        return;
    }
    if (index_.size() >= capacity_) {
        index_.erase(entries_.back().version);
        entries_.pop_back();
    }
    entries_.push_front({version, std::move(sha256_hex)});
    try {
        index_.emplace(version, entries_.begin());
    } catch (...) {
        entries_.pop_front();
        throw;
    }
}

digest_cache::stats digest_cache::statistics() const {
    const std::lock_guard lock(mutex_);
    return {hits_, misses_, index_.size()};
}

}  // namespace simplefs::storage
