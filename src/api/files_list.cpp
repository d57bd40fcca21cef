#include "api/file_metadata.hpp"
#include "api/handlers.hpp"
#include "api/problem.hpp"
#include "api/query.hpp"
#include "storage/name.hpp"

#include <boost/json/array.hpp>
#include <boost/json/object.hpp>
#include <boost/json/serialize.hpp>

#include <charconv>

namespace simplefs::api {
namespace {

using http::status;

constexpr std::size_t default_limit = 1000;
constexpr std::size_t max_limit = 10000;

struct list_query {
    storage::list_options options;
    std::optional<std::string> error;
};

list_query parse_query(std::string_view query) {
    list_query q;
    q.options.limit = default_limit;
    q.options.prefix = query_value(query, "prefix").value_or("");
    q.options.after = query_value(query, "cursor").value_or("");
    if (auto text = query_value(query, "limit")) {
        std::size_t limit = 0;
        auto [end, ec] = std::from_chars(text->data(), text->data() + text->size(), limit);
        if (ec != std::errc() || end != text->data() + text->size() || limit == 0 ||
            limit > max_limit) {
            q.error = "limit must be a whole number from 1 to 10000";
        }
        q.options.limit = limit;
    }
    return q;
}

}  // namespace

boost::asio::awaitable<http::response> list_files(services& svc, http::request& req) {
    // "" for GET /files/, "a/b" for GET /files/a/b/
    std::string_view folder = req.route_param;
    if (folder.ends_with('/')) {
        folder.remove_suffix(1);
    }
    if (!folder.empty()) {
        if (auto ec = storage::validate_name(folder)) {
            co_return storage_problem(ec);
        }
    }
    auto query = parse_query(req.query);
    if (query.error) {
        co_return http::error_response(status::bad_request, *query.error);
    }
    auto page = co_await svc.pool.run([&] { return svc.store.list(folder, query.options); });
    if (!page) {
        co_return storage_problem(page.error());
    }
    const std::string base = folder.empty() ? std::string() : std::string(folder) + '/';
    boost::json::array files;
    for (const auto& entry : page->files) {
        const std::string name = base + entry.name;
        boost::json::object o;
        o["name"] = name;
        o["size"] = entry.info.size;
        o["modified"] = rfc3339(entry.info.modified);
        o["etag"] = entity_tag_of(entry.info);
        o["content_type"] = content_type_of(svc.mime, name, entry.info);
        files.push_back(std::move(o));
    }
    boost::json::array folders;
    for (const auto& sub : page->folders) {
        folders.push_back(boost::json::string(base + sub + '/'));
    }
    boost::json::object body;
    body["files"] = std::move(files);
    body["folders"] = std::move(folders);
    if (page->next_after) {
        body["next"] = *page->next_after;
    } else {
        body["next"] = nullptr;
    }
    co_return http::json_response(status::ok, boost::json::serialize(body));
}

}  // namespace simplefs::api
