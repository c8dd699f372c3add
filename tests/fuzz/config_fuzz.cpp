// libFuzzer: the configuration loader (patrond.yaml + its mapping file) over arbitrary bytes.
// The input is patrond.yaml, then optionally a line "@@mapping@@" and the mapping file, which
// is written under every name the seeds use. Whatever the bytes, loading must end in a
// LoadResult (a config or located diagnostics): no exception, crash, hang or sanitizer report.
#include <stdlib.h>
#include <unistd.h>

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>

#include "adapters/config/yaml_config.h"

namespace {

const std::string& workDir() {
  static const std::string dir = [] {
    char tmpl[] = "/tmp/patrond-config-fuzz-XXXXXX";
    const char* d = ::mkdtemp(tmpl);
    if (!d) {
      std::abort();
    }
    return std::string(d);
  }();
  return dir;
}

void writeAll(const std::string& path, std::string_view text) {
  std::FILE* f = std::fopen(path.c_str(), "wb");
  if (!f) {
    std::abort();
  }
  if (!text.empty() && std::fwrite(text.data(), 1, text.size(), f) != text.size()) {
    std::abort();
  }
  std::fclose(f);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string_view in(reinterpret_cast<const char*>(data), size);
  constexpr std::string_view kSplit = "\n@@mapping@@\n";
  std::string_view config = in, mapping = "fields: {district_id: ID}\n";
  if (auto at = in.find(kSplit); at != std::string_view::npos) {
    config = in.substr(0, at);
    mapping = in.substr(at + kSplit.size());
  }
  const std::string& dir = workDir();
  writeAll(dir + "/patrond.yaml", config);
  for (const char* name : {"/m.yaml", "/students.mapping.yaml", "/faculty.mapping.yaml"}) {
    writeAll(dir + name, mapping);
  }
  patrond::config::LoadOptions options;
  options.readSecrets = size % 2 == 1;  // both the service's load and check-config's
  auto result = patrond::config::loadConfig(dir + "/patrond.yaml", options);
  // Invariants: a config only without errors; every diagnostic names its file and formats.
  bool errors = false;
  for (const auto& d : result.diagnostics) {
    errors = errors || !d.warning;
    if (d.file.empty() || d.line < 0 || d.column < 0 || d.format().empty()) {
      std::abort();
    }
  }
  if (result.ok() == errors) {
    std::abort();
  }
  return 0;
}
