#include "api/web_page.hpp"

#include "api/preconditions.hpp"
#include "api/query.hpp"
#include "http/conditional.hpp"

#include <fmt/format.h>

#include <array>
#include <cstdint>
#include <string>

namespace simplefs::api {
namespace {

using http::field;
using http::status;

constexpr std::string_view index_name = "index.html";
// The files index.html links as "/ui/<name>": each link gets "?v=<hash of the file>".
constexpr std::array<std::string_view, 3> linked_assets{"style.css", "app.js", "icon.svg"};
constexpr std::string_view immutable = "public, max-age=31536000, immutable";
constexpr std::string_view revalidate = "no-cache";
// The page runs only its own script and style: no inline code, nothing from elsewhere.
constexpr std::string_view page_policy =
    "default-src 'self'; img-src 'self' data:; object-src 'none'; base-uri 'none'; "
    "frame-ancestors 'none'; form-action 'self'";

// FNV-1a (64 bits) of the bytes: a version for browser caches, not a security measure.
std::string content_hash(std::string_view bytes) {
    std::uint64_t h = 14695981039346656037ULL;
    for (const unsigned char c : bytes) {
        h ^= c;
        h *= 1099511628211ULL;
    }
    return fmt::format("{:016x}", h);
}

struct built_index {
    std::string html;
    std::string hash;
};

// index.html with versioned asset links, built once: the embedded files never change.
const built_index* index_document() {
    static const std::optional<built_index> built = []() -> std::optional<built_index> {
        auto index = find_page_asset(index_name);
        if (!index) {
            return std::nullopt;
        }
        std::string html(index->bytes);
        for (const std::string_view name : linked_assets) {
            auto asset = find_page_asset(name);
            if (!asset) {
                return std::nullopt;
            }
            const std::string link = fmt::format("\"/ui/{}\"", name);
            const std::string versioned =
                fmt::format("\"/ui/{}?v={}\"", name, content_hash(asset->bytes));
            for (auto at = html.find(link); at != std::string::npos;
                 at = html.find(link, at + versioned.size())) {
                html.replace(at, link.size(), versioned);
            }
        }
        std::string hash = content_hash(html);
        return built_index{std::move(html), std::move(hash)};
    }();
    return built ? &*built : nullptr;
}

// 200 with the body, or 304 when the request's If-None-Match names this version.
http::response cached(const http::request& req, std::string_view body,
                      std::string_view content_type, std::string_view hash,
                      std::string_view cache_control) {
    const http::entity_tag tag{std::string(hash), false};
    const request_conditions conditions(req.header);
    const auto outcome = http::evaluate_preconditions(
        conditions.view(), http::resource_state{.exists = true, .etag = tag}, true, false);
    http::response res;
    if (outcome.result == http::precondition_result::not_modified) {
        res.message.result(status::not_modified);
    } else {
        res = http::make_response(status::ok, std::string(body), content_type);
    }
    res.message.set(field::etag, tag.to_string());
    res.message.set(field::cache_control, cache_control);
    res.message.set("X-Content-Type-Options", "nosniff");
    return res;
}

http::response build_bug() {
    // The build always embeds web/page/; a binary without it is a build bug.
    return http::error_response(status::internal_server_error, "Internal Server Error");
}

}  // namespace

boost::asio::awaitable<http::response> index_page(services&, http::request& req) {
    const built_index* index = index_document();
    if (index == nullptr) {
        co_return build_bug();
    }
    auto res = cached(req, index->html, "text/html; charset=utf-8", index->hash, revalidate);
    res.message.set("Content-Security-Policy", page_policy);
    co_return res;
}

boost::asio::awaitable<http::response> page_asset(services&, http::request& req) {
    auto asset = req.route_param == index_name ? std::nullopt : find_page_asset(req.route_param);
    if (!asset) {
        co_return http::error_response(status::not_found, "Not Found");
    }
    const std::string hash = content_hash(asset->bytes);
    const bool versioned = query_value(req.query, "v") == hash;
    co_return cached(req, asset->bytes, asset->content_type, hash,
                     versioned ? immutable : revalidate);
}

}  // namespace simplefs::api
