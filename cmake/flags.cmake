# One INTERFACE target carries the language standard, warnings-as-errors and sanitizer flags;
# every project target links it.
add_library(patrond_flags INTERFACE)
target_compile_features(patrond_flags INTERFACE cxx_std_20)
set(CMAKE_CXX_STANDARD 20)
set(CMAKE_CXX_STANDARD_REQUIRED ON)
set(CMAKE_CXX_EXTENSIONS OFF)
target_compile_options(patrond_flags INTERFACE
  -Wall -Wextra -Wpedantic -Wshadow -Wnon-virtual-dtor -Wold-style-cast -Wcast-align
  -Woverloaded-virtual -Wimplicit-fallthrough -Werror)
if(PATROND_FUZZ)
  # The engine is instrumented for coverage too, so libFuzzer can steer into it.
  target_compile_options(patrond_flags INTERFACE -fsanitize=fuzzer-no-link,address,undefined)
  if(NOT PATROND_ENGINE_ONLY)
    # The config loader's fuzzer meets yaml-cpp's polymorphic types: no vptr check, as under PATROND_SANITIZE below.
    target_compile_options(patrond_flags INTERFACE -fno-sanitize=vptr)
  endif()
endif()
if(PATROND_SANITIZE)
  target_compile_options(patrond_flags INTERFACE
    -fsanitize=address,undefined -fno-sanitize-recover=undefined -fno-omit-frame-pointer)
  if(NOT PATROND_ENGINE_ONLY)
    # No vptr check with the adapters: it needs the typeinfo of every polymorphic class it
    # meets, and Debian's SOCI libraries do not export theirs (the store tests would not link).
    target_compile_options(patrond_flags INTERFACE -fno-sanitize=vptr)
  endif()
  target_link_options(patrond_flags INTERFACE -fsanitize=address,undefined)
endif()
if(PATROND_TSAN)
  # The import's reader and writer threads (engine/csv_read_ahead, engine/patron_import).
  target_compile_options(patrond_flags INTERFACE -fsanitize=thread -fno-omit-frame-pointer)
  target_link_options(patrond_flags INTERFACE -fsanitize=thread)
endif()
if(CMAKE_CXX_COMPILER_ID STREQUAL "GNU" AND CMAKE_CXX_COMPILER_VERSION VERSION_LESS 13)
  # GCC 12 reports std::string copies as overlapping memcpy at -O3 (GCC bug 105329).
  target_compile_options(patrond_flags INTERFACE -Wno-restrict)
endif()
