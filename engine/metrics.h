#pragma once
// Prometheus text exposition format 0.0.4 (GET /metrics, SPEC section 11): families of
// samples rendered with HELP and TYPE lines and escaped label values. Pure; any thread.

#include <string>
#include <utility>
#include <vector>

namespace patrond {

struct MetricSample {
  std::vector<std::pair<std::string, std::string>> labels;
  double value = 0;
};

struct MetricFamily {
  std::string name;  // [a-zA-Z_:][a-zA-Z0-9_:]*
  std::string help;
  std::string type = "gauge";  // gauge | counter | untyped
  std::vector<MetricSample> samples;
};

std::string renderPrometheus(const std::vector<MetricFamily>& families);

}  // namespace patrond
