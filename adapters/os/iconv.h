#pragma once
// iconv(3) for the charsets patrond reads (SPEC: source.encoding). POSIX: the C library's.
// Windows has none: iconv_win.cpp gives the same calls, converting to UTF-8 only, from
// UTF-16LE/BE (decoded here) and WINDOWS-1252, ISO-8859-1 and MACINTOSH (through the
// system's code pages 1252, 28591 and 10000), with iconv's errno contract (EILSEQ, EINVAL,
// E2BIG).

#ifndef _WIN32
#include <iconv.h>
#else
#include <cstddef>

using iconv_t = void*;
iconv_t iconv_open(const char* to, const char* from);
std::size_t iconv(iconv_t cd, char** in, std::size_t* inLeft, char** out, std::size_t* outLeft);
int iconv_close(iconv_t cd);
#endif
