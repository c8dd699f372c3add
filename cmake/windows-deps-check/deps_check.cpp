// The include order matters here (Poco and the Windows headers before OpenSSL), and the
// zip bytes read better as one line: clang-format is off for this file.
// clang-format off
// Uses each statically linked Windows dependency a little and prints one line per library.
// Exit 0 when every check passed. Run under wine64; see docs/windows-deps.md.
// Poco first: its Windows headers pull in wincrypt.h, whose X509_NAME & co. macros break
// OpenSSL's headers unless OpenSSL comes after them (openssl/types.h undefines them then).
#include <Poco/Net/Context.h>
#include <Poco/Net/SSLManager.h>
#include <Poco/JSON/Parser.h>
#include <Poco/Version.h>

#include <argon2.h>
#include <curl/curl.h>
#include <libpq-fe.h>
#include <libssh2.h>
#include <mysql.h>
#include <openssl/evp.h>
#include <openssl/opensslv.h>
#include <zip.h>
#include <zlib.h>

#include <CLI/CLI.hpp>
#include <boost/filesystem.hpp>
#include <boost/locale.hpp>
#include <boost/log/trivial.hpp>
#include <boost/log/utility/setup/console.hpp>
#include <boost/program_options.hpp>
#include <boost/version.hpp>
#include <date/tz.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <kainjow/mustache.hpp>
#include <nlohmann/json.hpp>
#include <re2/re2.h>
#include <soci/mysql/soci-mysql.h>
#include <soci/postgresql/soci-postgresql.h>
#include <soci/soci.h>
// soci-sqlite3.h includes <sqlite3.h> inside namespace sqlite_api: no other include of it.
#include <soci/sqlite3/soci-sqlite3.h>
#include <yaml-cpp/yaml.h>

#include <array>
#include <cstdio>
#include <cstring>
#include <functional>
#include <iostream>
#include <sstream>
#include <string>

namespace {

int failures = 0;

void check(const char* library, const std::function<std::string()>& body) {
  try {
    std::cout << library << ": " << body() << std::endl;
  } catch (const std::exception& e) {
    ++failures;
    std::cout << library << ": FAILED: " << e.what() << std::endl;
  }
}

void require(bool ok, const std::string& what) {
  if (!ok) {
    throw std::runtime_error(what);
  }
}

// A zip made with Python's zipfile (one deflated member, hello.txt).
const unsigned char kZip[] = {80,75,3,4,20,0,0,0,8,0,240,8,135,93,7,156,229,134,24,0,0,0,35,0,0,0,9,0,0,0,104,101,108,108,111,46,116,120,116,203,72,205,201,201,87,72,43,202,207,85,72,84,168,202,44,208,81,200,64,19,225,2,0,80,75,1,2,20,3,20,0,0,0,8,0,240,8,135,93,7,156,229,134,24,0,0,0,35,0,0,0,9,0,0,0,0,0,0,0,0,0,0,0,128,1,0,0,0,0,104,101,108,108,111,46,116,120,116,80,75,5,6,0,0,0,0,1,0,1,0,55,0,0,0,63,0,0,0,0,0};

std::string zlibCheck() {
  const char text[] = "patrond patrond patrond patrond";
  std::array<unsigned char, 128> packed{};
  uLongf packedSize = packed.size();
  require(compress(packed.data(), &packedSize, reinterpret_cast<const Bytef*>(text),
                   sizeof text) == Z_OK, "compress");
  std::array<char, 64> back{};
  uLongf backSize = back.size();
  require(uncompress(reinterpret_cast<Bytef*>(back.data()), &backSize, packed.data(),
                     packedSize) == Z_OK && std::strcmp(back.data(), text) == 0, "uncompress");
  return std::string(zlibVersion()) + ", " + std::to_string(sizeof text) + " -> " +
         std::to_string(packedSize) + " bytes and back";
}

std::string opensslCheck() {
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  require(EVP_Digest("abc", 3, md, &len, EVP_sha256(), nullptr) == 1, "EVP_Digest");
  char hex[2 * EVP_MAX_MD_SIZE + 1] = {};
  for (unsigned int i = 0; i < len; ++i) {
    std::snprintf(hex + 2 * i, 3, "%02x", md[i]);
  }
  require(std::string(hex) ==
              "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad",
          "wrong SHA-256");
  return std::string(OPENSSL_VERSION_TEXT) + ", sha256(abc) = " + std::string(hex, 16) + "...";
}

std::string curlCheck() {
  const curl_version_info_data* info = curl_version_info(CURLVERSION_NOW);
  std::string protocols;
  bool sftp = false;
  for (const char* const* p = info->protocols; *p != nullptr; ++p) {
    protocols += std::string(protocols.empty() ? "" : " ") + *p;
    sftp = sftp || std::strcmp(*p, "sftp") == 0;
  }
  require(sftp, "no sftp in: " + protocols);
  return std::string("libcurl ") + info->version + " (" + info->ssl_version + ", " +
         (info->libssh_version ? info->libssh_version : "no ssh") + "), protocols: " + protocols;
}

std::string sqliteCheck() {
  using namespace sqlite_api;
  sqlite3* db = nullptr;
  require(sqlite3_open(":memory:", &db) == SQLITE_OK, "sqlite3_open");
  sqlite3_stmt* stmt = nullptr;
  sqlite3_prepare_v2(db, "select sqlite_version(), 40 + 2", -1, &stmt, nullptr);
  require(stmt != nullptr && sqlite3_step(stmt) == SQLITE_ROW, sqlite3_errmsg(db));
  std::string out = "in-memory select: version " +
                    std::string(reinterpret_cast<const char*>(sqlite3_column_text(stmt, 0))) +
                    ", 40 + 2 = " + std::to_string(sqlite3_column_int(stmt, 1));
  sqlite3_finalize(stmt);
  sqlite3_close(db);
  return out;
}

std::string sociCheck() {
  soci::session sql(soci::sqlite3, ":memory:");
  sql << "create table patron (id text, homeroom text)";
  sql << "insert into patron values ('S1001', 'Room 4')";
  std::string homeroom;
  sql << "select homeroom from patron where id = :id", soci::use(std::string("S1001")),
      soci::into(homeroom);
  require(homeroom == "Room 4", "wrong row");
  // The other two backends are linked in; their factories are there even unconnected.
  require(&soci::postgresql != nullptr && &soci::mysql != nullptr, "backend factories");
  return "sqlite3 session in memory: S1001 -> " + homeroom + "; postgresql, mysql linked";
}

std::string boostLogCheck() {
  boost::log::add_console_log(std::cout, boost::log::keywords::format = "  boost.log record: %Message%");
  BOOST_LOG_TRIVIAL(info) << "hello from Boost.Log";
  return "Boost " + std::to_string(BOOST_VERSION / 100000) + "." +
         std::to_string(BOOST_VERSION / 100 % 1000) + ", record written above";
}

std::string boostOtherCheck() {
  boost::locale::generator gen;
  std::locale loc = gen("en_US.UTF-8");
  std::string upper = boost::locale::to_upper("b\xC3\xA9", loc);
  namespace po = boost::program_options;
  po::options_description desc;
  desc.add_options()("config", po::value<std::string>());
  const char* argv[] = {"x", "--config", "patrond.yaml"};
  po::variables_map vm;
  po::store(po::parse_command_line(3, argv, desc), vm);
  auto tmp = boost::filesystem::temp_directory_path();
  return "locale to_upper(b\xC3\xA9) = " + upper + " (backends: " +
         [] {
           std::string s;
           for (const auto& b : boost::locale::localization_backend_manager::global().get_all_backends()) {
             s += b + " ";
           }
           return s;
         }() + "), program_options --config " + vm["config"].as<std::string>() +
         ", filesystem temp " + tmp.string();
}

std::string pocoCheck() {
  Poco::Net::initializeSSL();
  Poco::Net::Context::Ptr ctx = new Poco::Net::Context(
      Poco::Net::Context::TLS_CLIENT_USE, "", Poco::Net::Context::VERIFY_RELAXED, 9, false);
  require(!ctx.isNull() && ctx->sslContext() != nullptr, "Context");
  Poco::JSON::Parser parser;
  auto obj = parser.parse(R"({"smtp": "starttls"})").extract<Poco::JSON::Object::Ptr>();
  std::string mode = obj->getValue<std::string>("smtp");
  Poco::Net::uninitializeSSL();
  char version[32];
  std::snprintf(version, sizeof version, "%x", POCO_VERSION);
  return std::string("Poco 0x") + version + ", NetSSL client Context created, JSON smtp=" + mode;
}

std::string libpqCheck() {
  int v = PQlibVersion();
  require(v >= 150000, "PQlibVersion");
  return "PQlibVersion " + std::to_string(v) + ", isthreadsafe " +
         std::to_string(PQisthreadsafe());
}

std::string mariadbCheck() {
  return std::string("client ") + mysql_get_client_info();
}

std::string libssh2Check() {
  const char* v = libssh2_version(0);
  require(v != nullptr && libssh2_init(0) == 0, "libssh2_init");
  libssh2_exit();
  return std::string("libssh2 ") + v;
}

std::string libzipCheck() {
  zip_error_t error;
  zip_error_init(&error);
  zip_source_t* src = zip_source_buffer_create(kZip, sizeof kZip, 0, &error);
  require(src != nullptr, "zip_source_buffer_create");
  zip_t* za = zip_open_from_source(src, ZIP_RDONLY, &error);
  require(za != nullptr, zip_error_strerror(&error));
  zip_file_t* f = zip_fopen(za, "hello.txt", 0);
  require(f != nullptr, "zip_fopen");
  char buf[64] = {};
  zip_int64_t n = zip_fread(f, buf, sizeof buf - 1);
  zip_fclose(f);
  zip_close(za);
  std::string text(buf, n > 0 ? static_cast<size_t>(n) : 0);
  require(text.rfind("hello from a zip", 0) == 0, "content");
  return std::string("libzip ") + zip_libzip_version() + ", read " + std::to_string(n) +
         " bytes of hello.txt from an in-memory zip";
}

std::string re2Check() {
  int number = 0;
  require(RE2::FullMatch("patron-1234", R"(patron-(\d+))", &number) && number == 1234, "match");
  return "FullMatch patron-(\\d+) on patron-1234 -> " + std::to_string(number);
}

std::string argon2Check() {
  const char pwd[] = "correct horse";
  const char salt[] = "patrond-salt";
  char encoded[128];
  int rc = argon2id_hash_encoded(2, 1 << 10, 1, pwd, sizeof pwd - 1, salt, sizeof salt - 1, 32,
                                 encoded, sizeof encoded);
  require(rc == ARGON2_OK, argon2_error_message(rc));
  require(argon2id_verify(encoded, pwd, sizeof pwd - 1) == ARGON2_OK, "verify");
  return std::string(encoded).substr(0, 40) + "... verifies";
}

std::string dateCheck(const std::string& tzdata) {
  date::set_install(tzdata);
  const date::time_zone* zone = date::locate_zone("America/Chicago");
  using namespace std::chrono;
  auto t = date::sys_days{date::year{2026} / 7 / 1} + hours{17};
  auto local = date::zoned_time{zone, t};
  std::ostringstream out;
  out << "tzdata " << date::get_tzdb().version << " from " << tzdata << ": 2026-07-01 17:00 UTC = "
      << date::format("%F %H:%M %Z", local);
  return out.str();
}

std::string headerOnlyCheck() {
  auto j = nlohmann::json::parse(R"({"patron": "S1001"})");
  kainjow::mustache::mustache tmpl{"Dear {{teacher}}"};
  kainjow::mustache::data data;
  data.set("teacher", "Ms Smith");
  CLI::App app{"deps_check"};
  std::string config;
  app.add_option("--config", config);
  const char* argv[] = {"deps_check", "--config", "x.yaml"};
  app.parse(3, argv);
  return "nlohmann_json patron=" + j["patron"].get<std::string>() + ", mustache '" +
         tmpl.render(data) + "', CLI11 --config " + config;
}

std::string yamlCheck() {
  YAML::Node node = YAML::Load("jobs:\n  - name: students\n    schedule: '02:00'\n");
  return "jobs[0].name = " + node["jobs"][0]["name"].as<std::string>() + ", schedule " +
         node["jobs"][0]["schedule"].as<std::string>();
}

}  // namespace

TEST(DepsCheck, GoogleTestAndGoogleMockWork) {
  EXPECT_THAT(std::string("patrond"), ::testing::StartsWith("pat"));
}

int main(int argc, char** argv) {
  std::string tzdata = WINDEPS_TZDATA;
  if (argc > 1 && argv[1][0] != '-') {
    tzdata = argv[1];
  }
  check("zlib", zlibCheck);
  check("openssl", opensslCheck);
  check("libssh2", libssh2Check);
  check("curl", curlCheck);
  check("sqlite3", sqliteCheck);
  check("libpq", libpqCheck);
  check("mariadb", mariadbCheck);
  check("soci", sociCheck);
  check("boost.log", boostLogCheck);
  check("boost", boostOtherCheck);
  check("yaml-cpp", yamlCheck);
  check("poco", pocoCheck);
  check("re2", re2Check);
  check("argon2", argon2Check);
  check("libzip", libzipCheck);
  check("date", [&] { return dateCheck(tzdata); });
  check("header-only", headerOnlyCheck);
  int gtestArgc = 1;
  ::testing::InitGoogleMock(&gtestArgc, argv);
  int gtest = RUN_ALL_TESTS();
  std::cout << "googletest: " << (gtest == 0 ? "1 test passed" : "FAILED") << std::endl;
  std::cout << (failures + (gtest != 0)) << " failed" << std::endl;
  return failures == 0 && gtest == 0 ? 0 : 1;
}
// clang-format on
