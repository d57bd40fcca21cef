#pragma once

#include <span>
#include <string>

struct evp_md_ctx_st;

namespace simplefs::storage {

/// Incremental MD5 over OpenSSL EVP, for Content-MD5 checks only (not a security measure).
/// Throws std::runtime_error when OpenSSL fails (out of memory, or MD5 unavailable as under a
/// FIPS-only provider configuration).
class md5 {
public:
    md5();
    ~md5();
    md5(const md5&) = delete;
    md5& operator=(const md5&) = delete;

    void update(std::span<const char> data);
    /// Lower-case hex digest of everything fed since construction or the previous finish();
    /// the hash then starts over empty.
    std::string finish();

private:
    evp_md_ctx_st* ctx_;
};

}  // namespace simplefs::storage
