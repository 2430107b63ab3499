#include <unordered_map>

#include "tokenizer_support.h"

namespace sprig::convert {

std::pair<std::string, std::string> split_merge(const std::string& line, const std::string& source) {
  const size_t space = line.find(' ');
  if (space == std::string::npos || space == 0 || space + 1 >= line.size() ||
      line.find(' ', space + 1) != std::string::npos)
    throw ConvertError(source + ": merge '" + line + "' is not two pieces separated by one space");
  return {line.substr(0, space), line.substr(space + 1)};
}

std::vector<TokenMerge> resolve_merges(const std::vector<std::string>& pieces,
                                       const std::vector<std::pair<std::string, std::string>>& merges,
                                       const std::string& source) {
  std::unordered_map<std::string, int32_t> ids;
  ids.reserve(pieces.size());
  for (size_t i = 0; i < pieces.size(); ++i) ids.emplace(pieces[i], int32_t(i));
  auto id_of = [&](const std::string& piece, size_t rank) {
    auto it = ids.find(piece);
    if (it == ids.end())
      throw ConvertError(source + ": merge " + std::to_string(rank) + " uses '" + piece +
                         "', which is not in the vocabulary");
    return it->second;
  };
  std::vector<TokenMerge> resolved;
  resolved.reserve(merges.size());
  for (size_t rank = 0; rank < merges.size(); ++rank) {
    const auto& [left, right] = merges[rank];
    resolved.push_back({id_of(left, rank), id_of(right, rank), id_of(left + right, rank)});
  }
  return resolved;
}

}  // namespace sprig::convert
