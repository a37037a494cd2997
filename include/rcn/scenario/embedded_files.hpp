#pragma once
// Files compiled into the binary (see cmake/embed_files.cmake): the default
// scenario and the built-in hardware profiles, keyed by their repository path.
#include <string>
#include <utility>
#include <vector>

namespace rcn {
const std::vector<std::pair<std::string, std::string>>& embedded_files();
// The text of one embedded file, or "" when there is none by that path.
const std::string& embedded_file(const std::string& repo_path);
}  // namespace rcn
