#pragma once

#include <cstddef>
#include <cstdint>
#include <list>
#include <mutex>
#include <optional>
#include <string>
#include <unordered_map>

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

/// A bounded, thread-safe map from a file_version to the lower-case hex SHA-256 of that content,
/// for files whose digest is not stored with them. When full, an insert drops the least recently
/// used entry, so memory stays O(capacity).
class digest_cache {
public:
    struct stats {
        std::uint64_t hits = 0;
        std::uint64_t misses = 0;
        std::size_t entries = 0;
    };

    /// capacity 0 disables caching: find always misses, insert keeps nothing.
    explicit digest_cache(std::size_t capacity);
    digest_cache(const digest_cache&) = delete;
    digest_cache& operator=(const digest_cache&) = delete;

    /// The digest recorded for version, counting a hit or a miss.
    std::optional<std::string> find(const file_version& version);
    /// Records (or replaces) the digest of version.
    void insert(const file_version& version, std::string sha256_hex);
    stats statistics() const;
    std::size_t capacity() const noexcept { return capacity_; }

private:
    struct version_hash {
        std::size_t operator()(const file_version& version) const noexcept;
    };
    struct entry {
        file_version version;
        std::string sha256_hex;
    };
    using entry_list = std::list<entry>;

    const std::size_t capacity_;
    mutable std::mutex mutex_;
    entry_list entries_;  ///< most recently used first
    std::unordered_map<file_version, entry_list::iterator, version_hash> index_;
    std::uint64_t hits_ = 0;
    std::uint64_t misses_ = 0;
};

}  // namespace simplefs::storage
