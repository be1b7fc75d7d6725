# Debian package: `cmake --build build --target package` writes quantlens_<version>_amd64.deb.
include(GNUInstallDirs)
install(FILES ${PROJECT_SOURCE_DIR}/resources/sample/mamba2-small.pt DESTINATION ${CMAKE_INSTALL_DATADIR}/quantlens/sample)
install(FILES ${PROJECT_SOURCE_DIR}/packaging/io.quantlens.QuantLens.desktop DESTINATION ${CMAKE_INSTALL_DATADIR}/applications)
install(FILES ${PROJECT_SOURCE_DIR}/packaging/io.quantlens.QuantLens.metainfo.xml DESTINATION ${CMAKE_INSTALL_DATADIR}/metainfo)
if(EXISTS ${PROJECT_SOURCE_DIR}/resources/icons/quantlens.svg)
  install(FILES ${PROJECT_SOURCE_DIR}/resources/icons/quantlens.svg
          DESTINATION ${CMAKE_INSTALL_DATADIR}/icons/hicolor/scalable/apps RENAME io.quantlens.QuantLens.svg)
endif()

set(CPACK_GENERATOR DEB)
set(CPACK_PACKAGE_NAME quantlens)
set(CPACK_PACKAGE_CONTACT "QuantLens developers <dev@quantlens.invalid>")
set(CPACK_PACKAGE_DESCRIPTION_SUMMARY "INT8 quantizer and inspector for on-chain inference (sol_matmul_i8)")
set(CPACK_DEBIAN_PACKAGE_SECTION science)
set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT)
set(CPACK_DEBIAN_PACKAGE_SHLIBDEPS ON)
set(CPACK_PACKAGING_INSTALL_PREFIX /usr)
include(CPack)
