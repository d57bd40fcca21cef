#include "http/multipart.hpp"

#include "http/ows.hpp"

#include <algorithm>
#include <cstdint>
#include <utility>

namespace simplefs::http {

namespace {

class multipart_category_impl final : public boost::system::error_category {
public:
    const char* name() const noexcept override { return "simplefs.http.multipart"; }

    std::string message(int ev) const override {
        switch (static_cast<multipart_error>(ev)) {
            case multipart_error::bad_boundary:
                return "invalid multipart boundary";
            case multipart_error::malformed:
                return "malformed multipart body";
            case multipart_error::header_too_large:
                return "multipart part header block too large";
            case multipart_error::too_many_parts:
                return "too many multipart parts";
            case multipart_error::too_many_headers:
                return "too many headers in a multipart part";
            case multipart_error::truncated:
                return "multipart body ended before the close delimiter";
        }
        return "unknown multipart error";
    }
};

constexpr std::size_t max_boundary_length = 70;
constexpr std::size_t virtual_crlf = 2;

bool is_tchar(unsigned char c) noexcept {
    if ((c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z')) {
        return true;
    }
    return std::string_view{"!#$%&'*+-.^_`|~"}.find(static_cast<char>(c)) != std::string_view::npos;
}

bool is_token(std::string_view s) noexcept {
    return !s.empty() && std::all_of(s.begin(), s.end(), [](char c) {
        return is_tchar(static_cast<unsigned char>(c));
    });
}

bool is_ctl(unsigned char c) noexcept {
    return c < 0x20 || c == 0x7f;
}

char to_lower(char c) noexcept {
    return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c;
}

bool iequals(std::string_view a, std::string_view b) noexcept {
    return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
               return to_lower(x) == to_lower(y);
           });
}

bool is_bchar(char c) noexcept {
    if ((c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z')) {
        return true;
    }
    return std::string_view{"'()+_,-./:=? "}.find(c) != std::string_view::npos;
}

bool valid_boundary(std::string_view b) noexcept {
    return !b.empty() && b.size() <= max_boundary_length && b.back() != ' ' &&
           std::all_of(b.begin(), b.end(), is_bchar);
}

enum class quoting {
    standard,   // RFC 9110 quoted-pair: a backslash escapes any following character
    form_data,  // a backslash escapes only '"' and '\\'; otherwise it is a literal character
};

struct parameter {
    std::string_view name;
    std::string value;
    bool quoted = false;
};

// Parses a quoted-string starting at s[0] == '"'; advances s past the closing quote.
std::optional<std::string> parse_quoted(std::string_view& s, quoting mode) {
    std::string out;
    std::size_t i = 1;
    while (i < s.size()) {
        const char c = s[i];
        if (c == '"') {
            s.remove_prefix(i + 1);
            return out;
        }
        if (is_ctl(static_cast<unsigned char>(c)) && c != '\t') {
            return std::nullopt;
        }
        if (c == '\\' && i + 1 < s.size()) {
            const char next = s[i + 1];
            if (mode == quoting::standard) {
                if (is_ctl(static_cast<unsigned char>(next)) && next != '\t') {
                    return std::nullopt;
                }
                out.push_back(next);
                i += 2;
                continue;
            }
            if (next == '"' || next == '\\') {
                out.push_back(next);
                i += 2;
                continue;
            }
        }
        out.push_back(c);
        ++i;
    }
    return std::nullopt;
}

// Parses `*( OWS ";" OWS [ name OWS "=" OWS value ] ) OWS` and calls on_param for each
// parameter; false if the syntax is broken or on_param returns false.
template <class F>
bool parse_parameters(std::string_view s, quoting mode, F&& on_param) {
    for (;;) {
        s = trim_ows(s);
        if (s.empty()) {
            return true;
        }
        if (s.front() != ';') {
            return false;
        }
        s.remove_prefix(1);
        while (!s.empty() && is_ows(s.front())) {
            s.remove_prefix(1);
        }
        if (s.empty() || s.front() == ';') {
            continue;
        }
        std::size_t n = 0;
        while (n < s.size() && is_tchar(static_cast<unsigned char>(s[n]))) {
            ++n;
        }
        if (n == 0) {
            return false;
        }
        parameter p;
        p.name = s.substr(0, n);
        s.remove_prefix(n);
        while (!s.empty() && is_ows(s.front())) {
            s.remove_prefix(1);
        }
        if (s.empty() || s.front() != '=') {
            return false;
        }
        s.remove_prefix(1);
        while (!s.empty() && is_ows(s.front())) {
            s.remove_prefix(1);
        }
        if (!s.empty() && s.front() == '"') {
            auto value = parse_quoted(s, mode);
            if (!value) {
                return false;
            }
            p.value = std::move(*value);
            p.quoted = true;
        } else {
            n = 0;
            while (n < s.size() && is_tchar(static_cast<unsigned char>(s[n]))) {
                ++n;
            }
            if (n == 0) {
                return false;
            }
            p.value.assign(s.substr(0, n));
            s.remove_prefix(n);
        }
        if (!on_param(p)) {
            return false;
        }
    }
}

int hex_value(char c) noexcept {
    if (c >= '0' && c <= '9') {
        return c - '0';
    }
    if (c >= 'a' && c <= 'f') {
        return c - 'a' + 10;
    }
    if (c >= 'A' && c <= 'F') {
        return c - 'A' + 10;
    }
    return -1;
}

bool valid_utf8(std::string_view s) noexcept {
    std::size_t i = 0;
    while (i < s.size()) {
        const auto c = static_cast<unsigned char>(s[i]);
        if (c < 0x80) {
            ++i;
            continue;
        }
        std::size_t len = 0;
        std::uint32_t cp = 0;
        std::uint32_t min = 0;
        if (c >= 0xc2 && c <= 0xdf) {
            len = 2;
            cp = c & 0x1fU;
            min = 0x80;
        } else if (c >= 0xe0 && c <= 0xef) {
            len = 3;
            cp = c & 0x0fU;
            min = 0x800;
        } else if (c >= 0xf0 && c <= 0xf4) {
            len = 4;
            cp = c & 0x07U;
            min = 0x10000;
        } else {
            return false;
        }
        if (s.size() - i < len) {
            return false;
        }
        for (std::size_t k = 1; k < len; ++k) {
            const auto cc = static_cast<unsigned char>(s[i + k]);
            if ((cc & 0xc0U) != 0x80) {
                return false;
            }
            cp = (cp << 6) | (cc & 0x3fU);
        }
        if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff)) {
            return false;
        }
        i += len;
    }
    return true;
}

bool is_attr_char(char c) noexcept {
    if ((c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z')) {
        return true;
    }
    return std::string_view{"!#$&+-.^_`|~"}.find(c) != std::string_view::npos;
}

// Decodes an RFC 5987 ext-value (charset UTF-8 or ISO-8859-1) to UTF-8 without control
// characters; nullopt when it is malformed or uses another charset.
std::optional<std::string> decode_ext_value(std::string_view v) {
    const std::size_t q1 = v.find('\'');
    if (q1 == std::string_view::npos) {
        return std::nullopt;
    }
    const std::size_t q2 = v.find('\'', q1 + 1);
    if (q2 == std::string_view::npos) {
        return std::nullopt;
    }
    const std::string_view charset = v.substr(0, q1);
    const std::string_view language = v.substr(q1 + 1, q2 - q1 - 1);
    const std::string_view chars = v.substr(q2 + 1);
    const bool utf8 = iequals(charset, "UTF-8");
    if (!utf8 && !iequals(charset, "ISO-8859-1")) {
        return std::nullopt;
    }
    const auto lang_char = [](char c) {
        return c == '-' || (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') ||
               (c >= 'A' && c <= 'Z');
    };
    if (!std::all_of(language.begin(), language.end(), lang_char)) {
        return std::nullopt;
    }
    std::string raw;
    for (std::size_t i = 0; i < chars.size(); ++i) {
        const char c = chars[i];
        if (c == '%') {
            if (chars.size() - i < 3) {
                return std::nullopt;
            }
            const int hi = hex_value(chars[i + 1]);
            const int lo = hex_value(chars[i + 2]);
            if (hi < 0 || lo < 0) {
                return std::nullopt;
            }
            raw.push_back(static_cast<char>(hi * 16 + lo));
            i += 2;
        } else if (is_attr_char(c)) {
            raw.push_back(c);
        } else {
            return std::nullopt;
        }
    }
    std::string out;
    if (utf8) {
        if (!valid_utf8(raw)) {
            return std::nullopt;
        }
        out = std::move(raw);
    } else {
        for (const char c : raw) {
            const auto b = static_cast<unsigned char>(c);
            if (b < 0x80) {
                out.push_back(c);
            } else {
                out.push_back(static_cast<char>(0xc0U | (b >> 6)));
                out.push_back(static_cast<char>(0x80U | (b & 0x3fU)));
            }
        }
    }
    if (std::any_of(out.begin(), out.end(),
                    [](char c) { return is_ctl(static_cast<unsigned char>(c)); })) {
        return std::nullopt;
    }
    return out;
}

// Parses a Content-Disposition value into part; false unless it is form-data with a name.
bool parse_disposition(std::string_view value, multipart_part& part) {
    std::size_t n = 0;
    while (n < value.size() && is_tchar(static_cast<unsigned char>(value[n]))) {
        ++n;
    }
    if (!iequals(value.substr(0, n), "form-data")) {
        return false;
    }
    bool have_name = false;
    bool have_filename = false;
    bool have_ext_filename = false;
    std::optional<std::string> filename;
    std::optional<std::string> ext_filename;
    const bool ok = parse_parameters(value.substr(n), quoting::form_data, [&](parameter& p) {
        if (iequals(p.name, "name")) {
            if (std::exchange(have_name, true)) {
                return false;
            }
            part.name = std::move(p.value);
        } else if (iequals(p.name, "filename")) {
            if (std::exchange(have_filename, true)) {
                return false;
            }
            filename = std::move(p.value);
        } else if (iequals(p.name, "filename*")) {
            if (std::exchange(have_ext_filename, true) || p.quoted) {
                return false;
            }
            ext_filename = decode_ext_value(p.value);
            if (!ext_filename) {
                return false;
            }
        }
        return true;
    });
    if (!ok || !have_name) {
        return false;
    }
    part.filename = ext_filename ? std::move(ext_filename) : std::move(filename);
    return true;
}

bool is_field_value(std::string_view v) noexcept {
    return std::none_of(v.begin(), v.end(),
                        [](char c) { return is_ctl(static_cast<unsigned char>(c)) && c != '\t'; });
}

}  // namespace

const boost::system::error_category& multipart_category() noexcept {
    static const multipart_category_impl category;
    return category;
}

multipart_parser::multipart_parser(std::string boundary, multipart_limits limits)
    : limits_(limits) {
    if (!valid_boundary(boundary)) {
        state_ = state::failed;
        error_ = make_error_code(multipart_error::bad_boundary);
        return;
    }
    delimiter_.reserve(boundary.size() + 4);
    delimiter_.append("\r\n--").append(boundary);
    matched_ = virtual_crlf;
    virtual_ = virtual_crlf;
}

boost::system::error_code multipart_parser::finish() const noexcept {
    if (state_ == state::failed) {
        return error_;
    }
    if (state_ != state::done) {
        return make_error_code(multipart_error::truncated);
    }
    return {};
}

multipart_event multipart_parser::fail(multipart_error e, boost::system::error_code& ec) {
    state_ = state::failed;
    error_ = make_error_code(e);
    ec = error_;
    data_ = {};
    return multipart_event::need_more;
}

// Consumes input up to and including the next delimiter. Returns the bytes before it that are
// known to be content (possibly held bytes that turned out not to start a delimiter, in which
// case input is not advanced) and whether the delimiter was completed. With no data and no
// delimiter, all input has been consumed.
multipart_parser::scan_result multipart_parser::scan(std::string_view& input) {
    const std::string_view delim = delimiter_;
    if (matched_ > 0) {
        const std::size_t k = std::min(delim.size() - matched_, input.size());
        if (input.substr(0, k) == delim.substr(matched_, k)) {
            input.remove_prefix(k);
            matched_ += k;
            if (matched_ < delim.size()) {
                return {};
            }
            matched_ = 0;
            virtual_ = 0;
            return {{}, true};
        }
        const std::string_view held = delim.substr(virtual_, matched_ - virtual_);
        matched_ = 0;
        virtual_ = 0;
        if (!held.empty()) {
            return {held, false};
        }
    }
    const std::size_t pos = input.find(delim);
    if (pos != std::string_view::npos) {
        const std::string_view before = input.substr(0, pos);
        input.remove_prefix(pos + delim.size());
        return {before, true};
    }
    // '\r' occurs in the delimiter only at its start, so only the last '\r' can begin a match.
    const std::size_t window = std::min(input.size(), delim.size() - 1);
    const std::size_t window_start = input.size() - window;
    const std::size_t cr = input.rfind('\r');
    std::size_t keep = 0;
    if (cr != std::string_view::npos && cr >= window_start && delim.starts_with(input.substr(cr))) {
        keep = input.size() - cr;
    }
    const std::string_view before = input.substr(0, input.size() - keep);
    matched_ = keep;
    input.remove_prefix(input.size());
    return {before, false};
}

void multipart_parser::enter_after_delimiter() noexcept {
    state_ = state::after_delimiter;
    tail_ = tail::start;
    header_bytes_ = 0;
}

bool multipart_parser::count_header_bytes(std::size_t n) noexcept {
    if (n > limits_.max_header_bytes - header_bytes_) {
        return false;
    }
    header_bytes_ += n;
    return true;
}

multipart_event multipart_parser::consume_after_delimiter(std::string_view& input,
                                                          boost::system::error_code& ec) {
    while (!input.empty()) {
        const char c = input.front();
        if (!count_header_bytes(1)) {
            return fail(multipart_error::header_too_large, ec);
        }
        input.remove_prefix(1);
        switch (tail_) {
            case tail::start:
                if (c == '-') {
                    tail_ = tail::dash;
                } else if (is_ows(c)) {
                    tail_ = tail::padding;
                } else if (c == '\r') {
                    tail_ = tail::cr;
                } else {
                    return fail(multipart_error::malformed, ec);
                }
                break;
            case tail::dash:
                if (c != '-') {
                    return fail(multipart_error::malformed, ec);
                }
                state_ = state::done;
                input.remove_prefix(input.size());
                return multipart_event::done;
            case tail::padding:
                if (c == '\r') {
                    tail_ = tail::cr;
                } else if (!is_ows(c)) {
                    return fail(multipart_error::malformed, ec);
                }
                break;
            case tail::cr:
                if (c != '\n') {
                    return fail(multipart_error::malformed, ec);
                }
                if (parts_ >= limits_.max_parts) {
                    return fail(multipart_error::too_many_parts, ec);
                }
                ++parts_;
                state_ = state::headers;
                header_count_ = 0;
                header_cr_ = false;
                have_disposition_ = false;
                have_content_type_ = false;
                line_.clear();
                pending_ = {};
                return multipart_event::need_more;
        }
    }
    return multipart_event::need_more;
}

multipart_event multipart_parser::consume_headers(std::string_view& input,
                                                  boost::system::error_code& ec) {
    while (!input.empty()) {
        if (header_cr_) {
            if (input.front() != '\n') {
                return fail(multipart_error::malformed, ec);
            }
            if (!count_header_bytes(1)) {
                return fail(multipart_error::header_too_large, ec);
            }
            input.remove_prefix(1);
            header_cr_ = false;
            if (line_.empty()) {
                if (!have_disposition_) {
                    return fail(multipart_error::malformed, ec);
                }
                part_ = std::move(pending_);
                pending_ = {};
                state_ = state::body;
                matched_ = virtual_crlf;
                virtual_ = virtual_crlf;
                return multipart_event::part_begin;
            }
            if (const auto e = process_header_line()) {
                return fail(*e, ec);
            }
            line_.clear();
            continue;
        }
        const std::size_t end = input.find_first_of("\r\n");
        const std::size_t n = end == std::string_view::npos ? input.size() : end;
        // The first fault in byte order decides the error, so that it does not depend on how
        // the body was split into pieces: the line's bytes count before its bad LF.
        if (!count_header_bytes(n)) {
            return fail(multipart_error::header_too_large, ec);
        }
        if (end != std::string_view::npos && input[end] == '\n') {
            return fail(multipart_error::malformed, ec);
        }
        if (end != std::string_view::npos && !count_header_bytes(1)) {
            return fail(multipart_error::header_too_large, ec);
        }
        const std::size_t taken = end == std::string_view::npos ? n : n + 1;
        line_.append(input.substr(0, n));
        input.remove_prefix(taken);
        header_cr_ = end != std::string_view::npos;
    }
    return multipart_event::need_more;
}

std::optional<multipart_error> multipart_parser::process_header_line() {
    if (++header_count_ > limits_.max_headers_per_part) {
        return multipart_error::too_many_headers;
    }
    const std::string_view line = line_;
    const std::size_t colon = line.find(':');
    if (colon == std::string_view::npos) {
        return multipart_error::malformed;
    }
    const std::string_view name = line.substr(0, colon);
    const std::string_view value = trim_ows(line.substr(colon + 1));
    if (!is_token(name) || !is_field_value(value)) {
        return multipart_error::malformed;
    }
    if (iequals(name, "Content-Disposition")) {
        if (std::exchange(have_disposition_, true) || !parse_disposition(value, pending_)) {
            return multipart_error::malformed;
        }
    } else if (iequals(name, "Content-Type")) {
        if (std::exchange(have_content_type_, true)) {
            return multipart_error::malformed;
        }
        pending_.content_type.assign(value);
    }
    return std::nullopt;
}

multipart_event multipart_parser::next(std::string_view& input, boost::system::error_code& ec) {
    ec = {};
    data_ = {};
    for (;;) {
        switch (state_) {
            case state::failed:
                ec = error_;
                return multipart_event::need_more;
            case state::done:
                input.remove_prefix(input.size());
                return multipart_event::done;
            case state::preamble: {
                const scan_result r = scan(input);
                if (r.found) {
                    enter_after_delimiter();
                    break;
                }
                if (r.data.empty() && input.empty()) {
                    return multipart_event::need_more;
                }
                break;
            }
            case state::after_delimiter: {
                const multipart_event e = consume_after_delimiter(input, ec);
                if (ec || e == multipart_event::done || state_ == state::after_delimiter) {
                    return e;
                }
                break;
            }
            case state::headers:
                return consume_headers(input, ec);
            case state::body: {
                const scan_result r = scan(input);
                if (r.found) {
                    if (!r.data.empty()) {
                        data_ = r.data;
                        state_ = state::body_end;
                        return multipart_event::part_data;
                    }
                    enter_after_delimiter();
                    return multipart_event::part_end;
                }
                if (!r.data.empty()) {
                    data_ = r.data;
                    return multipart_event::part_data;
                }
                if (input.empty()) {
                    return multipart_event::need_more;
                }
                break;
            }
            case state::body_end:
                enter_after_delimiter();
                return multipart_event::part_end;
        }
    }
}

std::optional<std::string> form_data_boundary(std::string_view content_type) {
    std::string_view s = trim_ows(content_type);
    std::size_t n = 0;
    while (n < s.size() && is_tchar(static_cast<unsigned char>(s[n]))) {
        ++n;
    }
    if (!iequals(s.substr(0, n), "multipart") || n >= s.size() || s[n] != '/') {
        return std::nullopt;
    }
    s.remove_prefix(n + 1);
    n = 0;
    while (n < s.size() && is_tchar(static_cast<unsigned char>(s[n]))) {
        ++n;
    }
    if (!iequals(s.substr(0, n), "form-data")) {
        return std::nullopt;
    }
    s.remove_prefix(n);
    std::optional<std::string> boundary;
    const bool ok = parse_parameters(s, quoting::standard, [&](parameter& p) {
        if (!iequals(p.name, "boundary")) {
            return true;
        }
        if (boundary) {
            return false;
        }
        boundary = std::move(p.value);
        return true;
    });
    if (!ok || !boundary || !valid_boundary(*boundary)) {
        return std::nullopt;
    }
    return boundary;
}

}  // namespace simplefs::http
