#include "auth/url_signer.hpp"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include <array>
#include <cerrno>
#include <charconv>
#include <cstring>
#include <fstream>
#include <sstream>
#include <stdexcept>

namespace simplefs::auth {
namespace {

constexpr std::string_view hex_digits = "0123456789abcdef";
constexpr std::size_t signature_hex_length = 64;

std::string hex(const unsigned char* data, std::size_t size) {
    std::string out;
    out.reserve(size * 2);
    for (std::size_t i = 0; i < size; ++i) {
        out += hex_digits[data[i] >> 4];
        out += hex_digits[data[i] & 0xf];
    }
    return out;
}

bool unreserved(char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' ||
           c == '.' || c == '_' || c == '~';
}

std::string percent_encode(std::string_view text, bool keep_slash) {
    static constexpr std::string_view upper_hex = "0123456789ABCDEF";
    std::string out;
    for (const char c : text) {
        if (unreserved(c) || (keep_slash && c == '/')) {
            out += c;
        } else {
            const auto byte = static_cast<unsigned char>(c);
            out += '%';
            out += upper_hex[byte >> 4];
            out += upper_hex[byte & 0xf];
        }
    }
    return out;
}

}  // namespace

std::string canonical_request(std::string_view method, std::string_view name,
                              std::int64_t expires) {
    std::string text = "SIMPLEFS-HMAC-SHA256\n";
    text += method;
    text += '\n';
    text += name;
    text += '\n';
    text += std::to_string(expires);
    text += '\n';
    return text;
}

std::string url_signer::sign(std::string_view method, std::string_view name,
                             std::int64_t expires) const {
    const std::string message = canonical_request(method, name, expires);
    std::array<unsigned char, EVP_MAX_MD_SIZE> mac{};
    unsigned int mac_size = 0;
    if (HMAC(EVP_sha256(), secret_.data(), static_cast<int>(secret_.size()),
             reinterpret_cast<const unsigned char*>(message.data()), message.size(), mac.data(),
             &mac_size) == nullptr) {
        throw std::runtime_error("HMAC-SHA256 failed");
    }
    return hex(mac.data(), mac_size);
}

signature_check url_signer::verify(std::string_view method, std::string_view name,
                                   std::string_view expires_text, std::string_view signature,
                                   std::int64_t now) const {
    std::int64_t expires = 0;
    const auto [end, ec] =
        std::from_chars(expires_text.data(), expires_text.data() + expires_text.size(), expires);
    if (expires_text.empty() || expires_text.front() == '-' || ec != std::errc() ||
        end != expires_text.data() + expires_text.size() ||
        // "0123" would verify as 123: only the canonical form is the signed one
        std::to_string(expires) != expires_text) {
        return signature_check::invalid;
    }
    if (signature.size() != signature_hex_length) {
        return signature_check::invalid;
    }
    const std::string expected = sign(method, name, expires);
    if (CRYPTO_memcmp(expected.data(), signature.data(), expected.size()) != 0) {
        return signature_check::invalid;
    }
    return now > expires ? signature_check::expired : signature_check::valid;
}

secret_result load_secret_file(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    if (!in) {
        return {std::nullopt, path + ": " + std::strerror(errno)};
    }
    std::ostringstream text;
    text << in.rdbuf();
    std::string secret = text.str();
    while (!secret.empty() && (secret.back() == '\n' || secret.back() == '\r' ||
                               secret.back() == ' ' || secret.back() == '\t')) {
        secret.pop_back();
    }
    if (secret.size() < min_secret_length) {
        return {std::nullopt, path + ": the secret must be at least " +
                                  std::to_string(min_secret_length) +
                                  " bytes (e.g. openssl rand -hex 32)"};
    }
    return {std::move(secret), {}};
}

std::string signed_url(const url_signer& signer, std::string_view base_url, std::string_view method,
                       std::string_view name, std::int64_t expires) {
    while (base_url.ends_with('/')) {
        base_url.remove_suffix(1);
    }
    std::string url(base_url);
    url += "/files/";
    url += percent_encode(name, /*keep_slash=*/true);
    url += '?';
    url += expires_param;
    url += '=';
    url += std::to_string(expires);
    url += '&';
    url += signature_param;
    url += '=';
    url += signer.sign(method, name, expires);
    return url;
}

}  // namespace simplefs::auth
