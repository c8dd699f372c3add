#pragma once
// Small text helpers the engine shares. Pure; any thread.

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace patrond {

std::string_view trim(std::string_view s);
// One line for a header or a log: every control character (line breaks too) becomes a space,
// and the ends are trimmed. Data can then never start a new header line.
std::string singleLine(std::string_view s);
std::string toLower(std::string_view s);
size_t editDistance(std::string_view a, std::string_view b);
// The closest candidate within a small edit distance, for "did you mean" messages.
std::optional<std::string> closestMatch(std::string_view word,
                                        const std::vector<std::string>& candidates);
// "30s", "15m", "2h", "1d" (also plain seconds as a number).
std::optional<std::chrono::seconds> parseDuration(std::string_view s);
std::string formatDuration(std::chrono::seconds d);
// "10MB", "512KB", "1GB", plain bytes.
std::optional<std::uint64_t> parseByteSize(std::string_view s);
// Money as integer cents: "12.50", "12.5", "12", "-3.00". No binary floating point.
std::optional<std::int64_t> parseCents(std::string_view s);
std::string formatCents(std::int64_t cents);
// Masks credentials before they reach a log, check-config output, an error or a run record:
// password=/passwd=/pwd=/pass= values in connection strings (quoted or not, spaces around '=')
// and the password of scheme://user:password@host URLs (the user is kept).
std::string redactSecrets(std::string_view s);
// Cuts a UTF-8 string to at most maxChars code points, never splitting a sequence.
std::string utf8Truncate(std::string_view s, size_t maxChars);
size_t utf8Length(std::string_view s);
bool validUtf8(std::string_view s);
// Control characters made visible for a terminal or a log, so that data can neither move the
// cursor, recolour, clear the screen nor start a line of its own: line feed and carriage
// return become \n and \r, other C0 controls, ESC and DEL \xNN, C1 controls (U+0080..U+009F)
// \u0080..\u009F, bytes that are not UTF-8 \xNN. Tabs and all other text stay as they are.
std::string escapeControl(std::string_view s);
// The same for multi-line text (a message body): line feeds, and CR LF pairs, stay.
std::string escapeControlKeepLines(std::string_view s);
// The first `shown` items joined by "; ", then "; and N more" when there are more: a list
// from outside (files on a server, rows) that must stay one readable line.
std::string joinSome(const std::vector<std::string>& items, std::size_t shown);

}  // namespace patrond
