#include "api/tus_uploads.hpp"

#include <memory>

namespace simplefs::api::tus {

// Completion streams the stored bytes through an ordinary file_writer rather than renaming the
// data file into place: the commit is then the very one a PUT makes (SHA-256 over the bytes,
// content type, fsync, rename, directory fsync, validators), on every backend, with no second
// commit path to keep equal. The cost is one more read and write of the file at the end.
storage::result<storage::commit_result> commit_upload(
    services& svc, std::string_view id, storage::upload_info& info,
    std::span<storage::upload_data* const> parts) {
    auto created = svc.store.create_writer(info.name);
    if (!created) {
        return created.error();
    }
    auto& writer = **created;
    const std::size_t size = svc.options.chunk_size;
    const auto buffer = std::make_unique_for_overwrite<char[]>(size);
    for (auto* part : parts) {
        for (std::uint64_t offset = 0;;) {
            auto n = part->read_at(offset, {buffer.get(), size});
            if (!n) {
                return n.error();
            }
            if (*n == 0) {
                break;
            }
            if (auto written = writer.write({buffer.get(), *n}); !written) {
                return written.error();
            }
            offset += *n;
        }
    }
    auto committed = writer.commit({.content_type = info.content_type});
    if (!committed) {
        return committed;
    }
    storage::upload_info done = info;
    done.completed = true;
    done.offset = committed->info.size;
    done.length = committed->info.size;
    if (auto written = svc.store.uploads()->write_info(id, done); !written) {
        // The file is in place; the upload still reads as unfinished, and a retry commits the
        // same bytes again.
        return written.error();
    }
    info = std::move(done);
    return committed;
}

}  // namespace simplefs::api::tus
