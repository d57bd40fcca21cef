#include "auth/url_signer.hpp"

#include <gtest/gtest.h>

#include <unistd.h>

#include <cctype>
#include <filesystem>
#include <fstream>

namespace simplefs::auth {
namespace {

const std::string secret = "0123456789abcdef0123456789abcdef";
constexpr std::int64_t expires = 1'800'000'000;

TEST(UrlSigner, RoundTrip) {
    const url_signer signer(secret);
    const std::string sig = signer.sign("GET", "a/b c.txt", expires);
    EXPECT_EQ(sig.size(), 64u);
    EXPECT_EQ(sig.find_first_not_of("0123456789abcdef"), std::string::npos);
    EXPECT_EQ(signer.verify("GET", "a/b c.txt", std::to_string(expires), sig, expires - 10),
              signature_check::valid);
    // the last second still counts
    EXPECT_EQ(signer.verify("GET", "a/b c.txt", std::to_string(expires), sig, expires),
              signature_check::valid);
}

TEST(UrlSigner, KnownAnswer) {
    // HMAC-SHA256(key, "SIMPLEFS-HMAC-SHA256\nGET\nreport.pdf\n1800000000\n"), as computed by
    // `printf 'SIMPLEFS-HMAC-SHA256\nGET\nreport.pdf\n1800000000\n' |
    //  openssl dgst -sha256 -hmac 0123456789abcdef0123456789abcdef`
    EXPECT_EQ(canonical_request("GET", "report.pdf", expires),
              "SIMPLEFS-HMAC-SHA256\nGET\nreport.pdf\n1800000000\n");
    EXPECT_EQ(url_signer(secret).sign("GET", "report.pdf", expires),
              "9abaa08b5e3f1b5acf64af9fd2ec447e1831b35c9ed6b4e050f92fc97df0a7a8");
}

TEST(UrlSigner, ExpiredOnlyAfterTheSignatureChecks) {
    const url_signer signer(secret);
    const std::string sig = signer.sign("PUT", "x", expires);
    EXPECT_EQ(signer.verify("PUT", "x", std::to_string(expires), sig, expires + 1),
              signature_check::expired);
    std::string wrong = sig;
    wrong[0] = wrong[0] == '0' ? '1' : '0';
    EXPECT_EQ(signer.verify("PUT", "x", std::to_string(expires), wrong, expires + 1),
              signature_check::invalid);
}

TEST(UrlSigner, AnyChangeIsInvalid) {
    const url_signer signer(secret);
    const std::string sig = signer.sign("GET", "dir/file.txt", expires);
    const std::string exp = std::to_string(expires);
    const std::int64_t now = expires - 100;
    EXPECT_EQ(signer.verify("PUT", "dir/file.txt", exp, sig, now), signature_check::invalid);
    EXPECT_EQ(signer.verify("DELETE", "dir/file.txt", exp, sig, now), signature_check::invalid);
    EXPECT_EQ(signer.verify("GET", "dir/file.txt2", exp, sig, now), signature_check::invalid);
    EXPECT_EQ(signer.verify("GET", "dir/file.tx", exp, sig, now), signature_check::invalid);
    EXPECT_EQ(signer.verify("GET", "Dir/file.txt", exp, sig, now), signature_check::invalid);
    EXPECT_EQ(signer.verify("GET", "dir/file.txt", std::to_string(expires + 1), sig, now),
              signature_check::invalid);
    EXPECT_EQ(signer.verify("GET", "dir/file.txt", "0" + exp, sig, now), signature_check::invalid);
    EXPECT_EQ(signer.verify("GET", "dir/file.txt", "+" + exp, sig, now), signature_check::invalid);
    EXPECT_EQ(signer.verify("GET", "dir/file.txt", exp + "x", sig, now), signature_check::invalid);
    EXPECT_EQ(signer.verify("GET", "dir/file.txt", "", sig, now), signature_check::invalid);
    EXPECT_EQ(signer.verify("GET", "dir/file.txt", "-1", sig, now), signature_check::invalid);
    EXPECT_EQ(signer.verify("GET", "dir/file.txt", "99999999999999999999999", sig, now),
              signature_check::invalid);
    EXPECT_EQ(signer.verify("GET", "dir/file.txt", exp, sig.substr(0, 63), now),
              signature_check::invalid);
    EXPECT_EQ(signer.verify("GET", "dir/file.txt", exp, sig + "0", now), signature_check::invalid);
    EXPECT_EQ(signer.verify("GET", "dir/file.txt", exp, "", now), signature_check::invalid);
    std::string upper = sig;
    for (char& c : upper) {
        c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
    }
    if (upper != sig) {
        EXPECT_EQ(signer.verify("GET", "dir/file.txt", exp, upper, now), signature_check::invalid);
    }
    // another secret
    EXPECT_EQ(url_signer(secret + "x").verify("GET", "dir/file.txt", exp, sig, now),
              signature_check::invalid);
}

TEST(UrlSigner, FieldsCannotBeShiftedIntoEachOther) {
    const url_signer signer(secret);
    EXPECT_NE(signer.sign("GET", "a\n1", 2), signer.sign("GET", "a", 12));
    EXPECT_NE(canonical_request("GET", "a\n1", 2), canonical_request("GET", "a", 12));
}

TEST(SignedUrl, EncodesTheNameAndKeepsSlashes) {
    const url_signer signer(secret);
    const std::string url = signed_url(signer, "http://host:8080/", "GET", "dir/a b&c%.txt", 42);
    EXPECT_EQ(url,
              "http://host:8080/files/dir/a%20b%26c%25.txt?X-Simplefs-Expires=42&"
              "X-Simplefs-Signature=" +
                  signer.sign("GET", "dir/a b&c%.txt", 42));
}

TEST(SecretFile, TrailingNewlineIgnoredShortRefused) {
    const auto dir = std::filesystem::temp_directory_path() /
                     ("simplefs_secret_test_" + std::to_string(::getpid()));
    std::filesystem::create_directories(dir);
    const auto good = (dir / "good").string();
    const auto short_one = (dir / "short").string();
    std::ofstream(good) << secret << "\n";
    std::ofstream(short_one) << "0123456789abcdef0123456789abcde\n";  // 31 bytes
    auto loaded = load_secret_file(good);
    ASSERT_TRUE(loaded.secret) << loaded.error;
    EXPECT_EQ(*loaded.secret, secret);
    auto refused = load_secret_file(short_one);
    EXPECT_FALSE(refused.secret);
    EXPECT_NE(refused.error.find("at least 32 bytes"), std::string::npos) << refused.error;
    EXPECT_FALSE(load_secret_file((dir / "missing").string()).secret);
    std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace simplefs::auth
