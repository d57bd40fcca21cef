// Runs a fuzz target's LLVMFuzzerTestOneInput once over every file of the directories given on
// the command line (the seed corpus and the regressions), without libFuzzer: the `fuzz_replay.*`
// unit tests, so that every input that once found a bug stays tested in every build.

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <vector>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size);

int main(int argc, char** argv) {
    namespace fs = std::filesystem;
    std::size_t inputs = 0;
    for (int i = 1; i < argc; ++i) {
        std::error_code ec;
        if (!fs::is_directory(argv[i], ec)) {
            std::fprintf(stderr, "not a directory: %s\n", argv[i]);
            return 2;
        }
        std::vector<fs::path> files;
        for (const auto& entry : fs::directory_iterator(argv[i])) {
            // Hidden files (.gitkeep of an empty regressions directory) are not inputs.
            if (entry.is_regular_file() && !entry.path().filename().string().starts_with('.')) {
                files.push_back(entry.path());
            }
        }
        std::sort(files.begin(), files.end());
        for (const auto& file : files) {
            std::ifstream in(file, std::ios::binary);
            std::vector<char> bytes((std::istreambuf_iterator<char>(in)),
                                    std::istreambuf_iterator<char>());
            if (!in.eof() && in.fail()) {
                std::fprintf(stderr, "cannot read %s\n", file.c_str());
                return 2;
            }
            std::fprintf(stderr, "%s\n", file.c_str());
            LLVMFuzzerTestOneInput(reinterpret_cast<const std::uint8_t*>(bytes.data()),
                                   bytes.size());
            ++inputs;
        }
    }
    std::printf("%zu inputs replayed\n", inputs);
    // A target whose corpus went missing must not pass quietly.
    return inputs > 0 ? 0 : 1;
}
