#include "http/response_head.hpp"

#include <boost/beast/http/status.hpp>

namespace simplefs::http {

void append_response_head(
    const boost::beast::http::response_header<boost::beast::http::fields>& head, std::string& out) {
    const unsigned code = head.result_int();
    out += "HTTP/1.1 ";
    out += static_cast<char>('0' + code / 100 % 10);
    out += static_cast<char>('0' + code / 10 % 10);
    out += static_cast<char>('0' + code % 10);
    out += ' ';
    const auto reason = head.reason();
    out += reason.empty() ? boost::beast::http::obsolete_reason(head.result()) : reason;
    out += "\r\n";
    for (const auto& f : head) {
        out += f.name_string();
        out += ": ";
        out += f.value();
        out += "\r\n";
    }
    out += "\r\n";
}

}  // namespace simplefs::http
