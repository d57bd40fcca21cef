#include "http/http_date.hpp"

#include <array>
#include <cstddef>
#include <ctime>

namespace simplefs::http {

namespace {

using std::chrono::system_clock;

constexpr std::array<std::string_view, 7> short_day_names{"Sun", "Mon", "Tue", "Wed",
                                                          "Thu", "Fri", "Sat"};
constexpr std::array<std::string_view, 7> long_day_names{
    "Sunday", "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday"};
constexpr std::array<std::string_view, 12> month_names{"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                                       "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};

void append_digits(std::string& out, long long value, int width) {
    std::array<char, 24> buffer{};
    std::size_t used = 0;
    const bool negative = value < 0;
    unsigned long long magnitude = negative ? 0ULL - static_cast<unsigned long long>(value)
                                            : static_cast<unsigned long long>(value);
    do {
        buffer[used++] = static_cast<char>('0' + magnitude % 10);
        magnitude /= 10;
    } while (magnitude != 0);
    if (negative) {
        out += '-';
    }
    for (auto i = static_cast<std::size_t>(width); i > used; --i) {
        out += '0';
    }
    while (used > 0) {
        out += buffer[--used];
    }
}

struct civil_time {
    int year = 0;
    unsigned month = 0;
    unsigned day = 0;
    long long hours = 0;
    long long minutes = 0;
    long long seconds = 0;
    unsigned weekday = 0;
};

civil_time to_civil(std::chrono::sys_seconds t) {
    const auto days = std::chrono::floor<std::chrono::days>(t);
    const std::chrono::year_month_day ymd{days};
    const std::chrono::hh_mm_ss hms{t - days};
    return {
        .year = static_cast<int>(ymd.year()),
        .month = static_cast<unsigned>(ymd.month()),
        .day = static_cast<unsigned>(ymd.day()),
        .hours = hms.hours().count(),
        .minutes = hms.minutes().count(),
        .seconds = hms.seconds().count(),
        .weekday = std::chrono::weekday{days}.c_encoding(),
    };
}

class cursor {
public:
    explicit cursor(std::string_view text) : text_{text} {}

    bool done() const { return text_.empty(); }

    bool literal(std::string_view expected) {
        if (!text_.starts_with(expected)) {
            return false;
        }
        text_.remove_prefix(expected.size());
        return true;
    }

    /// Exactly `count` ASCII digits.
    std::optional<int> digits(std::size_t count) {
        if (text_.size() < count) {
            return std::nullopt;
        }
        int value = 0;
        for (std::size_t i = 0; i < count; ++i) {
            const char c = text_[i];
            if (c < '0' || c > '9') {
                return std::nullopt;
            }
            value = value * 10 + (c - '0');
        }
        text_.remove_prefix(count);
        return value;
    }

    /// Index of the name in `names` that the text starts with.
    template <std::size_t N>
    std::optional<unsigned> one_of(const std::array<std::string_view, N>& names) {
        for (std::size_t i = 0; i < N; ++i) {
            if (literal(names[i])) {
                return static_cast<unsigned>(i);
            }
        }
        return std::nullopt;
    }

private:
    std::string_view text_;
};

struct time_of_day {
    int hour = 0;
    int minute = 0;
    int second = 0;
};

// RFC 9110 §5.6.7: time-of-day = hour ":" minute ":" second
std::optional<time_of_day> parse_time_of_day(cursor& in) {
    const auto hour = in.digits(2);
    if (!hour || !in.literal(":")) {
        return std::nullopt;
    }
    const auto minute = in.digits(2);
    if (!minute || !in.literal(":")) {
        return std::nullopt;
    }
    const auto second = in.digits(2);
    if (!second || *hour > 23 || *minute > 59 || *second > 60) {
        return std::nullopt;
    }
    return time_of_day{*hour, *minute, *second};
}

std::optional<system_clock::time_point> make_time_point(int year, unsigned month, int day,
                                                        time_of_day time) {
    const std::chrono::year_month_day ymd{std::chrono::year{year}, std::chrono::month{month},
                                          std::chrono::day{static_cast<unsigned>(day)}};
    if (!ymd.ok()) {
        return std::nullopt;
    }
    const std::chrono::sys_seconds t = std::chrono::sys_days{ymd} + std::chrono::hours{time.hour} +
                                       std::chrono::minutes{time.minute} +
                                       std::chrono::seconds{time.second};
    constexpr auto earliest =
        std::chrono::ceil<std::chrono::seconds>(system_clock::time_point::min());
    constexpr auto latest =
        std::chrono::floor<std::chrono::seconds>(system_clock::time_point::max());
    if (t < earliest || t > latest) {
        return std::nullopt;
    }
    return std::chrono::time_point_cast<system_clock::duration>(t);
}

// IMF-fixdate = day-name "," SP day SP month SP year SP time-of-day SP "GMT"
std::optional<system_clock::time_point> parse_imf_fixdate(std::string_view value) {
    cursor in{value};
    if (!in.one_of(short_day_names) || !in.literal(", ")) {
        return std::nullopt;
    }
    const auto day = in.digits(2);
    if (!day || !in.literal(" ")) {
        return std::nullopt;
    }
    const auto month = in.one_of(month_names);
    if (!month || !in.literal(" ")) {
        return std::nullopt;
    }
    const auto year = in.digits(4);
    if (!year || !in.literal(" ")) {
        return std::nullopt;
    }
    const auto time = parse_time_of_day(in);
    if (!time || !in.literal(" GMT") || !in.done()) {
        return std::nullopt;
    }
    return make_time_point(*year, *month + 1, *day, *time);
}

// rfc850-date = day-name-l "," SP day "-" month "-" 2DIGIT SP time-of-day SP "GMT"
std::optional<system_clock::time_point> parse_rfc850_date(std::string_view value,
                                                          system_clock::time_point now) {
    cursor in{value};
    if (!in.one_of(long_day_names) || !in.literal(", ")) {
        return std::nullopt;
    }
    const auto day = in.digits(2);
    if (!day || !in.literal("-")) {
        return std::nullopt;
    }
    const auto month = in.one_of(month_names);
    if (!month || !in.literal("-")) {
        return std::nullopt;
    }
    const auto two_digit_year = in.digits(2);
    if (!two_digit_year || !in.literal(" ")) {
        return std::nullopt;
    }
    const auto time = parse_time_of_day(in);
    if (!time || !in.literal(" GMT") || !in.done()) {
        return std::nullopt;
    }
    // RFC 9110 §5.6.7: a year more than 50 years in the future is the most recent past one.
    const int current_year = to_civil(std::chrono::floor<std::chrono::seconds>(now)).year;
    int year = current_year - current_year % 100 + *two_digit_year;
    if (year > current_year + 50) {
        year -= 100;
    } else if (year <= current_year - 50) {
        year += 100;
    }
    return make_time_point(year, *month + 1, *day, *time);
}

// asctime-date = day-name SP month SP ( 2DIGIT / ( SP DIGIT ) ) SP time-of-day SP year
std::optional<system_clock::time_point> parse_asctime_date(std::string_view value) {
    cursor in{value};
    if (!in.one_of(short_day_names) || !in.literal(" ")) {
        return std::nullopt;
    }
    const auto month = in.one_of(month_names);
    if (!month || !in.literal(" ")) {
        return std::nullopt;
    }
    const auto day = in.literal(" ") ? in.digits(1) : in.digits(2);
    if (!day || !in.literal(" ")) {
        return std::nullopt;
    }
    const auto time = parse_time_of_day(in);
    if (!time || !in.literal(" ")) {
        return std::nullopt;
    }
    const auto year = in.digits(4);
    if (!year || !in.done()) {
        return std::nullopt;
    }
    return make_time_point(*year, *month + 1, *day, *time);
}

}  // namespace

std::string format_http_date(system_clock::time_point t) {
    const auto c = to_civil(std::chrono::floor<std::chrono::seconds>(t));
    std::string out;
    out.reserve(29);
    out += short_day_names[c.weekday];
    out += ", ";
    append_digits(out, c.day, 2);
    out += ' ';
    out += month_names[c.month - 1];
    out += ' ';
    append_digits(out, c.year, 4);
    out += ' ';
    append_digits(out, c.hours, 2);
    out += ':';
    append_digits(out, c.minutes, 2);
    out += ':';
    append_digits(out, c.seconds, 2);
    out += " GMT";
    return out;
}

std::optional<system_clock::time_point> parse_http_date(std::string_view value) {
    return parse_http_date(value, system_clock::now());
}

std::optional<system_clock::time_point> parse_http_date(std::string_view value,
                                                        system_clock::time_point now) {
    if (auto t = parse_imf_fixdate(value)) {
        return t;
    }
    if (auto t = parse_rfc850_date(value, now)) {
        return t;
    }
    return parse_asctime_date(value);
}

std::string_view current_http_date() {
    thread_local std::chrono::sys_seconds formatted_second{};
    thread_local std::string text;
    const auto now = std::chrono::floor<std::chrono::seconds>(system_clock::now());
    if (text.empty() || now != formatted_second) {
        text = format_http_date(now);
        formatted_second = now;
    }
    return text;
}

std::string format_compact_local(system_clock::time_point t) {
    const auto seconds = std::chrono::floor<std::chrono::seconds>(t);
    civil_time c;
    const std::time_t as_time_t = system_clock::to_time_t(seconds);
    std::tm local{};
    if (localtime_r(&as_time_t, &local) != nullptr) {
        c.year = local.tm_year + 1900;
        c.month = static_cast<unsigned>(local.tm_mon + 1);
        c.day = static_cast<unsigned>(local.tm_mday);
        c.hours = local.tm_hour;
        c.minutes = local.tm_min;
        c.seconds = local.tm_sec;
    } else {
        c = to_civil(seconds);
    }
    std::string out;
    out.reserve(14);
    append_digits(out, c.year, 4);
    append_digits(out, c.month, 2);
    append_digits(out, c.day, 2);
    append_digits(out, c.hours, 2);
    append_digits(out, c.minutes, 2);
    append_digits(out, c.seconds, 2);
    return out;
}

}  // namespace simplefs::http
