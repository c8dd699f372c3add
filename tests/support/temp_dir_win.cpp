// Windows (under Wine): a free port. Running commands and child processes is Linux-only:
// the Windows test binaries need none.
#include <winsock2.h>

#include "tests/support/temp_dir.h"

namespace patrond::test {

// A port nothing listens on: the system's pick for a socket bound to port 0.
int freePort() {
  WSADATA wsa;
  ::WSAStartup(MAKEWORD(2, 2), &wsa);
  SOCKET s = ::socket(AF_INET, SOCK_STREAM, IPPROTO_TCP);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  int len = sizeof a;
  int port = 0;
  if (::bind(s, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0 &&
      ::getsockname(s, reinterpret_cast<sockaddr*>(&a), &len) == 0) {
    port = ntohs(a.sin_port);
  }
  ::closesocket(s);
  return port;
}

}  // namespace patrond::test
