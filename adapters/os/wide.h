#pragma once
// Windows: UTF-8 (patrond's strings) to and from UTF-16 (the W APIs). Windows only.

#ifdef _WIN32
#include <windows.h>

#include <string>
#include <string_view>

namespace patrond::os {

inline std::wstring widen(std::string_view s) {
  if (s.empty()) {
    return {};
  }
  int n = ::MultiByteToWideChar(CP_UTF8, 0, s.data(), static_cast<int>(s.size()), nullptr, 0);
  std::wstring w(static_cast<size_t>(n), L'\0');
  ::MultiByteToWideChar(CP_UTF8, 0, s.data(), static_cast<int>(s.size()), w.data(), n);
  return w;
}

inline std::string narrow(std::wstring_view w) {
  if (w.empty()) {
    return {};
  }
  int n = ::WideCharToMultiByte(CP_UTF8, 0, w.data(), static_cast<int>(w.size()), nullptr, 0,
                                nullptr, nullptr);
  std::string s(static_cast<size_t>(n), '\0');
  ::WideCharToMultiByte(CP_UTF8, 0, w.data(), static_cast<int>(w.size()), s.data(), n, nullptr,
                        nullptr);
  return s;
}

}  // namespace patrond::os
#endif
