# Cross-compiles for Windows with Debian's mingw-w64 (posix threads model: std::thread).
# The full build (preset `windows`) finds its libraries in PATROND_WINDEPS, the prefix that
# scripts/windows-deps.sh fills from Debian's source packages; the engine-only check
# (preset `mingw`) needs none.
set(CMAKE_SYSTEM_NAME Windows)
set(CMAKE_SYSTEM_PROCESSOR x86_64)
set(CMAKE_C_COMPILER x86_64-w64-mingw32-gcc-posix)
set(CMAKE_CXX_COMPILER x86_64-w64-mingw32-g++-posix)
set(PATROND_WINDMC x86_64-w64-mingw32-windmc)
set(PATROND_WINDRES x86_64-w64-mingw32-windres)
if(NOT DEFINED PATROND_WINDEPS)
  set(PATROND_WINDEPS "$ENV{PATROND_WINDEPS}")
endif()
if(NOT PATROND_WINDEPS)
  set(PATROND_WINDEPS /opt/patrond-windeps)
endif()
set(CMAKE_FIND_ROOT_PATH /usr/x86_64-w64-mingw32 ${PATROND_WINDEPS})
set(CMAKE_PREFIX_PATH ${PATROND_WINDEPS})
set(CMAKE_FIND_ROOT_PATH_MODE_PROGRAM NEVER)
set(CMAKE_FIND_ROOT_PATH_MODE_LIBRARY ONLY)
set(CMAKE_FIND_ROOT_PATH_MODE_INCLUDE ONLY)
set(CMAKE_FIND_ROOT_PATH_MODE_PACKAGE ONLY)
# Static libraries only, and a statically linked patrond.exe: no DLLs to ship beside it.
set(CMAKE_FIND_LIBRARY_SUFFIXES .a)
set(Boost_USE_STATIC_LIBS ON)
set(Boost_USE_STATIC_RUNTIME ON)
set(OPENSSL_USE_STATIC_LIBS ON)
set(OPENSSL_ROOT_DIR ${PATROND_WINDEPS})
set(ENV{PKG_CONFIG_LIBDIR} ${PATROND_WINDEPS}/lib/pkgconfig)
set(ENV{PKG_CONFIG_PATH} "")
set(CMAKE_EXE_LINKER_FLAGS_INIT "-static -static-libgcc -static-libstdc++")
# Windows' own libraries, last on every link line: the static libraries above use them.
set(CMAKE_CXX_STANDARD_LIBRARIES "-lws2_32 -lmswsock -lcrypt32 -lsecur32 -liphlpapi -lbcrypt \
-lshell32 -lole32 -ladvapi32 -luser32 -lwldap32 -lshlwapi -luserenv")
# Windows 10 / Server 2016 APIs; no min/max macros; static Poco and curl.
set(CMAKE_C_FLAGS_INIT "-D_WIN32_WINNT=0x0A00")
set(CMAKE_CXX_FLAGS_INIT "-D_WIN32_WINNT=0x0A00 -DWIN32_LEAN_AND_MEAN -DNOMINMAX -DPOCO_STATIC \
-DCURL_STATICLIB -DBOOST_ALL_NO_LIB")
