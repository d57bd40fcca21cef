#include "api/routes.hpp"

#include "api/docs.hpp"
#include "api/handlers.hpp"
#include "api/tus_protocol.hpp"
#include "api/tus_uploads.hpp"
#include "api/web_page.hpp"

namespace simplefs::api {
namespace {

using handler_fn = boost::asio::awaitable<http::response> (*)(services&, http::request&);

boost::asio::awaitable<http::response> guarded(services& svc, const auth::access_control& control,
                                               access_rule rule, handler_fn fn,
                                               http::request& req) {
    const presented_credentials cred(req);
    const auth::decision d = check_access(control, rule, req, cred);
    if (!d.allowed()) {
        co_return refuse(svc, d);
    }
    if (rule == access_rule::upload && !d.prefix.empty()) {
        co_return co_await post_files_within(svc, req, d.prefix);
    }
    co_return co_await fn(svc, req);
}

using prefixed_fn = boost::asio::awaitable<http::response> (*)(services&, http::request&,
                                                               std::string_view);

boost::asio::awaitable<http::response> guarded_upload(services& svc,
                                                      const auth::access_control& control,
                                                      prefixed_fn fn, http::request& req) {
    const presented_credentials cred(req);
    const auth::decision d = check_access(control, access_rule::uploads, req, cred);
    if (!d.allowed()) {
        auto res = refuse(svc, d);
        res.message.set("Tus-Resumable", tus::version);  // tus clients look for it on every answer
        co_return res;
    }
    co_return co_await fn(svc, req, d.prefix);
}

}  // namespace

http::router make_routes(services& svc, const route_access& access) {
    using http::verb;
    http::router r;
    auto bind = [&svc](handler_fn fn) {
        return [&svc, fn](http::request& req) { return fn(svc, req); };
    };
    // Not a coroutine itself: the lambda only forwards, so no frame refers to it.
    auto guard = [&svc, &access, &bind](access_rule rule, handler_fn fn) -> http::handler {
        if (access.control == nullptr) {
            return bind(fn);
        }
        return [&svc, control = access.control, rule, fn](http::request& req) {
            return guarded(svc, *control, rule, fn, req);
        };
    };
    auto upload_guard = [&svc, &access](prefixed_fn fn) -> http::handler {
        if (access.control == nullptr) {
            return [&svc, fn](http::request& req) { return fn(svc, req, {}); };
        }
        return [&svc, control = access.control, fn](http::request& req) {
            return guarded_upload(svc, *control, fn, req);
        };
    };
    r.add(verb::get, "/", bind(index_page));
    r.add(verb::get, "/ui/{asset}", bind(page_asset));
    r.add(verb::get, "/health", bind(health));
    r.add(verb::get, "/readyz", bind(readyz));
    r.add(verb::get, "/livez", bind(livez));
    r.add(verb::get, "/metrics",
          access.protect_metrics ? guard(access_rule::metrics, metrics_page) : bind(metrics_page));
    r.add(verb::get, "/openapi.json", bind(openapi_document));
    r.add(verb::get, "/docs", bind(docs_page));
    r.add(verb::get, "/docs/{asset}", bind(docs_asset));
    r.add(verb::get, "/files/", guard(access_rule::listing, list_files));
    r.add(verb::post, "/files/", guard(access_rule::upload, post_files));
    r.add(verb::get, "/files/{name}", guard(access_rule::file, get_file));
    r.add(verb::put, "/files/{name}", guard(access_rule::file, put_file));
    r.add(verb::delete_, "/files/{name}", guard(access_rule::file, delete_file));
    r.add(verb::options, "/uploads/", bind(tus_options));
    r.add(verb::post, "/uploads/", upload_guard(tus_create));
    r.add(verb::options, "/uploads/{id}", bind(tus_options));
    r.add(verb::head, "/uploads/{id}", upload_guard(tus_head));
    r.add(verb::patch, "/uploads/{id}", upload_guard(tus_patch));
    r.add(verb::delete_, "/uploads/{id}", upload_guard(tus_delete));
    return r;
}

}  // namespace simplefs::api
