# Third-party libraries: Debian packages, plus DuckDB from third_party/duckdb
# (fetched by scripts/setup.sh, never committed).
find_package(Threads REQUIRED)
find_package(GTest REQUIRED)
find_package(nlohmann_json REQUIRED)
find_package(simdjson REQUIRED)
find_package(CLI11 REQUIRED)
find_package(ZLIB REQUIRED)
find_package(PkgConfig REQUIRED)
pkg_check_modules(ZSTD REQUIRED IMPORTED_TARGET libzstd)
find_package(benchmark QUIET)
# The HTTP server (strata serve): Debian's cpp-httplib is a compiled library
# whose header needs the same feature macros (OpenSSL, zlib, brotli) it was built with.
pkg_check_modules(HTTPLIB REQUIRED IMPORTED_TARGET cpp-httplib)
find_package(prometheus-cpp CONFIG REQUIRED COMPONENTS core)

set(STRATA_DUCKDB_DIR "${PROJECT_SOURCE_DIR}/third_party/duckdb" CACHE PATH "DuckDB library and headers")
if(NOT EXISTS "${STRATA_DUCKDB_DIR}/lib/libduckdb.so")
  message(FATAL_ERROR "DuckDB not found in ${STRATA_DUCKDB_DIR}: run scripts/setup.sh first")
endif()
add_library(duckdb SHARED IMPORTED GLOBAL)
set_target_properties(duckdb PROPERTIES
  IMPORTED_LOCATION "${STRATA_DUCKDB_DIR}/lib/libduckdb.so"
  IMPORTED_NO_SONAME TRUE)
# DuckDB headers are included as system headers: they are not ours to warn about.
target_include_directories(duckdb SYSTEM INTERFACE "${STRATA_DUCKDB_DIR}/include")
# Binaries run from the build tree and find libduckdb.so by rpath.
set(CMAKE_BUILD_RPATH "${STRATA_DUCKDB_DIR}/lib")
set(CMAKE_INSTALL_RPATH "$ORIGIN/../lib")
