#include "api/file_metadata.hpp"
#include "api/handlers.hpp"
#include "api/problem.hpp"
#include "api/query.hpp"
#include "storage/name.hpp"

#include <boost/json/array.hpp>
#include <boost/json/object.hpp>
#include <boost/json/serialize.hpp>

namespace simplefs::api {

using http::status;

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
    auto query = parse_list_query(req.query);
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
