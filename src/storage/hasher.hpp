#pragma once

#include <span>
#include <string>

struct evp_md_ctx_st;

namespace simplefs::storage {

/// Incremental message digest over OpenSSL EVP. Throws std::runtime_error when OpenSSL fails
/// (which in practice means out of memory).
class hasher {
public:
    enum class algorithm { sha256, md5 };

    explicit hasher(algorithm algo);
    ~hasher();
    hasher(const hasher&) = delete;
    hasher& operator=(const hasher&) = delete;

    void update(std::span<const char> data);
    /// Lower-case hex digest of everything fed since construction or the previous finish();
    /// the hash then starts over empty.
    std::string finish();

private:
    void start();

    algorithm algo_;
    evp_md_ctx_st* ctx_;
};

class sha256 final : public hasher {
public:
    sha256() : hasher(algorithm::sha256) {}
};

/// Only for checking Content-MD5 (RFC 1864); never for anything that needs collision resistance.
class md5 final : public hasher {
public:
    md5() : hasher(algorithm::md5) {}
};

}  // namespace simplefs::storage
