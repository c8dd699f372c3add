#pragma once
// fswatch adapter for Windows: DirectoryWatch over ReadDirectoryChangesW on a thread of its
// own. Each change is handed to `post`, which moves it onto the owner's event loop
// (the daemon passes boost::asio::post on its io_context).

#include <functional>
#include <memory>

#include "engine/ports/directory_watch.h"

namespace patrond::fswatch {

using Post = std::function<void(std::function<void()>)>;
std::unique_ptr<DirectoryWatch> makeWindowsWatch(Post post);

}  // namespace patrond::fswatch
