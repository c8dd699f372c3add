# install() rules: what `cmake --install` and the Debian package (debian/) lay down, per
# SPEC section 11: /usr/bin/patrond, the systemd unit, sysusers and tmpfiles entries, the
# packaged configuration, the man pages patrond(8) and patrond.yaml(5) (made from markdown
# with pandoc at build time) and bash completion. No logrotate snippet: the packaged config
# logs to the journal, and a logging.file is rotated by patrond itself (by size).
include(GNUInstallDirs)

# PATROND_MAN: ON requires pandoc (the package build), AUTO builds the pages when pandoc is
# there, OFF skips them.
set(PATROND_MAN AUTO CACHE STRING "Build the man pages with pandoc: ON, OFF or AUTO")
set_property(CACHE PATROND_MAN PROPERTY STRINGS ON OFF AUTO)

# systemd's own folders (pkg-config systemd), else Debian 12's.
find_package(PkgConfig QUIET)
if(PkgConfig_FOUND)
  pkg_get_variable(_systemd_unitdir systemd systemdsystemunitdir)
  pkg_get_variable(_systemd_sysusersdir systemd sysusersdir)
  pkg_get_variable(_systemd_tmpfilesdir systemd tmpfilesdir)
endif()
if(NOT _systemd_unitdir)
  set(_systemd_unitdir /lib/systemd/system)
endif()
if(NOT _systemd_sysusersdir)
  set(_systemd_sysusersdir /usr/lib/sysusers.d)
endif()
if(NOT _systemd_tmpfilesdir)
  set(_systemd_tmpfilesdir /usr/lib/tmpfiles.d)
endif()
set(PATROND_UNITDIR ${_systemd_unitdir} CACHE PATH "systemd system unit folder")
set(PATROND_SYSUSERSDIR ${_systemd_sysusersdir} CACHE PATH "sysusers.d folder")
set(PATROND_TMPFILESDIR ${_systemd_tmpfilesdir} CACHE PATH "tmpfiles.d folder")
set(PATROND_CONFDIR /etc/patrond CACHE PATH "folder of the packaged patrond.yaml")

install(TARGETS patrond RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR})
install(FILES ${PROJECT_SOURCE_DIR}/systemd/patrond.service DESTINATION ${PATROND_UNITDIR})
install(FILES ${PROJECT_SOURCE_DIR}/systemd/patrond.sysusers.conf DESTINATION ${PATROND_SYSUSERSDIR}
        RENAME patrond.conf)
install(FILES ${PROJECT_SOURCE_DIR}/systemd/patrond.tmpfiles.conf DESTINATION ${PATROND_TMPFILESDIR}
        RENAME patrond.conf)
install(FILES ${PROJECT_SOURCE_DIR}/conf/patrond.yaml
              ${PROJECT_SOURCE_DIR}/conf/examples/students.mapping.yaml
        DESTINATION ${PATROND_CONFDIR})
install(FILES ${PROJECT_SOURCE_DIR}/daemon/completion/patrond.bash
        DESTINATION ${CMAKE_INSTALL_DATADIR}/bash-completion/completions RENAME patrond)
install(FILES ${PROJECT_SOURCE_DIR}/README.md ${PROJECT_SOURCE_DIR}/docs/install.md
              ${PROJECT_SOURCE_DIR}/docs/configuration.md ${PROJECT_SOURCE_DIR}/docs/operations.md
        DESTINATION ${CMAKE_INSTALL_DOCDIR})
install(DIRECTORY ${PROJECT_SOURCE_DIR}/conf/examples/
        DESTINATION ${CMAKE_INSTALL_DOCDIR}/examples
        PATTERN "*.db*" EXCLUDE PATTERN "notices" EXCLUDE)

# Man pages: a hand-written head (docs/man/*.md) followed by the reference it points to.
if(PATROND_MAN STREQUAL "ON")
  find_program(PANDOC pandoc REQUIRED)
elseif(PATROND_MAN STREQUAL "AUTO")
  find_program(PANDOC pandoc)
endif()
if(PANDOC)
  string(TIMESTAMP _man_date "%Y-%m-%d" UTC)  # SOURCE_DATE_EPOCH when set (the package)
  function(patrond_man page section)
    set(out ${CMAKE_BINARY_DIR}/man/${page}.${section})
    set(srcs ${ARGN})
    add_custom_command(
      OUTPUT ${out}
      COMMAND ${CMAKE_COMMAND} -E make_directory ${CMAKE_BINARY_DIR}/man
      COMMAND ${PANDOC} --standalone --from markdown-smart --to man
              --metadata title=${page} --metadata section=${section}
              --metadata date=${_man_date} --metadata "footer=patrond ${PROJECT_VERSION}"
              --metadata "header=patrond manual" -o ${out} ${srcs}
      DEPENDS ${srcs}
      COMMENT "pandoc: ${page}(${section})"
      VERBATIM)
    add_custom_target(man-${page} ALL DEPENDS ${out})
    install(FILES ${out} DESTINATION ${CMAKE_INSTALL_MANDIR}/man${section})
  endfunction()
  patrond_man(patrond 8 ${PROJECT_SOURCE_DIR}/docs/man/patrond.8.md
              ${PROJECT_SOURCE_DIR}/docs/operations.md)
  patrond_man(patrond.yaml 5 ${PROJECT_SOURCE_DIR}/docs/man/patrond.yaml.5.md
              ${PROJECT_SOURCE_DIR}/docs/configuration.md)
endif()
