// Digest fields of uploads and downloads: Content-Digest and Content-MD5 (parse_content_digests),
// Want-Repr-Digest (wants_sha256), and the base64 they are written in.
//
// Input: lines: Content-Digest, Content-MD5, Want-Repr-Digest; the whole input is also tried
// as base64 and as hex.

#include "fuzz_support.hpp"
#include "http/digest_fields.hpp"

#include <algorithm>
#include <string>

using namespace simplefs::http;

namespace {

bool lower_hex(const std::string& s) {
    return std::all_of(s.begin(), s.end(),
                       [](char c) { return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'); });
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    simplefs::fuzz::input in(data, size);
    const auto whole = in.rest();
    const auto content_digest = in.line();
    const auto content_md5 = in.line();
    const auto want = in.line();

    const auto digests = parse_content_digests(content_digest, content_md5);
    if (digests.sha256_hex) {
        SIMPLEFS_FUZZ_CHECK(digests.sha256_hex->size() == 64 && lower_hex(*digests.sha256_hex));
        // What we send back for it is a field we accept.
        const auto field = format_sha256_digest_field(*digests.sha256_hex);
        const auto again = parse_content_digests(field, "");
        SIMPLEFS_FUZZ_CHECK(!again.malformed && again.sha256_hex == digests.sha256_hex);
    }
    if (digests.md5_hex) {
        SIMPLEFS_FUZZ_CHECK(digests.md5_hex->size() == 32 && lower_hex(*digests.md5_hex));
    }
    (void)wants_sha256(want);

    if (const auto bytes = base64_decode(whole)) {
        // Only the canonical encoding is accepted, so it is what encoding gives back.
        SIMPLEFS_FUZZ_CHECK(base64_encode(*bytes) == whole);
        const auto hex = base64_to_hex(whole);
        SIMPLEFS_FUZZ_CHECK(hex && hex->size() == 2 * bytes->size() && lower_hex(*hex));
        SIMPLEFS_FUZZ_CHECK(hex_to_base64(*hex) == whole);
    }
    // Documented as memory-safe on any input, if meaningless on broken hex.
    (void)hex_to_base64(whole);
    return 0;
}
