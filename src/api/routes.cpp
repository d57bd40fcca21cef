#include "api/routes.hpp"

#include "api/docs.hpp"
#include "api/handlers.hpp"

namespace simplefs::api {

http::router make_routes(services& svc) {
    using http::verb;
    http::router r;
    auto bind = [&svc](auto fn) { return [&svc, fn](http::request& req) { return fn(svc, req); }; };
    r.add(verb::get, "/", bind(index_page));
    r.add(verb::get, "/health", bind(health));
    r.add(verb::get, "/readyz", bind(readyz));
    r.add(verb::get, "/livez", bind(livez));
    r.add(verb::get, "/metrics", bind(metrics_page));
    r.add(verb::get, "/openapi.json", bind(openapi_document));
    r.add(verb::get, "/docs", bind(docs_page));
    r.add(verb::get, "/docs/{asset}", bind(docs_asset));
    r.add(verb::get, "/files/", bind(list_files));
    r.add(verb::post, "/files/", bind(post_files));
    r.add(verb::get, "/files/{name}", bind(get_file));
    r.add(verb::put, "/files/{name}", bind(put_file));
    r.add(verb::delete_, "/files/{name}", bind(delete_file));
    return r;
}

}  // namespace simplefs::api
