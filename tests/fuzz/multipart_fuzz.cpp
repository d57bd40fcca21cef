// A multipart/form-data upload: the Content-Type value through form_data_boundary, the body
// through multipart_parser. The body is parsed twice, in one piece and in small pieces, and the
// two runs must report the same parts, contents and outcome: the parser's results must not
// depend on how the network splits the body.
//
// Input: one byte of options, the Content-Type value up to '\n', then the body.

#include "fuzz_support.hpp"
#include "http/multipart.hpp"

#include <algorithm>
#include <string>
#include <vector>

namespace {

using namespace simplefs::http;

struct parsed_part {
    multipart_part head;
    std::string content;
    bool ended = false;
};

struct parse_result {
    std::vector<parsed_part> parts;
    bool done = false;
    boost::system::error_code finish;
};

bool same(const multipart_part& a, const multipart_part& b) {
    return a.name == b.name && a.filename == b.filename && a.content_type == b.content_type;
}

parse_result parse(const std::string& boundary, const multipart_limits& limits,
                   std::string_view body, std::size_t piece_size) {
    multipart_parser parser(boundary, limits);
    parse_result out;
    boost::system::error_code ec;
    while (!ec) {
        // The parser holds no reference to earlier pieces: give it a copy that dies after use.
        const std::string piece(body.substr(0, piece_size));
        body.remove_prefix(piece.size());
        std::string_view rest = piece;
        for (;;) {
            const auto event = parser.next(rest, ec);
            if (event == multipart_event::need_more) {
                break;
            }
            if (event == multipart_event::part_begin) {
                out.parts.push_back({parser.part(), {}, false});
                const auto& name = parser.part().filename;
                if (name) {
                    SIMPLEFS_FUZZ_CHECK(std::none_of(name->begin(), name->end(), [](char c) {
                        auto u = static_cast<unsigned char>(c);
                        return (u < 0x20 && c != '\t') || u == 0x7f;
                    }));
                }
            } else if (event == multipart_event::part_data) {
                SIMPLEFS_FUZZ_CHECK(!out.parts.empty() && !out.parts.back().ended);
                SIMPLEFS_FUZZ_CHECK(!parser.data().empty());
                out.parts.back().content += parser.data();
            } else if (event == multipart_event::part_end) {
                SIMPLEFS_FUZZ_CHECK(!out.parts.empty() && !out.parts.back().ended);
                out.parts.back().ended = true;
            } else if (event == multipart_event::done) {
                out.done = true;
                break;
            }
        }
        if (out.done || body.empty()) {
            break;
        }
    }
    SIMPLEFS_FUZZ_CHECK(out.parts.size() <= limits.max_parts);
    out.finish = parser.finish();
    SIMPLEFS_FUZZ_CHECK(out.done == !out.finish);
    return out;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    simplefs::fuzz::input in(data, size);
    const std::uint8_t flags = in.byte();
    const auto content_type = in.line();
    const auto body = in.rest();

    multipart_limits limits;
    if (flags & 1) {
        // Small enough for short inputs to reach every limit.
        limits = {.max_header_bytes = 128, .max_parts = 3, .max_headers_per_part = 2};
    }
    const auto found = form_data_boundary(content_type);
    if (found) {
        SIMPLEFS_FUZZ_CHECK(!found->empty() && found->size() <= 70);
    }
    // An unusable value still makes a boundary: the parser must refuse it itself.
    const std::string boundary = found ? *found : std::string(content_type);

    const auto whole = parse(boundary, limits, body, body.size() + 1);
    const std::size_t piece = std::size_t{1} + (flags >> 1) % 16;
    const auto split = parse(boundary, limits, body, piece);
    SIMPLEFS_FUZZ_CHECK(whole.finish == split.finish);
    SIMPLEFS_FUZZ_CHECK(whole.done == split.done);
    if (!whole.finish) {
        SIMPLEFS_FUZZ_CHECK(whole.parts.size() == split.parts.size());
        for (std::size_t i = 0; i < whole.parts.size(); ++i) {
            SIMPLEFS_FUZZ_CHECK(same(whole.parts[i].head, split.parts[i].head));
            SIMPLEFS_FUZZ_CHECK(whole.parts[i].content == split.parts[i].content);
            SIMPLEFS_FUZZ_CHECK(whole.parts[i].ended && split.parts[i].ended);
        }
    }
    return 0;
}
