#include "adapters/regex/re2_pattern.h"

#include <re2/re2.h>

#include <string>

namespace patrond::regex {
namespace {

class Re2Pattern final : public Pattern {
 public:
  explicit Re2Pattern(std::unique_ptr<const RE2> re) : re_(std::move(re)) {}
  bool search(std::string_view text) const override {
    return RE2::PartialMatch(re2::StringPiece(text.data(), text.size()), *re_);
  }

 private:
  std::unique_ptr<const RE2> re_;
};

}  // namespace

Result<std::shared_ptr<const Pattern>> compile(std::string_view source) {
  RE2::Options options;
  options.set_encoding(RE2::Options::EncodingUTF8);
  options.set_log_errors(false);  // the reason goes into the config error, not to stderr
  options.set_max_mem(kMaxMemoryBytes);
  auto re = std::make_unique<const RE2>(re2::StringPiece(source.data(), source.size()), options);
  if (!re->ok()) {
    std::string reason = re->error();
    if (re->error_code() == RE2::ErrorPatternTooLarge) {
      reason += " (the compiled pattern would need more than " +
                std::to_string(kMaxMemoryBytes >> 20) + " MB; simplify it)";
    }
    return Error{"CONFIG", reason, ""};
  }
  return std::shared_ptr<const Pattern>(std::make_shared<Re2Pattern>(std::move(re)));
}

}  // namespace patrond::regex
