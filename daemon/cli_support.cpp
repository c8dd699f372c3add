#include "daemon/cli_support.h"

#include <charconv>
#include <map>
#include <sstream>

#include "engine/text.h"

namespace patrond::daemon {

namespace {

// The full name of a subcommand below the root ("db backup").
std::string commandPath(const CLI::App& app) {
  std::string path = app.get_name();
  for (const CLI::App* p = app.get_parent(); p != nullptr && p->get_parent() != nullptr;
       p = p->get_parent()) {
    path = p->get_name() + " " + path;
  }
  return path;
}

const std::map<std::string, std::string>& examples() {
  static const std::map<std::string, std::string> table{
      {"run", "patrond run --config /etc/patrond/patrond.yaml"},
      {"check-config", "patrond check-config --config /etc/patrond/patrond.yaml"},
      {"db", "patrond db status"},
      {"db migrate", "sudo -u patrond patrond db migrate"},
      {"db status", "patrond db status --json"},
      {"db backup", "sudo -u patrond patrond db backup /var/lib/patrond/backup-$(date +%F).db"},
      {"import", "patrond import students --dry-run"},
      {"test-source", "patrond test-source students"},
      {"runs", "patrond runs --job students --limit 5"},
      {"summary", "patrond summary 42 --errors-only"},
      {"patrons", "patrond patrons show S1001"},
      {"patrons show", "patrond patrons show S1001"},
      {"patrons list", "patrond patrons list --site LHS --status inactive"},
      {"patrons set", "patrond patrons set S1001 --homeroom Moved"},
      {"patrons delete", "patrond patrons delete --site LHS --homeroom Leavers --dry-run"},
      {"homerooms", "patrond homerooms list --site LHS"},
      {"homerooms list", "patrond homerooms list --site LHS"},
      {"homerooms set", "patrond homerooms set LHS \"Smith 104\" --teacher-email js@example.org"},
      {"items", "patrond items import copies.csv --dry-run"},
      {"items import", "patrond items import copies.csv --dry-run"},
      {"items show", "patrond items show T0001"},
      {"items list", "patrond items list --site LHS --status lost --title algebra"},
      {"circ", "patrond circ checkout P1001 T0001"},
      {"circ checkout", "patrond circ checkout P1001 T0001 --override --by \"J. Smith\""},
      {"circ checkin", "patrond circ checkin T0001"},
      {"circ condition", "patrond circ condition T0001 fair"},
      {"circ sweep", "patrond circ sweep --as-of \"2027-06-20\""},
      {"fines", "patrond fines pay P1001 12.50"},
      {"fines pay", "patrond fines pay P1001 12.50"},
      {"fines list", "patrond fines list P1001"},
      {"fines waive", "patrond fines waive P1001 5.00 --reason \"copy found\""},
      {"reports", "patrond reports loans --homeroom Moved"},
      {"reports loans", "patrond reports loans --site LHS --format csv > loans.csv"},
      {"notices", "patrond notices preview weekly-overdues"},
      {"notices send", "patrond notices send weekly-overdues --dry-run"},
      {"notices preview", "patrond notices preview weekly-overdues --homeroom \"Smith 104\""},
      {"status", "patrond status --job students"},
      {"alerts", "patrond alerts --limit 10"},
      {"alerts check", "patrond alerts check"},
      {"outbox", "patrond outbox --status failed"},
      {"outbox deliver", "patrond outbox deliver"},
      {"service", "patrond service install --config C:\\ProgramData\\patrond\\patrond.yaml"},
      {"service install",
       "patrond service install --config C:\\ProgramData\\patrond\\patrond.yaml"},
      {"service start", "patrond service start"},
      {"service uninstall", "patrond service uninstall"},
      {"service setup",
       "patrond service setup --data C:\\ProgramData\\patrond --starter "
       "\"C:\\Program Files\\patrond\\conf\""},
  };
  return table;
}

std::string globalOptionsText(const CLI::App& root) {
  std::ostringstream o;
  o << "Global options (before or after the command):\n";
  for (const CLI::Option* opt : root.get_options()) {
    if (opt->get_lnames().empty() || opt->get_lnames().front() == "help" ||
        opt->get_lnames().front() == "version") {
      continue;
    }
    std::string name = "--" + opt->get_lnames().front();
    if (opt->get_type_size() != 0) {
      name += " " + opt->get_type_name();
    }
    o << "  " << name << std::string(name.size() < 20 ? 20 - name.size() : 1, ' ')
      << opt->get_description() << "\n";
  }
  return o.str();
}

const char* const kExitCodes =
    "Exit codes: 0 success; 1 the job or operation ran and failed (nothing applied);\n"
    "  2 usage or configuration error (nothing done); 3 refused by a policy.\n";

// `status` follows the monitoring-plugin conventions instead.
const char* const kStatusExitCodes =
    "Exit codes (monitoring plugins): 0 OK; 1 WARNING; 2 CRITICAL; 3 UNKNOWN (the\n"
    "  configuration cannot be loaded, an unknown job, a usage error).\n";

void addFooters(CLI::App& app, const std::string& globals) {
  for (CLI::App* sub : app.get_subcommands([](CLI::App*) { return true; })) {
    std::string path = commandPath(*sub);
    auto example = examples().find(path);
    const char* codes = path == "status" ? kStatusExitCodes : kExitCodes;
    sub->footer("\n" + globals + codes + "Example:\n  " +
                (example != examples().end() ? example->second : "patrond " + path) + "\n");
    addFooters(*sub, globals);
  }
}

std::vector<std::string> subcommandNames(const CLI::App& app) {
  std::vector<std::string> names;
  for (const CLI::App* sub : app.get_subcommands([](const CLI::App*) { return true; })) {
    names.push_back(sub->get_name());
  }
  return names;
}

}  // namespace

void addHelpFooters(CLI::App& root) {
  addFooters(root, globalOptionsText(root));
  // The top level lists its own options above; the exit codes and where to go next below.
  root.footer(std::string("\n") + kExitCodes +
              "Example:\n  patrond check-config && patrond import students --dry-run\n"
              "'patrond COMMAND --help' shows a command's options.\n");
}

CLI::Validator limitValidator(long long max) {
  return CLI::Validator(
      [max](std::string& v) {
        long long n = 0;
        auto [end, ec] = std::from_chars(v.data(), v.data() + v.size(), n);
        if (ec == std::errc() && end == v.data() + v.size() && n >= 1 && n <= max) {
          return std::string();
        }
        return "a whole number from 1 to " + std::to_string(max) + ", not '" +
               escapeControl(utf8Truncate(v, 40)) + "'";
      },
      "1.." + std::to_string(max));
}

std::string unknownCommandMessage(const CLI::App& root) {
  // The deepest command given: an unknown word after it is the unknown command.
  const CLI::App* at = &root;
  while (!at->get_subcommands().empty()) {
    at = at->get_subcommands().front();
  }
  auto names = subcommandNames(*at);
  auto remaining = root.remaining(true);
  if (names.empty() || remaining.empty() || remaining.front().rfind('-', 0) == 0) {
    return "";
  }
  std::string prefix = at == &root ? "" : commandPath(*at) + " ";
  const std::string& word = remaining.front();
  std::string msg = "unknown command '" + prefix + escapeControl(utf8Truncate(word, 64)) + "'";
  if (auto near = closestMatch(word, names)) {
    msg += " (did you mean '" + prefix + *near + "'?)";
  } else {
    msg += "; commands: " + joinSome(names, 40);
  }
  return msg;
}

std::string unknownJobMessage(const Config& config, const std::string& name) {
  std::vector<std::string> jobs;
  for (const auto& j : config.imports) {
    jobs.push_back(j.name);
  }
  std::string msg =
      "no import job named '" + escapeControl(utf8Truncate(name, 64)) + "' in " + config.path;
  if (auto near = closestMatch(name, jobs)) {
    msg += " (did you mean '" + *near + "'?)";
  } else if (!jobs.empty()) {
    msg += " (jobs: " + joinSome(jobs, 10) + ")";
  }
  return msg;
}

}  // namespace patrond::daemon
