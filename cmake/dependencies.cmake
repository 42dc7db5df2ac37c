# Every dependency comes from Debian 12 packages (scripts/setup.sh installs them).
# CAF 0.17 ships no CMake package file, so it is found by hand.
find_package(Threads REQUIRED)
find_package(Boost 1.74 REQUIRED COMPONENTS unit_test_framework)
find_package(ZLIB REQUIRED)
find_package(OpenSSL REQUIRED)
find_package(RocksDB REQUIRED)
find_package(simdjson REQUIRED)
find_package(yaml-cpp REQUIRED)
find_package(msgpack REQUIRED)  # target msgpackc-cxx

find_path(CAF_INCLUDE_DIR caf/all.hpp REQUIRED)
find_library(CAF_CORE_LIBRARY caf_core REQUIRED)
find_library(CAF_IO_LIBRARY caf_io REQUIRED)
add_library(caf INTERFACE)
target_include_directories(caf SYSTEM INTERFACE ${CAF_INCLUDE_DIR})
target_link_libraries(caf INTERFACE ${CAF_IO_LIBRARY} ${CAF_CORE_LIBRARY} Threads::Threads)

# librdkafka 2.0.2 (Debian librdkafka-dev): its C API, including the mock cluster
# (rdkafka_mock.h). Debian ships a pkg-config file but no CMake package, so it is found
# by hand like CAF.
find_path(RDKAFKA_INCLUDE_DIR librdkafka/rdkafka.h REQUIRED)
find_library(RDKAFKA_LIBRARY rdkafka REQUIRED)
add_library(rdkafka INTERFACE)
target_include_directories(rdkafka SYSTEM INTERFACE ${RDKAFKA_INCLUDE_DIR})
target_link_libraries(rdkafka INTERFACE ${RDKAFKA_LIBRARY} Threads::Threads)
