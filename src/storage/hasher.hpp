#pragma once

#include <memory>
#include <span>
#include <string>

struct evp_md_ctx_st;

namespace simplefs::storage {

/// Incremental message digest over OpenSSL EVP. Throws std::runtime_error when OpenSSL fails
/// (which in practice means out of memory).
class hasher {
public:
    enum class algorithm { sha256, sha1, md5 };

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

/// Only for checking tus Upload-Checksum values; never for anything that needs collision
/// resistance.
class sha1 final : public hasher {
public:
    sha1() : hasher(algorithm::sha1) {}
};

/// Only for checking Content-MD5 (RFC 1864); never for anything that needs collision resistance.
class md5 final : public hasher {
public:
    md5() : hasher(algorithm::md5) {}
};

/// The SHA-256 (and, when asked for, MD5) of an upload: fed chunk by chunk, finished once.
class upload_digests {
public:
    explicit upload_digests(bool with_md5) : md5_(with_md5 ? std::make_unique<md5>() : nullptr) {}

    /// Feeds data to the digests; does nothing once they are finished.
    void update(std::span<const char> data);
    /// Finishes the digests; later calls do nothing.
    void finish();
    bool finished() const noexcept { return finished_; }
    bool has_md5() const noexcept { return md5_ != nullptr; }
    /// Lower-case hex digests; finish first. md5_hex() is empty without MD5.
    const std::string& sha256_hex() {
        finish();
        return sha256_hex_;
    }
    const std::string& md5_hex() {
        finish();
        return md5_hex_;
    }

private:
    sha256 sha256_;
    std::unique_ptr<md5> md5_;
    bool finished_ = false;
    std::string sha256_hex_;
    std::string md5_hex_;
};

}  // namespace simplefs::storage
