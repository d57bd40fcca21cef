#include "storage/errc.hpp"

#include <cerrno>
#include <string>

namespace simplefs::storage {

namespace {

class storage_category_impl final : public boost::system::error_category {
public:
    const char* name() const noexcept override { return "simplefs.storage"; }

    std::string message(int value) const override {
        switch (static_cast<errc>(value)) {
            case errc::not_found:
                return "no such file";
            case errc::already_exists:
                return "file already exists";
            case errc::invalid_name:
                return "invalid file name";
            case errc::escapes_root:
                return "name resolves outside the storage root";
            case errc::no_space:
                return "no space left on the storage volume";
            case errc::is_directory:
                return "name is a directory";
            case errc::io_error:
                return "storage input/output error";
            case errc::precondition_failed:
                return "the current version is not the expected one";
            case errc::digest_mismatch:
                return "the content does not match the supplied digest";
            case errc::unavailable:
                return "the storage cluster cannot be reached";
            case errc::would_block:
                return "the answer is not in memory";
            case errc::locked:
                return "another request holds the lock";
        }
        return "unknown storage error";
    }
};

}  // namespace

const boost::system::error_category& storage_category() noexcept {
    static const storage_category_impl category;
    return category;
}

boost::system::error_code from_errno(int error_number) noexcept {
    switch (error_number) {
        case ENOENT:
        case ENOTDIR:
            return errc::not_found;
        case EEXIST:
            return errc::already_exists;
        case ENOSPC:
        case EDQUOT:
            return errc::no_space;
        case EISDIR:
            return errc::is_directory;
        case EXDEV:
        case ELOOP:
            return errc::escapes_root;
        case ENAMETOOLONG:
            return errc::invalid_name;
        default:
            return errc::io_error;
    }
}

}  // namespace simplefs::storage
