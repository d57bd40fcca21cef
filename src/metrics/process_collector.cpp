#include "metrics/process_collector.hpp"

#include <sys/resource.h>
#include <unistd.h>

#include <charconv>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <limits>
#include <sstream>
#include <string_view>
#include <system_error>
#include <vector>

namespace simplefs::metrics {

namespace {

/// The fields of /proc/self/stat that are used, already converted to numbers.
struct stat_fields {
    double utime_ticks = 0;
    double stime_ticks = 0;
    double start_ticks = 0;
    double virtual_bytes = 0;
    double resident_pages = 0;
};

std::optional<std::string> read_file(const char* path) {
    std::ifstream in(path);
    if (!in) {
        return std::nullopt;
    }
    return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

std::optional<double> parse_number(std::string_view text) {
    double value = 0;
    const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
    if (ec != std::errc() || end != text.data() + text.size()) {
        return std::nullopt;
    }
    return value;
}

/// Parses /proc/self/stat (see proc(5)). The command name in field 2 is in parentheses and may
/// itself contain spaces and ')', so fields are counted from the last ')'.
std::optional<stat_fields> read_stat() {
    const auto text = read_file("/proc/self/stat");
    if (!text) {
        return std::nullopt;
    }
    const auto paren = text->rfind(')');
    if (paren == std::string::npos) {
        return std::nullopt;
    }
    std::istringstream rest(text->substr(paren + 1));
    const std::vector<std::string> fields{std::istream_iterator<std::string>(rest),
                                          std::istream_iterator<std::string>()};
    constexpr std::size_t first_field = 3;
    constexpr std::size_t last_field = 24;
    if (fields.size() < last_field - first_field + 1) {
        return std::nullopt;
    }
    const auto field = [&](std::size_t number) {
        return parse_number(fields[number - first_field]);
    };
    const auto utime = field(14);
    const auto stime = field(15);
    const auto start = field(22);
    const auto vsize = field(23);
    const auto rss = field(24);
    if (!utime || !stime || !start || !vsize || !rss) {
        return std::nullopt;
    }
    return stat_fields{*utime, *stime, *start, *vsize, *rss};
}

/// Boot time in seconds since the epoch, from the "btime" line of /proc/stat.
std::optional<double> read_boot_time() {
    std::ifstream in("/proc/stat");
    std::string line;
    constexpr std::string_view prefix = "btime ";
    while (std::getline(in, line)) {
        if (line.starts_with(prefix)) {
            return parse_number(std::string_view(line).substr(prefix.size()));
        }
    }
    return std::nullopt;
}

std::optional<double> count_open_fds() {
    std::error_code ec;
    std::filesystem::directory_iterator it("/proc/self/fd", ec);
    if (ec) {
        return std::nullopt;
    }
    double count = 0;
    for (const std::filesystem::directory_iterator end; it != end; it.increment(ec)) {
        if (ec) {
            return std::nullopt;
        }
        ++count;
    }
    return count;
}

std::optional<double> max_fds() {
    rlimit limit{};
    if (::getrlimit(RLIMIT_NOFILE, &limit) != 0) {
        return std::nullopt;
    }
    if (limit.rlim_cur == RLIM_INFINITY) {
        return std::numeric_limits<double>::infinity();
    }
    return static_cast<double>(limit.rlim_cur);
}

void render_one(std::string& out, const family_info& info, std::optional<double> value) {
    if (value) {
        info.append_header(out);
        info.append_sample(out, "", "", *value);
    }
}

}  // namespace

process_collector::process_collector()
    : virtual_memory_("process_virtual_memory_bytes", "Virtual memory size in bytes.",
                      metric_type::gauge, {}),
      resident_memory_("process_resident_memory_bytes", "Resident memory size in bytes.",
                       metric_type::gauge, {}),
      start_time_("process_start_time_seconds",
                  "Start time of the process since unix epoch in seconds.", metric_type::gauge, {}),
      cpu_seconds_("process_cpu_seconds_total", "Total user and system CPU time spent in seconds.",
                   metric_type::counter, {}),
      open_fds_("process_open_fds", "Number of open file descriptors.", metric_type::gauge, {}),
      max_fds_("process_max_fds", "Maximum number of open file descriptors.", metric_type::gauge,
               {}),
      ticks_per_second_(static_cast<double>(::sysconf(_SC_CLK_TCK))),
      page_size_(static_cast<double>(::sysconf(_SC_PAGESIZE))),
      boot_time_(read_boot_time()) {}

void process_collector::render(std::string& out) const {
    if (const auto stat = read_stat()) {
        render_one(out, virtual_memory_, stat->virtual_bytes);
        render_one(out, resident_memory_, stat->resident_pages * page_size_);
        if (boot_time_ && ticks_per_second_ > 0) {
            render_one(out, start_time_, *boot_time_ + stat->start_ticks / ticks_per_second_);
        }
        if (ticks_per_second_ > 0) {
            render_one(out, cpu_seconds_,
                       (stat->utime_ticks + stat->stime_ticks) / ticks_per_second_);
        }
    }
    render_one(out, open_fds_, count_open_fds());
    render_one(out, max_fds_, max_fds());
}

}  // namespace simplefs::metrics
