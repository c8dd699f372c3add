# Debian's libsoci-dev (4.0.3) ships neither a CMake config nor pkg-config: find the core and
# the three backends we use and make imported targets SOCI::core, SOCI::sqlite3,
# SOCI::postgresql and SOCI::mysql.
find_path(SOCI_INCLUDE_DIR soci/soci.h)
find_library(SOCI_CORE_LIBRARY NAMES soci_core)
find_library(SOCI_SQLITE3_LIBRARY NAMES soci_sqlite3)
find_library(SOCI_POSTGRESQL_LIBRARY NAMES soci_postgresql)
find_library(SOCI_MYSQL_LIBRARY NAMES soci_mysql)
find_path(SOCI_PG_INCLUDE_DIR libpq-fe.h PATH_SUFFIXES postgresql)
find_path(SOCI_MYSQL_INCLUDE_DIR mysql.h PATH_SUFFIXES mariadb mysql)
# The client library itself, for what SOCI does not wrap (LOAD DATA LOCAL from memory).
find_library(SOCI_MYSQL_CLIENT_LIBRARY NAMES mariadb mysqlclient)
find_package(SQLite3 REQUIRED)
find_package(PostgreSQL REQUIRED)
if(WIN32)
  # Static client libraries (scripts/windows-deps.sh): what they use comes after them.
  find_package(OpenSSL REQUIRED)
  find_package(ZLIB REQUIRED)
  set_property(TARGET PostgreSQL::PostgreSQL APPEND PROPERTY INTERFACE_LINK_LIBRARIES
    OpenSSL::SSL OpenSSL::Crypto secur32 ws2_32 shell32 advapi32 crypt32 wldap32)
  set(SOCI_MYSQL_CLIENT_DEPS OpenSSL::SSL OpenSSL::Crypto ZLIB::ZLIB ws2_32 secur32 shlwapi crypt32 bcrypt)
endif()

include(FindPackageHandleStandardArgs)
find_package_handle_standard_args(SOCI REQUIRED_VARS SOCI_INCLUDE_DIR SOCI_CORE_LIBRARY
  SOCI_SQLITE3_LIBRARY SOCI_POSTGRESQL_LIBRARY SOCI_MYSQL_LIBRARY SOCI_MYSQL_INCLUDE_DIR
  SOCI_MYSQL_CLIENT_LIBRARY)

if(SOCI_FOUND AND NOT TARGET SOCI::core)
  add_library(SOCI::core UNKNOWN IMPORTED)
  set_target_properties(SOCI::core PROPERTIES IMPORTED_LOCATION ${SOCI_CORE_LIBRARY}
    INTERFACE_INCLUDE_DIRECTORIES ${SOCI_INCLUDE_DIR})
  add_library(SOCI::sqlite3 UNKNOWN IMPORTED)
  set_target_properties(SOCI::sqlite3 PROPERTIES IMPORTED_LOCATION ${SOCI_SQLITE3_LIBRARY}
    INTERFACE_LINK_LIBRARIES "SOCI::core;SQLite::SQLite3")
  add_library(SOCI::postgresql UNKNOWN IMPORTED)
  set_target_properties(SOCI::postgresql PROPERTIES IMPORTED_LOCATION ${SOCI_POSTGRESQL_LIBRARY}
    INTERFACE_LINK_LIBRARIES "SOCI::core;PostgreSQL::PostgreSQL")
  add_library(SOCI::mysql UNKNOWN IMPORTED)
  set_target_properties(SOCI::mysql PROPERTIES IMPORTED_LOCATION ${SOCI_MYSQL_LIBRARY}
    INTERFACE_LINK_LIBRARIES "SOCI::core;${SOCI_MYSQL_CLIENT_LIBRARY};${SOCI_MYSQL_CLIENT_DEPS}"
    INTERFACE_INCLUDE_DIRECTORIES ${SOCI_MYSQL_INCLUDE_DIR})
endif()
