#pragma once

#include <boost/system/error_code.hpp>
#include <boost/system/result.hpp>

#include <type_traits>

namespace simplefs::storage {

/// What a storage operation can report. The API layer maps each value to an HTTP status in one
/// table (api/problem.cpp); update it when a value is added here.
enum class errc {
    not_found = 1,        ///< no such file (also: a path segment is not a directory)
    already_exists,       ///< create-only write found the name taken
    invalid_name,         ///< the name breaks the naming rules (storage/name.hpp)
    escapes_root,         ///< resolving the name would leave the storage root (e.g. a symlink out)
    no_space,             ///< ENOSPC / EDQUOT
    is_directory,         ///< the name is a folder where a file was expected
    io_error,             ///< anything else; the errno text goes to the log, never to clients
    precondition_failed,  ///< the current version of the name is not the expected one (If-Match)
    digest_mismatch,      ///< a client-supplied digest did not match the bytes received
    unavailable,          ///< the storage cluster cannot be reached (backend::health not ready)
    would_block,          ///< a try_*_cached call would have to wait on a disk or the network
    locked,               ///< another request (in any process) holds the resource's lock
};

const boost::system::error_category& storage_category() noexcept;

inline boost::system::error_code make_error_code(errc e) noexcept {
    return {static_cast<int>(e), storage_category()};
}

/// Maps an errno value (positive) to the storage error it stands for.
boost::system::error_code from_errno(int error_number) noexcept;

template <class T>
using result = boost::system::result<T>;

}  // namespace simplefs::storage

template <>
struct boost::system::is_error_code_enum<simplefs::storage::errc> : std::true_type {};
