#pragma once

#include "http/request.hpp"
#include "http/response.hpp"

#include <boost/asio/awaitable.hpp>
#include <boost/beast/http/verb.hpp>

#include <functional>
#include <string>
#include <string_view>
#include <vector>

namespace simplefs::http {

using verb = boost::beast::http::verb;
using handler = std::function<boost::asio::awaitable<response>(request&)>;

/// Maps (method, decoded path) to a handler. A route template is either an exact path
/// ("/health") or a prefix followed by one trailing parameter ("/files/{name}") that matches the
/// non-empty rest of the path, slashes included. HEAD falls back to the GET handler.
class router {
public:
    void add(verb method, std::string route_template, handler h);

    struct match {
        const handler* target = nullptr;  ///< null: no route, or the method is not allowed
        std::string_view route = "none";  ///< the template, for metrics and logs
        std::string_view param;           ///< the text the trailing parameter matched
        std::string allow;                ///< for 405: the methods the path accepts
        bool path_known = false;
    };
    match find(verb method, std::string_view path) const;

private:
    struct entry {
        verb method;
        std::string route;
        std::size_t prefix_size;  ///< length of the route up to its parameter
        bool has_param;
        handler target;
    };
    std::vector<entry> entries_;
};

}  // namespace simplefs::http
