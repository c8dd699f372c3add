#include "adapters/fswatch/inotify_watch.h"

#include <sys/inotify.h>
#include <unistd.h>

#include <array>
#include <boost/asio/posix/stream_descriptor.hpp>
#include <cerrno>
#include <cstring>

namespace patrond::fswatch {
namespace {

class InotifyWatch final : public DirectoryWatch {
 public:
  explicit InotifyWatch(boost::asio::io_context& io) : io_(io) {}
  ~InotifyWatch() override { cancel(); }

  Result<void> watch(const std::string& directory, std::function<void()> changed) override {
    cancel();
    int fd = ::inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
    if (fd < 0) {
      return Error{"WATCH", std::string("inotify: ") + std::strerror(errno), directory};
    }
    constexpr std::uint32_t kMask = IN_CLOSE_WRITE | IN_MOVED_TO | IN_CREATE | IN_MODIFY |
                                    IN_ATTRIB | IN_DELETE | IN_MOVED_FROM | IN_DELETE_SELF |
                                    IN_MOVE_SELF;
    if (::inotify_add_watch(fd, directory.c_str(), kMask) < 0) {
      int err = errno;
      ::close(fd);
      return Error{"WATCH", std::string("cannot watch the folder: ") + std::strerror(err),
                   directory};
    }
    changed_ = std::move(changed);
    stream_ = std::make_unique<boost::asio::posix::stream_descriptor>(io_, fd);
    read();
    return {};
  }

  void cancel() override {
    if (stream_) {
      boost::system::error_code ec;
      stream_->cancel(ec);
      stream_->close(ec);
      stream_.reset();
    }
  }

 private:
  void read() {
    stream_->async_read_some(
        boost::asio::buffer(buffer_), [this](const boost::system::error_code& ec, std::size_t n) {
          if (ec) {
            return;  // cancelled or closed
          }
          bool gone = false;
          for (std::size_t off = 0; off + sizeof(inotify_event) <= n;) {
            inotify_event ev;
            std::memcpy(&ev, buffer_.data() + off, sizeof ev);
            gone = gone || (ev.mask & (IN_DELETE_SELF | IN_MOVE_SELF | IN_IGNORED)) != 0;
            off += sizeof(inotify_event) + ev.len;
          }
          auto notify = changed_;
          if (gone) {
            cancel();
          } else {
            read();
          }
          if (notify) {
            notify();
          }
        });
  }

  boost::asio::io_context& io_;
  std::unique_ptr<boost::asio::posix::stream_descriptor> stream_;
  std::array<char, std::size_t{16} * 1024> buffer_{};
  std::function<void()> changed_;
};

}  // namespace

std::unique_ptr<DirectoryWatch> makeInotifyWatch(boost::asio::io_context& io) {
  return std::make_unique<InotifyWatch>(io);
}

}  // namespace patrond::fswatch
