#pragma once

#include <span>
#include <string>

struct evp_md_ctx_st;

namespace simplefs::storage {

/// Incremental SHA-256 over OpenSSL EVP. Throws std::runtime_error when OpenSSL fails (which
/// in practice means out of memory).
class sha256 {
public:
    sha256();
    ~sha256();
    sha256(const sha256&) = delete;
    sha256& operator=(const sha256&) = delete;

    void update(std::span<const char> data);
    /// Lower-case hex digest of everything fed since construction or the previous finish();
    /// the hash then starts over empty.
    std::string finish();

private:
    evp_md_ctx_st* ctx_;
};

}  // namespace simplefs::storage
