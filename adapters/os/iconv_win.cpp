#include <windows.h>
// after windows.h
#include <cerrno>
#include <cstdint>
#include <cstring>
#include <string>

#include "adapters/os/iconv.h"

namespace {

struct Converter {
  enum Kind { kUtf16Le, kUtf16Be, kCodePage } kind;
  UINT codePage = 0;
};

std::string upper(const char* s) {
  std::string u(s ? s : "");
  for (char& c : u) {
    if (c >= 'a' && c <= 'z') {
      c = static_cast<char>(c - 'a' + 'A');
    }
  }
  return u;
}

// Appends the UTF-8 of `cp` if it fits.
bool putUtf8(std::uint32_t cp, char*& out, std::size_t& left) {
  char buf[4];
  std::size_t n;
  if (cp < 0x80) {
    buf[0] = static_cast<char>(cp);
    n = 1;
  } else if (cp < 0x800) {
    buf[0] = static_cast<char>(0xC0 | (cp >> 6));
    buf[1] = static_cast<char>(0x80 | (cp & 0x3F));
    n = 2;
  } else if (cp < 0x10000) {
    buf[0] = static_cast<char>(0xE0 | (cp >> 12));
    buf[1] = static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
    buf[2] = static_cast<char>(0x80 | (cp & 0x3F));
    n = 3;
  } else {
    buf[0] = static_cast<char>(0xF0 | (cp >> 18));
    buf[1] = static_cast<char>(0x80 | ((cp >> 12) & 0x3F));
    buf[2] = static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
    buf[3] = static_cast<char>(0x80 | (cp & 0x3F));
    n = 4;
  }
  if (n > left) {
    return false;
  }
  std::memcpy(out, buf, n);
  out += n;
  left -= n;
  return true;
}

std::size_t fail(int e) {
  errno = e;
  return static_cast<std::size_t>(-1);
}

std::size_t utf16(bool big, char** in, std::size_t* inLeft, char** out, std::size_t* outLeft) {
  auto unit = [big](const char* p) {
    auto b0 = static_cast<unsigned char>(p[0]), b1 = static_cast<unsigned char>(p[1]);
    return static_cast<std::uint32_t>(big ? (b0 << 8) | b1 : (b1 << 8) | b0);
  };
  while (*inLeft > 0) {
    if (*inLeft < 2) {
      return fail(EINVAL);
    }
    std::uint32_t u = unit(*in);
    std::size_t used = 2;
    std::uint32_t cp = u;
    if (u >= 0xD800 && u <= 0xDBFF) {
      if (*inLeft < 4) {
        return fail(EINVAL);
      }
      std::uint32_t low = unit(*in + 2);
      if (low < 0xDC00 || low > 0xDFFF) {
        return fail(EILSEQ);
      }
      cp = 0x10000 + ((u - 0xD800) << 10) + (low - 0xDC00);
      used = 4;
    } else if (u >= 0xDC00 && u <= 0xDFFF) {
      return fail(EILSEQ);
    }
    if (!putUtf8(cp, *out, *outLeft)) {
      return fail(E2BIG);
    }
    *in += used;
    *inLeft -= used;
  }
  return 0;
}

std::size_t codePage(UINT page, char** in, std::size_t* inLeft, char** out, std::size_t* outLeft) {
  while (*inLeft > 0) {
    wchar_t w[2];
    int n = ::MultiByteToWideChar(page, MB_ERR_INVALID_CHARS, *in, 1, w, 2);
    if (n != 1) {
      return fail(EILSEQ);
    }
    if (!putUtf8(static_cast<std::uint32_t>(w[0]), *out, *outLeft)) {
      return fail(E2BIG);
    }
    ++*in;
    --*inLeft;
  }
  return 0;
}

}  // namespace

iconv_t iconv_open(const char* to, const char* from) {
  std::string t = upper(to), f = upper(from);
  if (t != "UTF-8") {
    errno = EINVAL;
    return reinterpret_cast<iconv_t>(-1);
  }
  Converter c{Converter::kCodePage};
  if (f == "UTF-16LE") {
    c.kind = Converter::kUtf16Le;
  } else if (f == "UTF-16BE") {
    c.kind = Converter::kUtf16Be;
  } else if (f == "WINDOWS-1252" || f == "CP1252") {
    c.codePage = 1252;
  } else if (f == "ISO-8859-1" || f == "LATIN1") {
    c.codePage = 28591;
  } else if (f == "MACINTOSH" || f == "MACROMAN") {
    c.codePage = 10000;
  } else {
    errno = EINVAL;
    return reinterpret_cast<iconv_t>(-1);
  }
  if (c.kind == Converter::kCodePage && !::IsValidCodePage(c.codePage)) {
    errno = EINVAL;
    return reinterpret_cast<iconv_t>(-1);
  }
  return new Converter(c);
}

std::size_t iconv(iconv_t cd, char** in, std::size_t* inLeft, char** out, std::size_t* outLeft) {
  auto* c = static_cast<Converter*>(cd);
  if (in == nullptr || *in == nullptr) {
    return 0;  // reset: these conversions keep no state
  }
  switch (c->kind) {
    case Converter::kUtf16Le:
      return utf16(false, in, inLeft, out, outLeft);
    case Converter::kUtf16Be:
      return utf16(true, in, inLeft, out, outLeft);
    case Converter::kCodePage:
      return codePage(c->codePage, in, inLeft, out, outLeft);
  }
  return fail(EINVAL);
}

int iconv_close(iconv_t cd) {
  delete static_cast<Converter*>(cd);
  return 0;
}
