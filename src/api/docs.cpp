#include "api/docs.hpp"

#include <string>

namespace simplefs::api {
namespace {

constexpr std::string_view openapi_name = "openapi.json";

// Swagger UI with everything served by simplefs itself: no CDN, and no online validator badge
// (validatorUrl: null), so the page makes no request outside this server.
constexpr std::string_view docs_html = R"html(<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>simplefs API</title>
<link rel="icon" type="image/png" href="/docs/favicon-32x32.png">
<link rel="stylesheet" href="/docs/swagger-ui.css">
</head>
<body>
<div id="swagger-ui"></div>
<script src="/docs/swagger-ui-bundle.js"></script>
<script src="/docs/swagger-ui-standalone-preset.js"></script>
<script>
window.addEventListener("load", function () {
  window.ui = SwaggerUIBundle({
    url: "/openapi.json",
    dom_id: "#swagger-ui",
    deepLinking: true,
    validatorUrl: null,
    presets: [SwaggerUIBundle.presets.apis, SwaggerUIStandalonePreset],
    plugins: [SwaggerUIBundle.plugins.DownloadUrl],
    layout: "StandaloneLayout"
  });
});
</script>
</body>
</html>
)html";

http::response not_found() {
    return http::error_response(http::status::not_found, "Not Found");
}

}  // namespace

boost::asio::awaitable<http::response> openapi_document(services&, http::request&) {
    auto doc = find_docs_asset(openapi_name);
    if (!doc) {
        // The build always embeds it; a binary without it is a build bug.
        co_return http::error_response(http::status::internal_server_error,
                                       "Internal Server Error");
    }
    co_return http::json_response(http::status::ok, std::string(doc->bytes));
}

boost::asio::awaitable<http::response> docs_page(services&, http::request&) {
    co_return http::make_response(http::status::ok, std::string(docs_html),
                                  "text/html; charset=utf-8");
}

boost::asio::awaitable<http::response> docs_asset(services&, http::request& req) {
    auto asset = find_docs_asset(req.route_param);
    if (!asset) {
        co_return not_found();
    }
    auto res =
        http::make_response(http::status::ok, std::string(asset->bytes), asset->content_type);
    res.message.set(http::field::cache_control, "public, max-age=86400");
    res.message.set("X-Content-Type-Options", "nosniff");
    co_return res;
}

}  // namespace simplefs::api
