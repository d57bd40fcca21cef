#include "auth/access_control.hpp"

#include <gtest/gtest.h>

namespace simplefs::auth {
namespace {

const std::string secret = "0123456789abcdef0123456789abcdef";
constexpr std::int64_t now = 1'800'000'000;

constexpr std::string_view admin = "admin-token-000000000000";
constexpr std::string_view reader = "reader-token-00000000000";
constexpr std::string_view alice = "alice-token-000000000000";
constexpr std::string_view lister = "lister-token-00000000000";

std::shared_ptr<const token_table> tokens(std::string_view text) {
    auto parsed = token_table::parse(text);
    EXPECT_TRUE(parsed.table) << parsed.error;
    return std::make_shared<const token_table>(std::move(*parsed.table));
}

std::shared_ptr<const token_table> sample_tokens() {
    return tokens(
        "admin-token-000000000000 admin read,write,delete,list\n"
        "reader-token-00000000000 reader read\n"
        "alice-token-000000000000 alice read,write,delete,list users/alice\n"
        "lister-token-00000000000 lister list\n");
}

access_control make(std::shared_ptr<const token_table> t, bool signing = true) {
    std::optional<url_signer> signer;
    if (signing) {
        signer.emplace(secret);
    }
    return access_control(std::move(t), std::move(signer), [] { return now; });
}

access_request file(scope s, std::string_view method, std::string_view name) {
    return {s, method, name, false};
}

access_request listing(std::string_view names_start) {
    return {scope::list, "GET", names_start, true};
}

credentials bearer(std::string_view token) {
    return {token, std::nullopt, std::nullopt};
}

outcome decide(const access_control& ac, const access_request& r, const credentials& c) {
    return ac.authorize(r, c).result;
}

TEST(AccessControl, TokensOffAllowsEverythingWithoutCredentials) {
    const auto ac = make(nullptr, false);
    EXPECT_FALSE(ac.tokens_enabled());
    EXPECT_EQ(decide(ac, file(scope::write, "PUT", "x"), {}), outcome::allowed);
    EXPECT_EQ(decide(ac, listing(""), {}), outcome::allowed);
    EXPECT_TRUE(ac.authorize_any_token({}).allowed());
}

TEST(AccessControl, MissingAndInvalidTokens) {
    const auto ac = make(sample_tokens());
    EXPECT_EQ(decide(ac, file(scope::read, "GET", "x"), {}), outcome::no_credentials);
    EXPECT_EQ(decide(ac, file(scope::read, "GET", "x"), bearer("nope-nope-nope-nope")),
              outcome::invalid_token);
    EXPECT_EQ(decide(ac, file(scope::read, "GET", "x"), bearer("")), outcome::invalid_token);
    EXPECT_EQ(ac.authorize_any_token({}).result, outcome::no_credentials);
    EXPECT_EQ(ac.authorize_any_token(bearer("nope-nope-nope-nope")).result, outcome::invalid_token);
    const auto any = ac.authorize_any_token(bearer(lister));
    EXPECT_TRUE(any.allowed());
    EXPECT_EQ(any.who, "lister");
}

TEST(AccessControl, Scopes) {
    const auto ac = make(sample_tokens());
    for (const auto s : {scope::read, scope::write, scope::remove}) {
        EXPECT_EQ(decide(ac, file(s, "GET", "a/b"), bearer(admin)), outcome::allowed);
    }
    EXPECT_EQ(decide(ac, listing(""), bearer(admin)), outcome::allowed);

    EXPECT_EQ(decide(ac, file(scope::read, "GET", "a"), bearer(reader)), outcome::allowed);
    EXPECT_EQ(decide(ac, file(scope::write, "PUT", "a"), bearer(reader)), outcome::missing_scope);
    EXPECT_EQ(decide(ac, file(scope::remove, "DELETE", "a"), bearer(reader)),
              outcome::missing_scope);
    EXPECT_EQ(decide(ac, listing(""), bearer(reader)), outcome::missing_scope);

    EXPECT_EQ(decide(ac, listing("x/"), bearer(lister)), outcome::allowed);
    EXPECT_EQ(decide(ac, file(scope::read, "GET", "a"), bearer(lister)), outcome::missing_scope);
    const auto refused = ac.authorize(file(scope::write, "PUT", "a"), bearer(reader));
    EXPECT_EQ(refused.who, "reader");
}

TEST(AccessControl, PrefixLimitsFilesAndListings) {
    const auto ac = make(sample_tokens());
    const auto as_alice = bearer(alice);
    EXPECT_EQ(decide(ac, file(scope::read, "GET", "users/alice"), as_alice), outcome::allowed);
    EXPECT_EQ(decide(ac, file(scope::write, "PUT", "users/alice/a.txt"), as_alice),
              outcome::allowed);
    EXPECT_EQ(decide(ac, file(scope::remove, "DELETE", "users/alice/x/y"), as_alice),
              outcome::allowed);
    EXPECT_EQ(decide(ac, file(scope::read, "GET", "users/alice2/a"), as_alice),
              outcome::outside_prefix);
    EXPECT_EQ(decide(ac, file(scope::read, "GET", "users/bob/a"), as_alice),
              outcome::outside_prefix);
    EXPECT_EQ(decide(ac, file(scope::write, "PUT", "a.txt"), as_alice), outcome::outside_prefix);

    // listings: every name they could show must be under the prefix
    EXPECT_EQ(decide(ac, listing("users/alice/"), as_alice), outcome::allowed);
    EXPECT_EQ(decide(ac, listing("users/alice/sub/"), as_alice), outcome::allowed);
    EXPECT_EQ(decide(ac, listing("users/alice/re"), as_alice), outcome::allowed);
    EXPECT_EQ(decide(ac, listing(""), as_alice), outcome::outside_prefix);
    EXPECT_EQ(decide(ac, listing("users/"), as_alice), outcome::outside_prefix);
    EXPECT_EQ(decide(ac, listing("users/alice"), as_alice), outcome::outside_prefix);
    EXPECT_EQ(decide(ac, listing("users/bob/"), as_alice), outcome::outside_prefix);

    // an upload whose names come later: allowed, with the prefix to check them against
    const auto upload = ac.authorize({scope::write, "POST", std::nullopt, false}, as_alice);
    ASSERT_TRUE(upload.allowed());
    EXPECT_EQ(upload.prefix, "users/alice");
    EXPECT_TRUE(upload.may_touch("users/alice/new.txt"));
    EXPECT_FALSE(upload.may_touch("users/bob/new.txt"));
    const auto unlimited = ac.authorize({scope::write, "POST", std::nullopt, false}, bearer(admin));
    ASSERT_TRUE(unlimited.allowed());
    EXPECT_TRUE(unlimited.may_touch("anything/at/all"));
}

credentials signed_for(std::string_view method, std::string_view name, std::int64_t expires,
                       std::string& exp_text, std::string& sig) {
    exp_text = std::to_string(expires);
    sig = url_signer(secret).sign(method, name, expires);
    return {std::nullopt, exp_text, sig};
}

TEST(AccessControl, SignedUrlGrantsOneMethodOnOneName) {
    const auto ac = make(sample_tokens());
    std::string exp;
    std::string sig;
    const auto get = signed_for("GET", "dir/f.txt", now + 60, exp, sig);
    EXPECT_EQ(decide(ac, file(scope::read, "GET", "dir/f.txt"), get), outcome::allowed);
    EXPECT_EQ(decide(ac, file(scope::read, "HEAD", "dir/f.txt"), get), outcome::allowed);
    EXPECT_EQ(decide(ac, file(scope::write, "PUT", "dir/f.txt"), get), outcome::bad_signature);
    EXPECT_EQ(decide(ac, file(scope::remove, "DELETE", "dir/f.txt"), get), outcome::bad_signature);
    EXPECT_EQ(decide(ac, file(scope::read, "GET", "dir/g.txt"), get), outcome::bad_signature);
    EXPECT_EQ(decide(ac, listing("dir/f.txt"), get), outcome::bad_signature);
    EXPECT_EQ(decide(ac, {scope::write, "POST", std::nullopt, false}, get), outcome::bad_signature);

    std::string exp2;
    std::string sig2;
    const auto put = signed_for("PUT", "up.bin", now + 60, exp2, sig2);
    EXPECT_EQ(decide(ac, file(scope::write, "PUT", "up.bin"), put), outcome::allowed);
    EXPECT_EQ(decide(ac, file(scope::read, "GET", "up.bin"), put), outcome::bad_signature);
}

TEST(AccessControl, SignatureDecidesEvenWithAToken) {
    const auto ac = make(sample_tokens());
    std::string exp;
    std::string sig;
    auto c = signed_for("GET", "a", now + 60, exp, sig);
    c.bearer = admin;
    sig[3] = sig[3] == 'a' ? 'b' : 'a';
    c.signature = sig;
    EXPECT_EQ(decide(ac, file(scope::read, "GET", "a"), c), outcome::bad_signature);
}

TEST(AccessControl, ExpiredAndHalfSignedUrls) {
    const auto ac = make(sample_tokens());
    std::string exp;
    std::string sig;
    const auto old = signed_for("GET", "a", now - 1, exp, sig);
    EXPECT_EQ(decide(ac, file(scope::read, "GET", "a"), old), outcome::expired_signature);
    const auto last_second = signed_for("GET", "a", now, exp, sig);
    EXPECT_EQ(decide(ac, file(scope::read, "GET", "a"), last_second), outcome::allowed);

    const credentials only_expiry{std::nullopt, exp, std::nullopt};
    EXPECT_EQ(decide(ac, file(scope::read, "GET", "a"), only_expiry), outcome::bad_signature);
    const credentials only_signature{std::nullopt, std::nullopt, sig};
    EXPECT_EQ(decide(ac, file(scope::read, "GET", "a"), only_signature), outcome::bad_signature);
}

TEST(AccessControl, SignaturesWithoutASecret) {
    const auto ac = make(sample_tokens(), /*signing=*/false);
    std::string exp;
    std::string sig;
    const auto get = signed_for("GET", "a", now + 60, exp, sig);
    EXPECT_EQ(decide(ac, file(scope::read, "GET", "a"), get), outcome::signing_disabled);
}

TEST(AccessControl, SignaturesAreCheckedWhenTokensAreOff) {
    const auto ac = make(nullptr);
    std::string exp;
    std::string sig;
    const auto get = signed_for("GET", "a", now + 60, exp, sig);
    EXPECT_EQ(decide(ac, file(scope::read, "GET", "a"), get), outcome::allowed);
    EXPECT_EQ(decide(ac, file(scope::read, "GET", "b"), get), outcome::bad_signature);
}

TEST(AccessControl, ReplaceTokens) {
    auto ac = make(sample_tokens());
    EXPECT_EQ(decide(ac, file(scope::read, "GET", "a"), bearer(reader)), outcome::allowed);
    ac.replace_tokens(tokens("newcomer-token-000000000 new read\n"));
    EXPECT_EQ(decide(ac, file(scope::read, "GET", "a"), bearer(reader)), outcome::invalid_token);
    EXPECT_EQ(decide(ac, file(scope::read, "GET", "a"), bearer("newcomer-token-000000000")),
              outcome::allowed);

    // tokens stay off once off
    auto off = make(nullptr);
    off.replace_tokens(sample_tokens());
    EXPECT_FALSE(off.tokens_enabled());
    EXPECT_EQ(decide(off, file(scope::read, "GET", "a"), {}), outcome::allowed);
}

TEST(AccessControl, ReplaceSigner) {
    auto ac = make(nullptr);
    std::string exp;
    std::string sig;
    const auto old_url = signed_for("GET", "a", now + 60, exp, sig);
    EXPECT_EQ(decide(ac, file(scope::read, "GET", "a"), old_url), outcome::allowed);
    const std::string rotated(40, 'r');
    ac.replace_signer(url_signer(rotated));
    EXPECT_EQ(decide(ac, file(scope::read, "GET", "a"), old_url), outcome::bad_signature);
    const std::string new_exp = std::to_string(now + 60);
    const std::string new_sig = url_signer(rotated).sign("GET", "a", now + 60);
    EXPECT_EQ(decide(ac, file(scope::read, "GET", "a"), {std::nullopt, new_exp, new_sig}),
              outcome::allowed);

    // signing stays off once off
    auto off = make(sample_tokens(), false);
    off.replace_signer(url_signer(rotated));
    EXPECT_FALSE(off.signing_enabled());
    EXPECT_EQ(decide(off, file(scope::read, "GET", "a"), {std::nullopt, new_exp, new_sig}),
              outcome::signing_disabled);
}

}  // namespace
}  // namespace simplefs::auth
