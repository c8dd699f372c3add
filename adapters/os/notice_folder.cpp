// The engine's PrintFolder on an OutputFolder (both systems: OutputFolder hides the
// difference).
#include <filesystem>
#include <system_error>

#include "adapters/os/files.h"

namespace patrond::os {

Result<void> NoticeFolder::open(const std::string& dir) {
  folder_.reset();
  dir_ = dir;
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  if (ec) {
    return Error{"IO", "cannot create " + dir + ": " + ec.message(), dir};
  }
  // The day's folder itself must not be a symbolic link to somewhere else.
  folder_.emplace();
  if (std::string why; !folder_->open(dir, why)) {
    folder_.reset();
    return Error{"IO", "cannot write notices into " + dir + ": " + why, dir};
  }
  return {};
}

Result<void> NoticeFolder::write(const std::string& name, const std::string& content) {
  const std::string where = (std::filesystem::path(dir_) / name).string();
  if (!folder_) {
    return Error{"IO", "cannot write " + where + ": the folder is not open", where};
  }
  if (std::string why; !folder_->write(name, content, why)) {
    return Error{"IO", "cannot write " + where + ": " + why, where};
  }
  return {};
}

}  // namespace patrond::os
