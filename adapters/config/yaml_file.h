#pragma once
// Reading one YAML file of the configuration (adapters/config internal): patrond.yaml or a
// mapping file, as text, never an exception: only a regular file of sane size, valid UTF-8,
// one document, keys checked (no duplicates, plain names, sane nesting).

#include <yaml-cpp/yaml.h>

#include <optional>
#include <string>
#include <vector>

#include "adapters/config/yaml_config.h"

namespace patrond::config {

// The file's root node, or nothing with the problem in `diags`.
std::optional<YAML::Node> parseFile(const std::string& path, std::vector<Diagnostic>& diags);

}  // namespace patrond::config
