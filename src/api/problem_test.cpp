#include "api/problem.hpp"

#include "storage/errc.hpp"

#include <gtest/gtest.h>

namespace simplefs::api {
namespace {

using http::field;
using http::status;

TEST(StorageProblem, UnavailableIs503WithRetryAfter) {
    const http::response res = storage_problem(storage::errc::unavailable);
    EXPECT_EQ(res.message.result(), status::service_unavailable);
    EXPECT_EQ(res.message.body(), R"({"detail":"Storage unavailable"})");
    EXPECT_EQ(res.message[field::content_type], "application/json");
    EXPECT_EQ(res.message[field::retry_after], "5");
}

TEST(StorageProblem, OtherErrorsHaveNoRetryAfter) {
    const http::response res = storage_problem(storage::errc::not_found);
    EXPECT_EQ(res.message.result(), status::not_found);
    EXPECT_EQ(res.message.count(field::retry_after), 0u);
    EXPECT_EQ(storage_problem(storage::errc::io_error).message.result(),
              status::internal_server_error);
}

TEST(UnavailableResponse, CarriesTheDetail) {
    const http::response res = unavailable_response("Storage unavailable: probe \"failed\"");
    EXPECT_EQ(res.message.result(), status::service_unavailable);
    EXPECT_EQ(res.message.body(), R"({"detail":"Storage unavailable: probe \"failed\""})");
    EXPECT_EQ(res.message[field::retry_after], "5");
}

}  // namespace
}  // namespace simplefs::api
