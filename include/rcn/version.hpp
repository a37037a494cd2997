#pragma once
// rcnsim's version, recorded in every result file. Bump with CMakeLists.txt's project(VERSION).
namespace rcn {
inline constexpr const char* kVersion = "0.1.0";
}
