#pragma once

#include <boost/asio/ssl/context.hpp>
#include <boost/asio/ssl/stream.hpp>
#include <boost/beast/core/tcp_stream.hpp>

#include <memory>
#include <mutex>
#include <optional>
#include <string>

namespace simplefs::http {

/// The server's certificate chain and key, read from PEM files: TLS 1.2 and 1.3 only. reload()
/// reads the files again (on SIGHUP); connections accepted afterwards use the new certificate,
/// those already open keep theirs.
class tls_certificate {
public:
    tls_certificate(std::string cert_file, std::string key_file);

    /// Reads both files; on failure keeps what was loaded before and returns why.
    std::optional<std::string> reload();
    /// The context for a new connection; null until a reload() succeeded.
    std::shared_ptr<boost::asio::ssl::context> current() const;

private:
    const std::string cert_file_;
    const std::string key_file_;
    mutable std::mutex mutex_;
    std::shared_ptr<boost::asio::ssl::context> context_;
};

/// A connection's TLS session over its TCP stream (whose timeouts still apply underneath).
struct tls_layer {
    tls_layer(boost::beast::tcp_stream& tcp, std::shared_ptr<boost::asio::ssl::context> ctx)
        : context(std::move(ctx)), stream(tcp, *context) {}

    std::shared_ptr<boost::asio::ssl::context> context;  // outlives stream
    boost::asio::ssl::stream<boost::beast::tcp_stream&> stream;
};

}  // namespace simplefs::http
