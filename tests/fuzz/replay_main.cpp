// Corpus replay: the fuzz harnesses built without libFuzzer (any compiler), run once over every
// file of the corpus folders named on the command line. ctest runs them in the ordinary build,
// so a harness that no longer compiles, or a corpus input that now aborts, fails the README's
// test command and not only the clang `fuzz` preset in CI.
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size);

int main(int argc, char** argv) {
  namespace fs = std::filesystem;
  std::size_t replayed = 0;
  for (int i = 1; i < argc; ++i) {
    std::vector<fs::path> files;
    for (const auto& e : fs::directory_iterator(argv[i])) {
      if (e.is_regular_file()) {
        files.push_back(e.path());
      }
    }
    for (const auto& f : files) {
      std::ifstream in(f, std::ios::binary);
      const std::string bytes{std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
      LLVMFuzzerTestOneInput(reinterpret_cast<const uint8_t*>(bytes.data()), bytes.size());
      ++replayed;
    }
  }
  if (replayed == 0) {
    std::fprintf(stderr, "no corpus input found\n");
    return 1;
  }
  std::printf("%zu corpus inputs replayed\n", replayed);
  return 0;
}
