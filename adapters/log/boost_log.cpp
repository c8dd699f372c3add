#include "adapters/log/boost_log.h"

#include <boost/core/null_deleter.hpp>
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
#include <syslog.h>
#endif

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
#endif

class BoostLog final : public Log {
 public:
  void write(LogLevel level, std::string_view message) override {
    // A last line of defence: connection strings and URLs never carry a password into a log.
    std::string line = redactSecrets(message);
    BOOST_LOG_SEV(logger_, level) << line;
  }

 private:
  bl::sources::severity_logger_mt<LogLevel> logger_;
};

auto formatter() {
  return expr::stream << expr::format_date_time<boost::posix_time::ptime>("TimeStamp",
                                                                          "%Y-%m-%d %H:%M:%S")
                      << " " << expr::attr<LogLevel>("Severity") << ": " << expr::smessage;
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
    sink->set_formatter(formatter());
    core->add_sink(sink);
    anySink = true;
  }
  if (!setup.config.file.empty()) {
    std::filesystem::path file(setup.config.file);
    std::error_code ec;
    std::filesystem::create_directories(file.parent_path(), ec);
    if (std::ofstream probe(file, std::ios::app); !probe) {
      // Said here, with the file; the caller sets up the other sinks without it.
      throw std::runtime_error("cannot write the log file " + file.string() + ": " +
                               std::strerror(errno));
    }
    auto backend = boost::make_shared<sinks::text_file_backend>(
        bl::keywords::file_name = file.string(),
        bl::keywords::target_file_name =
            file.stem().string() + "-%Y%m%d-%H%M%S-%N" + file.extension().string(),
        bl::keywords::rotation_size = setup.config.rotateSize,
        bl::keywords::open_mode = std::ios_base::out | std::ios_base::app);
    backend->set_file_collector(sinks::file::make_collector(
        bl::keywords::target = file.parent_path().string(),
        bl::keywords::max_files = static_cast<unsigned>(setup.config.keepFiles)));
    backend->scan_for_files();
    backend->auto_flush(true);
    auto sink = boost::make_shared<sinks::synchronous_sink<sinks::text_file_backend>>(backend);
    sink->set_formatter(formatter());
    core->add_sink(sink);
    anySink = true;
  }
#ifndef _WIN32
  if (setup.config.system) {
    static boost::shared_ptr<SyslogBackend> backend;  // one openlog per process
    if (!backend) {
      backend = boost::make_shared<SyslogBackend>(setup.ident);
    }
    auto sink = boost::make_shared<sinks::synchronous_sink<SyslogBackend>>(backend);
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
