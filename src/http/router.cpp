#include "http/router.hpp"

#include <boost/beast/http/verb.hpp>

namespace simplefs::http {

void router::add(verb method, std::string route_template, handler h) {
    auto brace = route_template.find('{');
    bool has_param = brace != std::string::npos;
    std::size_t prefix_size = has_param ? brace : route_template.size();
    entries_.push_back({method, std::move(route_template), prefix_size, has_param, std::move(h)});
}

router::match router::find(verb method, std::string_view path) const {
    match m;
    const entry* head_fallback = nullptr;
    for (const auto& e : entries_) {
        std::string_view param;
        if (e.has_param) {
            auto prefix = std::string_view(e.route).substr(0, e.prefix_size);
            if (!path.starts_with(prefix) || path.size() == prefix.size()) {
                continue;
            }
            param = path.substr(prefix.size());
        } else if (path != e.route) {
            continue;
        }
        // An exact route wins over a parameter route for the same path ("/files/" vs
        // "/files/{name}").
        if (m.path_known && m.route != e.route) {
            continue;
        }
        m.path_known = true;
        m.route = e.route;
        m.param = param;
        if (!m.allow.empty()) {
            m.allow += ", ";
        }
        m.allow += boost::beast::http::to_string(e.method);
        if (e.method == verb::get) {
            m.allow += ", HEAD";
        }
        if (e.method == method) {
            m.target = &e.target;
        } else if (method == verb::head && e.method == verb::get) {
            head_fallback = &e;
        }
    }
    if (m.target == nullptr && head_fallback != nullptr) {
        m.target = &head_fallback->target;
    }
    return m;
}

}  // namespace simplefs::http
