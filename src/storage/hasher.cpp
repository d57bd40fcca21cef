#include "storage/hasher.hpp"

#include <openssl/evp.h>

#include <stdexcept>

namespace simplefs::storage {

hasher::hasher(algorithm algo) : algo_(algo), ctx_(EVP_MD_CTX_new()) {
    if (ctx_ == nullptr) {
        throw std::runtime_error("hasher: EVP_MD_CTX_new failed");
    }
    try {
        start();
    } catch (...) {
        EVP_MD_CTX_free(ctx_);
        throw;
    }
}

hasher::~hasher() {
    EVP_MD_CTX_free(ctx_);
}

void hasher::start() {
    const EVP_MD* md = algo_ == algorithm::sha256 ? EVP_sha256()
                       : algo_ == algorithm::sha1 ? EVP_sha1()
                                                  : EVP_md5();
    if (EVP_DigestInit_ex(ctx_, md, nullptr) != 1) {
        throw std::runtime_error("hasher: EVP_DigestInit_ex failed");
    }
}

void hasher::update(std::span<const char> data) {
    if (data.empty()) {
        return;
    }
    if (EVP_DigestUpdate(ctx_, data.data(), data.size()) != 1) {
        throw std::runtime_error("hasher: EVP_DigestUpdate failed");
    }
}

std::string hasher::finish() {
    unsigned char digest[EVP_MAX_MD_SIZE];
    unsigned int length = 0;
    if (EVP_DigestFinal_ex(ctx_, digest, &length) != 1) {
        throw std::runtime_error("hasher: EVP_DigestFinal_ex failed");
    }
    start();
    static constexpr char digits[] = "0123456789abcdef";
    std::string hex(static_cast<std::size_t>(length) * 2, '\0');
    for (unsigned int i = 0; i < length; ++i) {
        hex[2 * i] = digits[digest[i] >> 4];
        hex[2 * i + 1] = digits[digest[i] & 0x0f];
    }
    return hex;
}

void upload_digests::update(std::span<const char> data) {
    if (finished_) {
        return;
    }
    sha256_.update(data);
    if (md5_) {
        md5_->update(data);
    }
}

void upload_digests::finish() {
    if (finished_) {
        return;
    }
    sha256_hex_ = sha256_.finish();
    if (md5_) {
        md5_hex_ = md5_->finish();
    }
    finished_ = true;
}

}  // namespace simplefs::storage
