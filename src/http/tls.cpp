#include "http/tls.hpp"

#include <openssl/ssl.h>

namespace simplefs::http {

namespace ssl = boost::asio::ssl;

tls_certificate::tls_certificate(std::string cert_file, std::string key_file)
    : cert_file_(std::move(cert_file)), key_file_(std::move(key_file)) {}

std::optional<std::string> tls_certificate::reload() {
    auto context = std::make_shared<ssl::context>(ssl::context::tls_server);
    context->set_options(ssl::context::default_workarounds | ssl::context::no_sslv2 |
                         ssl::context::no_sslv3 | ssl::context::no_tlsv1 |
                         ssl::context::no_tlsv1_1 | ssl::context::single_dh_use);
    SSL_CTX_set_min_proto_version(context->native_handle(), TLS1_2_VERSION);
    boost::system::error_code ec;
    if (context->use_certificate_chain_file(cert_file_, ec); ec) {
        return "cannot load the certificate " + cert_file_ + ": " + ec.message();
    }
    if (context->use_private_key_file(key_file_, ssl::context::pem, ec); ec) {
        return "cannot load the key " + key_file_ + ": " + ec.message();
    }
    if (SSL_CTX_check_private_key(context->native_handle()) != 1) {
        return "the key " + key_file_ + " does not match the certificate " + cert_file_;
    }
    std::lock_guard lock(mutex_);
    context_ = std::move(context);
    return std::nullopt;
}

std::shared_ptr<ssl::context> tls_certificate::current() const {
    std::lock_guard lock(mutex_);
    return context_;
}

}  // namespace simplefs::http
