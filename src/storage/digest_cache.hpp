#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <list>
#include <mutex>
#include <optional>
#include <string>
#include <unordered_map>
#include <utility>

namespace simplefs::storage {

/// Identifies one version of a file's content without reading it. Writing through the
/// filesystem changes size, mtime or ctime, and ctime cannot be set back by users. A rewrite of
/// the same size within one timestamp tick goes unnoticed (as with any mtime-based ETag).
struct file_version {
    std::uint64_t device = 0;
    std::uint64_t inode = 0;
    std::uint64_t size = 0;
    std::int64_t mtime_ns = 0;
    std::int64_t ctime_ns = 0;

    bool operator==(const file_version&) const = default;
};

struct file_version_hash {
    std::size_t operator()(const file_version& version) const noexcept {
        std::size_t seed = 0;
        const auto mix = [&seed](std::uint64_t value) {
            seed ^= std::hash<std::uint64_t>{}(value) + 0x9e3779b97f4a7c15ULL + (seed << 6) +
                    (seed >> 2);
        };
        mix(version.device);
        mix(version.inode);
        mix(version.size);
        mix(static_cast<std::uint64_t>(version.mtime_ns));
        mix(static_cast<std::uint64_t>(version.ctime_ns));
        return seed;
    }
};

/// A bounded, thread-safe map from a file_version to something learnt about that content
/// (its digest, its metadata). When full, an insert drops the least recently used entry, so
/// memory stays O(capacity).
template <class Value>
class version_cache {
public:
    struct stats {
        std::uint64_t hits = 0;
        std::uint64_t misses = 0;
        std::size_t entries = 0;
    };

    /// capacity 0 disables caching: find always misses, insert keeps nothing.
    explicit version_cache(std::size_t capacity) : capacity_(capacity) {}
    version_cache(const version_cache&) = delete;
    version_cache& operator=(const version_cache&) = delete;

    /// The value recorded for version, counting a hit or a miss.
    std::optional<Value> find(const file_version& version) {
        const std::lock_guard lock(mutex_);
        const auto found = index_.find(version);
        if (found == index_.end()) {
            ++misses_;
            return std::nullopt;
        }
        ++hits_;
        entries_.splice(entries_.begin(), entries_, found->second);
        return found->second->value;
    }

    /// Records (or replaces) the value of version.
    void insert(const file_version& version, Value value) {
        if (capacity_ == 0) {
            return;
        }
        const std::lock_guard lock(mutex_);
        if (const auto found = index_.find(version); found != index_.end()) {
            found->second->value = std::move(value);
            entries_.splice(entries_.begin(), entries_, found->second);
            return;
        }
        if (index_.size() >= capacity_) {
            index_.erase(entries_.back().version);
            entries_.pop_back();
        }
        entries_.push_front({version, std::move(value)});
        try {
            index_.emplace(version, entries_.begin());
        } catch (...) {
            entries_.pop_front();
            throw;
        }
    }

    stats statistics() const {
        const std::lock_guard lock(mutex_);
        return {hits_, misses_, index_.size()};
    }
    std::size_t capacity() const noexcept { return capacity_; }

private:
    struct entry {
        file_version version;
        Value value;
    };
    using entry_list = std::list<entry>;

    const std::size_t capacity_;
    mutable std::mutex mutex_;
    entry_list entries_;  ///< most recently used first
    std::unordered_map<file_version, typename entry_list::iterator, file_version_hash> index_;
    std::uint64_t hits_ = 0;
    std::uint64_t misses_ = 0;
};

/// Lower-case hex SHA-256 of contents whose digest is not stored with them.
using digest_cache = version_cache<std::string>;

}  // namespace simplefs::storage
