#include "adapters/log/boost_log.h"

#include <boost/core/null_deleter.hpp>
#include <boost/log/attributes/attribute_value_impl.hpp>
#include <boost/log/attributes/value_extraction.hpp>
#include <boost/log/core.hpp>
#include <boost/log/expressions.hpp>
#include <boost/log/sinks/basic_sink_backend.hpp>
#include <boost/log/sinks/sync_frontend.hpp>
#include <boost/log/sinks/text_file_backend.hpp>
#include <boost/log/sinks/text_ostream_backend.hpp>
#include <boost/log/sources/record_ostream.hpp>
#include <boost/log/sources/severity_logger.hpp>
#include <boost/log/support/date_time.hpp>
#include <boost/log/utility/exception_handler.hpp>
#include <boost/log/utility/setup/common_attributes.hpp>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <stdexcept>

#ifndef _WIN32
#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <syslog.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <stdexcept>
#endif

#include "adapters/log/journal.h"
#ifdef _WIN32
#include "adapters/log/event_log.h"
#endif
#include "engine/display_time.h"
#include "engine/text.h"

namespace patrond {
// Found by argument-dependent lookup when Boost.Log formats the Severity attribute.
std::ostream& operator<<(std::ostream& o, LogLevel l);
}  // namespace patrond

namespace patrond::logging {

namespace bl = boost::log;
namespace sinks = boost::log::sinks;
namespace expr = boost::log::expressions;

BOOST_LOG_ATTRIBUTE_KEYWORD(severity, "Severity", LogLevel)
BOOST_LOG_ATTRIBUTE_KEYWORD(jobName, "Job", std::string)
BOOST_LOG_ATTRIBUTE_KEYWORD(runId, "RunId", std::int64_t)
BOOST_LOG_ATTRIBUTE_KEYWORD(utcTime, "UtcTime", UtcTime)

const char* levelName(LogLevel l);
const char* levelName(LogLevel l) {
  switch (l) {
    case LogLevel::kTrace:
      return "trace";
    case LogLevel::kDebug:
      return "debug";
    case LogLevel::kInfo:
      return "info";
    case LogLevel::kWarning:
      return "warning";
    case LogLevel::kError:
      return "error";
  }
  return "info";
}

namespace {

#ifndef _WIN32
// syslog(3) directly: Debian's Boost.Log is built without its native syslog backend, and
// journald reads /dev/log.
class SyslogBackend final
    : public sinks::basic_formatted_sink_backend<char, sinks::synchronized_feeding> {
 public:
  explicit SyslogBackend(std::string ident) : ident_(std::move(ident)) {
    ::openlog(ident_.c_str(), LOG_PID, LOG_DAEMON);
  }
  void consume(const bl::record_view& rec, const string_type& message) {
    auto level = rec[severity];
    int prio = LOG_INFO;
    if (level) {
      switch (*level) {
        case LogLevel::kTrace:
        case LogLevel::kDebug:
          prio = LOG_DEBUG;
          break;
        case LogLevel::kInfo:
          prio = LOG_INFO;
          break;
        case LogLevel::kWarning:
          prio = LOG_WARNING;
          break;
        case LogLevel::kError:
          prio = LOG_ERR;
          break;
      }
    }
    ::syslog(prio, "%s", message.c_str());
  }

 private:
  std::string ident_;  // openlog keeps the pointer
};

// The journal (SPEC section 11): each record with its level and the job and run it is about.
class JournalBackend final
    : public sinks::basic_formatted_sink_backend<char, sinks::synchronized_feeding> {
 public:
  explicit JournalBackend(std::string ident) : ident_(std::move(ident)) {}
  void consume(const bl::record_view& rec, const string_type& message) {
    LogContext context;
    if (auto job = rec[jobName]) {
      context.job = *job;
    }
    if (auto run = rec[runId]) {
      context.runId = *run;
    }
    auto level = rec[severity];
    (void)sendToJournal(journalFields(level ? *level : LogLevel::kInfo, message, context, ident_));
  }

 private:
  std::string ident_;
};

// logging.file (SPEC section 11): one file that every patrond process appends to, rotated by
// its size only. Boost.Log's own file backend renames the file when a process ends and counts
// only what this process wrote, so a command run beside the service would rotate the
// service's file away. Here each record is one write(2) with O_APPEND (whole lines, whoever
// writes), the file's real size decides, and rotation keeps FILE.1 (newest) .. FILE.keep_files.
class SizeRotatedFile final
    : public sinks::basic_formatted_sink_backend<char, sinks::synchronized_feeding> {
 public:
  SizeRotatedFile(std::string path, std::uint64_t rotateSize, int keepFiles)
      : path_(std::move(path)), rotateSize_(rotateSize), keepFiles_(keepFiles) {
    if (!open()) {
      int error = errno;
      throw std::runtime_error("cannot write the log file " + path_ + ": " + std::strerror(error));
    }
  }
  ~SizeRotatedFile() { close(); }
  SizeRotatedFile(const SizeRotatedFile&) = delete;
  SizeRotatedFile& operator=(const SizeRotatedFile&) = delete;

  // Never throws: a record that cannot be written is lost, the next one tries again.
  void consume(const bl::record_view&, const string_type& message) {
    std::string line = message;
    line += '\n';
    if (fd_ < 0 || !current()) {
      close();
      if (!open()) {
        return;
      }
    }
    struct stat st {};
    if (::fstat(fd_, &st) == 0 && st.st_size > 0 &&
        static_cast<std::uint64_t>(st.st_size) + line.size() > rotateSize_) {
      rotate(line.size());
      if (fd_ < 0 && !open()) {
        return;
      }
    }
    const char* p = line.data();
    size_t left = line.size();
    while (left > 0) {
      ssize_t n = ::write(fd_, p, left);
      if (n < 0 && errno == EINTR) {
        continue;
      }
      if (n <= 0) {
        return;
      }
      p += n;
      left -= static_cast<size_t>(n);
    }
  }

 private:
  bool open() {
    fd_ = ::open(path_.c_str(), O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0640);
    return fd_ >= 0;
  }
  void close() {
    if (fd_ >= 0) {
      ::close(fd_);
      fd_ = -1;
    }
  }
  // Whether the path still names the file this process has open (another process may have
  // rotated it away).
  bool current() const {
    struct stat byPath {};
    struct stat open {};
    return ::stat(path_.c_str(), &byPath) == 0 && ::fstat(fd_, &open) == 0 &&
           byPath.st_dev == open.st_dev && byPath.st_ino == open.st_ino;
  }
  std::string rotated(int n) const { return path_ + "." + std::to_string(n); }

  // The processes that have the full file open agree through a lock on it: the first renames
  // it, the others find that the path names a new file and only reopen.
  void rotate(size_t incoming) {
    while (::flock(fd_, LOCK_EX) != 0 && errno == EINTR) {
    }
    struct stat st {};
    if (current() && ::fstat(fd_, &st) == 0 && st.st_size > 0 &&
        static_cast<std::uint64_t>(st.st_size) + incoming > rotateSize_) {
      if (keepFiles_ <= 0) {
        ::unlink(path_.c_str());
      } else {
        ::unlink(rotated(keepFiles_).c_str());
        for (int n = keepFiles_ - 1; n >= 1; --n) {
          ::rename(rotated(n).c_str(), rotated(n + 1).c_str());
        }
        ::rename(path_.c_str(), rotated(1).c_str());
      }
    }
    ::flock(fd_, LOCK_UN);
    close();
    open();
  }

  std::string path_;
  std::uint64_t rotateSize_;
  int keepFiles_;
  int fd_ = -1;
};
#endif

#ifdef _WIN32
// The Windows Event Log: the Application log, source "patrond" (event_log.h).
class EventLogBackend final
    : public sinks::basic_formatted_sink_backend<char, sinks::synchronized_feeding> {
 public:
  explicit EventLogBackend(const std::string& source) : log_(source) {}
  void consume(const bl::record_view& rec, const string_type& message) {
    auto level = rec[severity];
    (void)log_.report(level ? *level : LogLevel::kInfo, message);
  }

 private:
  EventLog log_;
};
#endif

class BoostLog final : public Log {
 public:
  void write(LogLevel level, std::string_view message) override {
    // A last line of defence: connection strings and URLs never carry a password into a log.
    // One record is one line, and data cannot recolour a terminal or forge a record.
    std::string line = escapeControl(redactSecrets(message));
    bl::record rec = logger_.open_record(bl::keywords::severity = level);
    if (!rec) {
      return;
    }
    rec.attribute_values().insert(
        "UtcTime", bl::attributes::make_attribute_value(
                       std::chrono::time_point_cast<Seconds>(std::chrono::system_clock::now())));
    const LogContext& context = currentLogContext();
    if (!context.job.empty()) {
      rec.attribute_values().insert("Job", bl::attributes::make_attribute_value(context.job));
    }
    if (context.runId > 0) {
      rec.attribute_values().insert("RunId", bl::attributes::make_attribute_value(context.runId));
    }
    bl::record_ostream stream(rec);
    stream << line;
    stream.flush();
    logger_.push_record(std::move(rec));
  }

 private:
  bl::sources::severity_logger_mt<LogLevel> logger_;
};

// "2026-10-15T02:00:00-05:00 info: message": the district's time with its offset (SPEC 11).
auto formatter(std::shared_ptr<const TimeZone> zone) {
  if (!zone) {
    zone = std::make_shared<FixedOffsetZone>();
  }
  return [zone](const bl::record_view& rec, bl::formatting_ostream& out) {
    auto t = rec[utcTime];
    auto level = rec[severity];
    out << rfc3339(t ? *t : std::chrono::time_point_cast<Seconds>(std::chrono::system_clock::now()),
                   *zone)
        << " " << levelName(level ? *level : LogLevel::kInfo) << ": " << rec[expr::smessage];
  };
}

}  // namespace

std::shared_ptr<Log> setupLog(const LogSetup& setup) {
  auto core = bl::core::get();
  core->remove_all_sinks();
  bool anySink = false;
  bl::add_common_attributes();
  core->set_filter(severity >= setup.config.level);
  // A sink that fails later (disk full, folder removed) loses its line, never the process.
  core->set_exception_handler(bl::make_exception_suppressor());

  if (setup.console) {
    auto backend = boost::make_shared<sinks::text_ostream_backend>();
    backend->add_stream(boost::shared_ptr<std::ostream>(&std::clog, boost::null_deleter()));
    backend->auto_flush(true);
    auto sink = boost::make_shared<sinks::synchronous_sink<sinks::text_ostream_backend>>(backend);
    sink->set_formatter(formatter(setup.zone));
    core->add_sink(sink);
    anySink = true;
  }
  if (!setup.config.file.empty()) {
    std::filesystem::path file(setup.config.file);
    std::error_code ec;
    std::filesystem::create_directories(file.parent_path(), ec);
#ifndef _WIN32
    // Throws "cannot write the log file FILE" if it cannot be opened; the caller sets up the
    // other sinks without it.
    auto backend = boost::make_shared<SizeRotatedFile>(file.string(), setup.config.rotateSize,
                                                       setup.config.keepFiles);
    auto sink = boost::make_shared<sinks::synchronous_sink<SizeRotatedFile>>(backend);
#else
    if (std::ofstream probe(file, std::ios::app); !probe) {
      throw std::runtime_error("cannot write the log file " + file.string() + ": " +
                               std::strerror(errno));
    }
    auto backend = boost::make_shared<sinks::text_file_backend>(
        bl::keywords::file_name = file.string(),
        bl::keywords::target_file_name =
            file.stem().string() + "-%Y%m%d-%H%M%S-%N" + file.extension().string(),
        bl::keywords::rotation_size = setup.config.rotateSize,
        bl::keywords::open_mode = std::ios_base::out | std::ios_base::app,
        bl::keywords::enable_final_rotation = false);
    backend->set_file_collector(sinks::file::make_collector(
        bl::keywords::target = file.parent_path().string(),
        bl::keywords::max_files = static_cast<unsigned>(setup.config.keepFiles)));
    backend->scan_for_files();
    backend->auto_flush(true);
    auto sink = boost::make_shared<sinks::synchronous_sink<sinks::text_file_backend>>(backend);
#endif
    sink->set_formatter(formatter(setup.zone));
    core->add_sink(sink);
    anySink = true;
  }
#ifndef _WIN32
  if (setup.journal) {
    auto sink = boost::make_shared<sinks::synchronous_sink<JournalBackend>>(
        boost::make_shared<JournalBackend>(setup.ident));
    sink->set_formatter(expr::stream << expr::smessage);
    core->add_sink(sink);
    anySink = true;
  } else if (setup.config.system) {
    static boost::shared_ptr<SyslogBackend> backend;  // one openlog per process
    if (!backend) {
      backend = boost::make_shared<SyslogBackend>(setup.ident);
    }
    auto sink = boost::make_shared<sinks::synchronous_sink<SyslogBackend>>(backend);
    sink->set_formatter(expr::stream << expr::smessage);
    core->add_sink(sink);
    anySink = true;
  }
#else
  if (setup.config.system) {
    static boost::shared_ptr<EventLogBackend> backend;  // one event source per process
    if (!backend) {
      backend = boost::make_shared<EventLogBackend>(setup.ident);
    }
    auto sink = boost::make_shared<sinks::synchronous_sink<EventLogBackend>>(backend);
    sink->set_formatter(expr::stream << expr::smessage);
    core->add_sink(sink);
    anySink = true;
  }
#endif
  // Without a sink Boost.Log would print everything to stderr by itself.
  core->set_logging_enabled(anySink);
  return std::make_shared<BoostLog>();
}

}  // namespace patrond::logging

std::ostream& patrond::operator<<(std::ostream& o, LogLevel l) {
  return o << logging::levelName(l);
}
