#pragma once
// Typed error codes (issue 16). Each code has one stable, machine-readable name (it appears in
// `--json` output as "code" and in run messages) and one exit code (SPEC section 2), both in
// the one table below. A string literal converts at compile time: `Error{"DB", ...}` reads as
// before, and a misspelt `Error{"BD", ...}` does not compile.

#include <array>
#include <cstdint>
#include <ostream>
#include <stdexcept>
#include <string>
#include <string_view>

namespace patrond {

// SPEC section 2: what a command that stops on the error exits with.
enum class ExitClass : std::uint8_t {
  kFailed = 1,   // the job or operation ran and failed (nothing applied)
  kUsage = 2,    // usage or configuration error (nothing done)
  kRefused = 3,  // refused by a policy (a circulation block)
};

class ErrorCode {
 public:
  enum Value : std::uint8_t {
    kAuth,
    kBusy,
    kConfig,
    kConnect,
    kCrypto,
    kCsv,
    kDb,
    kDbMissing,
    kDns,
    kEmptyFile,
    kFileMissing,
    kFileRefused,
    kHostKey,
    kInternal,
    kIo,
    kLoadDataOff,
    kMissingColumn,
    kNetwork,
    kNotOwed,
    kOneRoster,
    kRead,
    kRefused,
    kResources,
    kSecret,
    kSource,
    kStopped,
    kTemplate,
    kTooLarge,
    kUsage,
    kWatch,
  };

  constexpr ErrorCode() = default;
  constexpr ErrorCode(Value v) : v_(v) {}  // NOLINT: implicit by design
  // From the code's name, at compile time only (an unknown name is a compile error).
  consteval ErrorCode(const char* name) : v_(lookup(name)) {}  // NOLINT: implicit by design

  constexpr Value value() const { return v_; }
  constexpr std::string_view name() const { return kTable[v_].name; }
  std::string str() const { return std::string(name()); }
  constexpr ExitClass exitClass() const { return kTable[v_].exit; }

  friend constexpr bool operator==(ErrorCode a, ErrorCode b) { return a.v_ == b.v_; }
  friend std::ostream& operator<<(std::ostream& o, ErrorCode c) { return o << c.name(); }
  friend std::string operator+(const std::string& s, ErrorCode c) { return s + c.str(); }
  friend std::string operator+(ErrorCode c, const std::string& s) { return c.str() + s; }
  friend std::string operator+(ErrorCode c, const char* s) { return c.str() + s; }

 private:
  struct Row {
    Value code;
    std::string_view name;
    ExitClass exit;
  };
  static constexpr ExitClass F = ExitClass::kFailed, U = ExitClass::kUsage;
  // The one table: name and exit code of every code, in enum order.
  static constexpr std::array<Row, 30> kTable{{
      {kAuth, "AUTH", F},                          // a server refused the credentials
      {kBusy, "BUSY", F},                          // another run of the job holds its lease
      {kConfig, "CONFIG", U},                      // patrond.yaml or the mapping is wrong
      {kConnect, "CONNECT", F},                    // a server cannot be reached
      {kCrypto, "CRYPTO", F},                      // a password hash or random bytes failed
      {kCsv, "CSV", F},                            // the file is not valid CSV
      {kDb, "DB", F},                              // the database failed
      {kDbMissing, "DB_MISSING", U},               // the database (or its folder) is not there
      {kDns, "DNS", F},                            // a host name does not resolve
      {kEmptyFile, "EMPTY_FILE", F},               // the source file is empty
      {kFileMissing, "FILE_MISSING", F},           // the source file is not there
      {kFileRefused, "FILE_REFUSED", F},           // the source file may not be read
      {kHostKey, "HOST_KEY", F},                   // the SSH host key does not match
      {kInternal, "INTERNAL", F},                  // an error made without a code (a bug)
      {kIo, "IO", F},                              // reading or writing a file failed
      {kLoadDataOff, "LOAD_DATA_OFF", F},          // MariaDB refuses LOAD DATA LOCAL (fallback)
      {kMissingColumn, "MISSING_COLUMN", F},       // the file lacks a mapped column
      {kNetwork, "NETWORK", F},                    // the network failed mid-transfer
      {kNotOwed, "NOT_OWED", F},                   // a payment for a fine not owed
      {kOneRoster, "ONEROSTER", F},                // a OneRoster bundle is not valid
      {kRead, "READ", F},                          // the import's reader thread failed
      {kRefused, "REFUSED", ExitClass::kRefused},  // a circulation policy refused it
      {kResources, "RESOURCES", F},                // threads or memory could not be had
      {kSecret, "SECRET", F},                      // a password file or variable is unusable
      {kSource, "SOURCE", F},                      // the source folder cannot be read
      {kStopped, "STOPPED", F},                    // the service was asked to stop mid-run
      {kTemplate, "TEMPLATE", U},                  // a notice template is wrong
      {kTooLarge, "TOO_LARGE", F},                 // a download is over its cap
      {kUsage, "USAGE", U},                        // the command line is wrong
      {kWatch, "WATCH", F},                        // a folder cannot be watched
  }};

  static consteval Value lookup(const char* name) {
    std::string_view n(name);
    for (const auto& row : kTable) {
      if (row.name == n) {
        return row.code;
      }
    }
    throw std::logic_error("unknown error code");  // at compile time: does not compile
  }
  Value v_ = kInternal;

 public:
  // The table's rows are in enum order (checked below, at compile time).
  static constexpr bool tableInOrder() {
    for (std::size_t i = 0; i < kTable.size(); ++i) {
      if (kTable[i].code != i) {
        return false;
      }
    }
    return true;
  }
};
static_assert(ErrorCode::tableInOrder(), "ErrorCode::kTable must list the codes in enum order");

}  // namespace patrond
