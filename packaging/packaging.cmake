# Installation and the Debian package (cpack -G DEB). Included from the top-level CMakeLists.
include(GNUInstallDirs)

# asyncscope (Qt Core only: the headless commands) on the PATH; asyncscope-gui (the window and
# report), which asyncscope execs, out of it (app/CMakeLists.txt, ASYNCSCOPE_GUI_INSTALL_DIR).
install(TARGETS asyncscope RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR})
install(TARGETS asyncscope-gui RUNTIME DESTINATION ${ASYNCSCOPE_GUI_INSTALL_DIR})
install(FILES ${CMAKE_CURRENT_LIST_DIR}/asyncscope.desktop
        DESTINATION ${CMAKE_INSTALL_DATADIR}/applications)
install(FILES ${CMAKE_CURRENT_LIST_DIR}/asyncscope.svg
        DESTINATION ${CMAKE_INSTALL_DATADIR}/icons/hicolor/scalable/apps)
# The asyncgraph file type (application/x-asyncgraph+json) and the AppStream metadata; Debian's
# shared-mime-info and appstream triggers pick them up on install.
install(FILES ${CMAKE_CURRENT_LIST_DIR}/asyncscope-mime.xml
        DESTINATION ${CMAKE_INSTALL_DATADIR}/mime/packages RENAME asyncscope.xml)
install(FILES ${CMAKE_CURRENT_LIST_DIR}/io.github.asyncscope.metainfo.xml
        DESTINATION ${CMAKE_INSTALL_DATADIR}/metainfo)
install(DIRECTORY ${PROJECT_SOURCE_DIR}/resources/examples/
        DESTINATION ${CMAKE_INSTALL_DATADIR}/asyncscope/examples
        FILES_MATCHING PATTERN "*.json")

set(CPACK_PACKAGE_NAME asyncscope)
set(CPACK_PACKAGE_VENDOR "asyncscope developers")
set(CPACK_PACKAGE_VERSION ${PROJECT_VERSION})
set(CPACK_PACKAGE_DESCRIPTION_SUMMARY "${PROJECT_DESCRIPTION}")
set(CPACK_PACKAGE_DESCRIPTION "asyncscope runs asyncio-style task graphs (asyncgraph/1 files) \
on a virtual clock with CPython 3.11 semantics and shows what every task did: states, results, \
cancellations, tasks destroyed while pending and exceptions never retrieved.")
set(CPACK_PACKAGE_INSTALL_DIRECTORY asyncscope)
set(CPACK_GENERATOR DEB)
set(CPACK_STRIP_FILES ON)
set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT)
set(CPACK_DEBIAN_PACKAGE_MAINTAINER "asyncscope developers <asyncscope@localhost>")
set(CPACK_DEBIAN_PACKAGE_SECTION devel)
set(CPACK_DEBIAN_PACKAGE_PRIORITY optional)
# Depends: computed from the binaries' libraries (libqt6svg6 among them, which also holds the SVG
# icon engine), plus the platform plugins Qt loads at run time beyond libqt6gui6's own.
set(CPACK_DEBIAN_PACKAGE_SHLIBDEPS ON)
set(CPACK_DEBIAN_PACKAGE_DEPENDS "qt6-qpa-plugins")

include(CPack)
