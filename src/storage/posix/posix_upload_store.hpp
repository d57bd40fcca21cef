#pragma once

#include "storage/upload_store.hpp"

#include <filesystem>
#include <memory>
#include <mutex>

namespace simplefs::storage {

/// Upload state in <root>/<upload_folder> (see upload_store.hpp). Locks are flock(LOCK_EX |
/// LOCK_NB) on the data file: between processes on one machine, and between CephFS clients
/// (ceph-fuse and the kernel client forward flock on files to the MDS). Where flock is not
/// supported, lock fails with errc::io_error.
class posix_upload_store final : public upload_store {
public:
    /// The folder is created with the first upload, so a root without uploads stays as it was.
    /// fsync false skips every fsync (benchmarks only).
    static result<std::unique_ptr<posix_upload_store>> open(const std::filesystem::path& root,
                                                            bool fsync);
    ~posix_upload_store() override;
    posix_upload_store(const posix_upload_store&) = delete;
    posix_upload_store& operator=(const posix_upload_store&) = delete;

    result<void> create(std::string_view id, const upload_info& info) override;
    result<upload_info> read_info(std::string_view id) override;
    result<void> write_info(std::string_view id, const upload_info& info) override;
    result<std::unique_ptr<upload_data>> lock(std::string_view id) override;
    result<void> remove(std::string_view id) override;
    result<std::vector<std::string>> list() override;

private:
    posix_upload_store(int root_fd, bool fsync) noexcept : root_fd_(root_fd), fsync_(fsync) {}
    /// The upload folder's descriptor, opened once; errc::not_found while the folder does not
    /// exist and create is false.
    result<int> folder(bool create);
    /// folder(create) for id: errc::not_found for an id that make_upload_id cannot give.
    result<int> folder_of(std::string_view id, bool create);

    const int root_fd_;  ///< O_RDONLY | O_DIRECTORY
    const bool fsync_;
    std::mutex mutex_;
    int dir_fd_ = -1;  ///< the upload folder once opened (guarded by mutex_)
};

}  // namespace simplefs::storage
