#pragma once
// What a remote SFTP server says about its files is untrusted input: a rogue or broken server
// can send names with '/', "..", line breaks or terminal escapes, and any size. These checks
// decide which names may become a local file name and read the long listing lines. Pure; any
// thread.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace patrond::sftp {

// Why a remote file name may not be downloaded ("contains '/'", ...), or nullopt when it may:
// not empty, at most 255 bytes, valid UTF-8, no '/', '\', "..", leading '.', or control
// character (C0, DEL, C1).
std::optional<std::string> refusedRemoteName(std::string_view name);

// A name as it may be shown in a log or on a terminal: escapeControl (engine/text.h), tabs as
// \x09 too, cut to 120 characters with "...".
std::string printableName(std::string_view name);

// One line of a long ("ls -l" style) SFTP listing as libcurl passes it on: the server's
// "longname", then " -> TARGET" for a symbolic link.
struct ListingEntry {
  char type = '?';                    // '-' regular file, 'd', 'l', 'c', 'b', 'p', 's', ...
  std::string name;                   // the rest of the line after the date (link target cut)
  std::optional<std::uint64_t> size;  // nullopt: not a number, or beyond 2^64
};
// nullopt when the line does not have the nine fields of a long listing.
std::optional<ListingEntry> parseListingLine(std::string_view line);

}  // namespace patrond::sftp
