#pragma once
// The file system calls whose semantics differ between POSIX and Windows: opening only regular
// files, creating a file that must not exist yet, renaming without replacing, replacing at
// once, and access checks as the running user. POSIX in files_posix.cpp, Windows in
// files_win.cpp. Paths are UTF-8 on both.

#include <cstdint>
#include <cstdio>
#include <optional>
#include <string>

#include "engine/ports/notice_output.h"
#include "engine/result.h"

namespace patrond::os {

enum class OpenFailure {
  kNone,
  kMissing,     // no such file
  kFolder,      // a folder, not a file
  kNotRegular,  // a FIFO, socket or device: reading it could block forever
  kSystem,      // anything else: `reason` says what
};

struct OpenedFile {
  std::FILE* file = nullptr;  // binary mode; the caller closes it
  OpenFailure failure = OpenFailure::kNone;
  std::string reason;  // the system's words when failure is kSystem
};

// Opens a regular file for reading. The open itself never blocks (a FIFO is refused, not
// waited on) and the check is on what was opened, not on the name.
OpenedFile openRegularFile(const std::string& path);

struct FileInfo {
  bool regular = false;
  std::uint64_t size = 0;
  std::int64_t modifiedNs = 0;  // nanoseconds since 1970-01-01 UTC
};

// Size and modification time of a regular file; `regular` false for anything else.
FileInfo regularFileInfo(const std::string& path);

enum class CreateResult { kCreated, kExists, kFailed };

// Creates `path`, which must not exist, readable by its owner only on POSIX (0600; on Windows
// it inherits its folder's permissions), never through a symbolic link, writes `content`,
// flushes it to disk and closes it. On kFailed `reason` says why and the file is removed.
CreateResult createNewFile(const std::string& path, const std::string& content, std::string& reason,
                           bool ownerOnly = true);

// Gives `from` the name `to` unless something has that name already (never replaces).
// False with errno EEXIST when `to` exists; `from` is kept either way on POSIX (a hard link),
// gone after success on Windows (a move).
bool linkNoReplace(const std::string& from, const std::string& to);

// Moves `from` onto `to` at once, replacing what was there; false with `reason` set.
bool replaceFile(const std::string& from, const std::string& to, std::string& reason);

// Access as the running user (its groups and ACLs included).
bool canListFolder(const std::string& path);
bool canWriteFolder(const std::string& path);
bool canReadFile(const std::string& path);
bool canWriteFile(const std::string& path);

// Whether others than the owner and its group may read the file (a secret should not be).
// Always false on Windows, whose folder ACLs the installer sets.
bool readableByOthers(const std::string& path);

}  // namespace patrond::os

namespace patrond::os {

// What can go wrong reading a small regular file, told apart so each caller words it.
enum class ReadProblem { kNone, kOpen, kDirectory, kNotRegular, kTooLarge, kRead };

struct SmallFile {
  std::string text;
  ReadProblem problem = ReadProblem::kNone;
  std::string reason;  // the system's words for kOpen and kRead
};

// A regular file of at most `maxBytes`, read in chunks of `chunk`. Never an exception (a
// directory used to throw out of a stream and end the process), and a FIFO named as the file
// cannot hang the open (openRegularFile).
SmallFile readSmallFile(const std::string& path, std::size_t maxBytes, std::size_t chunk);

// A folder that files are written into whole (printed notices): never through a symbolic
// link planted in it, and the folder itself must not be one.
class OutputFolder {
 public:
  OutputFolder() = default;
  OutputFolder(const OutputFolder&) = delete;
  OutputFolder& operator=(const OutputFolder&) = delete;
  ~OutputFolder();

  // Opens an existing folder; false with `reason` set ("it is not a folder but a symbolic
  // link or a file; remove it", or the system's words).
  bool open(const std::string& dir, std::string& reason);

  // Writes `name` whole: the content goes to a new file of an unpredictable name, created
  // exclusively, and a rename puts it in place, replacing whatever the name was (a symbolic
  // link too) and never writing through it. False with `reason` set.
  bool write(const std::string& name, const std::string& content, std::string& reason);

 private:
  std::string dir_;
  int fd_ = -1;  // POSIX: the folder's descriptor
};

// The engine's PrintFolder (printed notices) on an OutputFolder: the folder is created when
// missing, then every file is written whole.
class NoticeFolder final : public PrintFolder {
 public:
  Result<void> open(const std::string& dir) override;
  Result<void> write(const std::string& name, const std::string& content) override;

 private:
  std::string dir_;
  std::optional<OutputFolder> folder_;
};

}  // namespace patrond::os
