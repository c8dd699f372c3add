#pragma once
// fswatch adapter: DirectoryWatch over Linux inotify, read asynchronously on the service's
// Boost.Asio loop. Watches the folder, not the file, so a file that is replaced (written
// elsewhere and moved in) is seen too.

#include <boost/asio/io_context.hpp>
#include <memory>

#include "engine/ports/directory_watch.h"

namespace patrond::fswatch {

std::unique_ptr<DirectoryWatch> makeInotifyWatch(boost::asio::io_context& io);

}  // namespace patrond::fswatch
