#include "adapters/fswatch/win_watch.h"

#ifdef _WIN32
#include <windows.h>

#include <atomic>
#include <thread>

namespace patrond::fswatch {
namespace {

class WindowsWatch final : public DirectoryWatch {
 public:
  explicit WindowsWatch(Post post) : post_(std::move(post)) {}
  ~WindowsWatch() override { cancel(); }

  Result<void> watch(const std::string& directory, std::function<void()> changed) override {
    cancel();
    HANDLE dir =
        CreateFileA(directory.c_str(), FILE_LIST_DIRECTORY,
                    FILE_SHARE_READ | FILE_SHARE_WRITE | FILE_SHARE_DELETE, nullptr, OPEN_EXISTING,
                    FILE_FLAG_BACKUP_SEMANTICS | FILE_FLAG_OVERLAPPED, nullptr);
    if (dir == INVALID_HANDLE_VALUE) {
      return Error{"WATCH",
                   "cannot watch the folder (Windows error " + std::to_string(GetLastError()) + ")",
                   directory};
    }
    dir_ = dir;
    stopEvent_ = CreateEventA(nullptr, TRUE, FALSE, nullptr);
    stop_ = false;
    thread_ = std::thread([this, changed = std::move(changed)] { loop(changed); });
    return {};
  }

  void cancel() override {
    if (thread_.joinable()) {
      stop_ = true;
      SetEvent(stopEvent_);
      thread_.join();
    }
    if (dir_ != INVALID_HANDLE_VALUE) {
      CloseHandle(dir_);
      dir_ = INVALID_HANDLE_VALUE;
    }
    if (stopEvent_) {
      CloseHandle(stopEvent_);
      stopEvent_ = nullptr;
    }
  }

 private:
  void loop(const std::function<void()>& changed) {
    alignas(DWORD) char buffer[16 * 1024];
    OVERLAPPED ov{};
    ov.hEvent = CreateEventA(nullptr, TRUE, FALSE, nullptr);
    constexpr DWORD kFilter = FILE_NOTIFY_CHANGE_FILE_NAME | FILE_NOTIFY_CHANGE_SIZE |
                              FILE_NOTIFY_CHANGE_LAST_WRITE | FILE_NOTIFY_CHANGE_ATTRIBUTES;
    while (!stop_) {
      ResetEvent(ov.hEvent);
      if (!ReadDirectoryChangesW(dir_, buffer, sizeof buffer, FALSE, kFilter, nullptr, &ov,
                                 nullptr)) {
        post_(changed);  // the folder is gone: let the owner look and retry
        break;
      }
      HANDLE events[2] = {ov.hEvent, stopEvent_};
      DWORD which = WaitForMultipleObjects(2, events, FALSE, INFINITE);
      if (which != WAIT_OBJECT_0) {
        CancelIo(dir_);
        break;
      }
      DWORD bytes = 0;
      if (!GetOverlappedResult(dir_, &ov, &bytes, FALSE)) {
        post_(changed);
        break;
      }
      post_(changed);  // events carry no detail the owner needs: it looks at the file
    }
    CloseHandle(ov.hEvent);
  }

  Post post_;
  HANDLE dir_ = INVALID_HANDLE_VALUE;
  HANDLE stopEvent_ = nullptr;
  std::atomic<bool> stop_{false};
  std::thread thread_;
};

}  // namespace

std::unique_ptr<DirectoryWatch> makeWindowsWatch(Post post) {
  return std::make_unique<WindowsWatch>(std::move(post));
}

}  // namespace patrond::fswatch

#else

namespace patrond::fswatch {
std::unique_ptr<DirectoryWatch> makeWindowsWatch(Post) {
  return nullptr;
}
}  // namespace patrond::fswatch

#endif
