// The BPE merge loop shared by both tokenizer kinds. Adjacent symbols that can merge wait in a
// binary heap: the best pair (highest score, or lowest merge rank) merges first, the leftmost
// on ties, so a text of n bytes takes O(n log n) rather than a rescan after every merge.
// Byte-level BPE runs it per chunk: small heaps stay in cache, and time grows linearly.
#include <algorithm>

#include "sprig/tokenizer.h"

namespace sprig {

void Tokenizer::merge_symbols(std::string_view text, Workspace& workspace, size_t first, size_t last) const {
  using Symbol = Workspace::Symbol;
  using Candidate = Workspace::Candidate;
  auto& symbols = workspace.symbols;
  auto& queue = workspace.queue;
  queue.clear();
  const bool by_rank = !merge_table_.empty();
  auto less_urgent = [](const Candidate& a, const Candidate& b) {
    if (a.score != b.score) return a.score < b.score;
    return a.left > b.left;
  };
  auto consider = [&](int32_t left) {
    if (left < 0) return;
    const int32_t right = symbols[size_t(left)].next;
    if (right < 0) return;
    const Symbol& a = symbols[size_t(left)];
    const Symbol& b = symbols[size_t(right)];
    float score;
    int32_t id;
    if (by_rank) {
      const MergeSlot* merge = find_merge(a.id, b.id);
      if (!merge) return;
      score = -float(merge->rank);  // exact: ranks stay far below 2^24
      id = merge->result;
    } else {
      id = find(text.substr(a.start, a.length + b.length));
      if (!mergeable(id)) return;
      score = vocab_.scores[size_t(id)];
    }
    queue.push_back({score, left, right, a.length + b.length, id});
    std::push_heap(queue.begin(), queue.end(), less_urgent);
  };
  for (size_t i = first; i < last; ++i) consider(int32_t(i));

  while (!queue.empty()) {
    std::pop_heap(queue.begin(), queue.end(), less_urgent);
    const Candidate top = queue.back();
    queue.pop_back();
    Symbol& left = symbols[size_t(top.left)];
    Symbol& right = symbols[size_t(top.right)];
    // Lengths only grow, so an unchanged sum means neither side merged since the pair was queued.
    if (left.length == 0 || right.length == 0 || left.next != top.right ||
        left.length + right.length != top.length)
      continue;
    left.length += right.length;
    left.id = top.id;
    left.next = right.next;
    if (right.next >= 0) symbols[size_t(right.next)].prev = top.left;
    right.length = 0;
    consider(left.prev);
    consider(top.left);
  }
}

}  // namespace sprig
