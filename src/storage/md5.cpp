#include "storage/md5.hpp"

#include <openssl/evp.h>

#include <stdexcept>

namespace simplefs::storage {

namespace {

void start(EVP_MD_CTX* ctx) {
    if (EVP_DigestInit_ex(ctx, EVP_md5(), nullptr) != 1) {
        throw std::runtime_error("md5: EVP_DigestInit_ex failed");
    }
}

}  // namespace

md5::md5() : ctx_(EVP_MD_CTX_new()) {
    if (ctx_ == nullptr) {
        throw std::runtime_error("md5: EVP_MD_CTX_new failed");
    }
    try {
        start(ctx_);
    } catch (...) {
        EVP_MD_CTX_free(ctx_);
        throw;
    }
}

md5::~md5() {
    EVP_MD_CTX_free(ctx_);
}

void md5::update(std::span<const char> data) {
    if (data.empty()) {
        return;
    }
    if (EVP_DigestUpdate(ctx_, data.data(), data.size()) != 1) {
        throw std::runtime_error("md5: EVP_DigestUpdate failed");
    }
}

std::string md5::finish() {
    unsigned char digest[EVP_MAX_MD_SIZE];
    unsigned int length = 0;
    if (EVP_DigestFinal_ex(ctx_, digest, &length) != 1) {
        throw std::runtime_error("md5: EVP_DigestFinal_ex failed");
    }
    start(ctx_);
    static constexpr char digits[] = "0123456789abcdef";
    std::string hex(static_cast<std::size_t>(length) * 2, '\0');
    for (unsigned int i = 0; i < length; ++i) {
        hex[2 * i] = digits[digest[i] >> 4];
        hex[2 * i + 1] = digits[digest[i] & 0x0f];
    }
    return hex;
}

}  // namespace simplefs::storage
