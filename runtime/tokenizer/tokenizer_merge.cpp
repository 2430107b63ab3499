// The BPE merge loop shared by both tokenizer kinds. Adjacent symbols that can merge wait in a
// binary heap: the best pair (highest score, or lowest merge rank) merges first, the leftmost
// on ties, so a text of n bytes takes O(n log n) rather than a rescan after every merge.
// Byte-level BPE runs it per chunk: small heaps stay in cache, and time grows linearly.
//
// A merge leaves its neighbours' old candidates in the heap, stale, to be skipped when they come
// up. The heap never grows past its reserved capacity: when full, the stale candidates are
// dropped. The live ones (at most one per pair of neighbours) then fit in as many slots as there
// are symbols, so a session plans no more than that. Each merge removes a symbol and so frees a
// slot for good: compactions grow further apart, O(log n) of them in all.
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
  // The test the loop below applies when a candidate comes up.
  auto stale = [&](const Candidate& c) {
    const Symbol& left = symbols[size_t(c.left)];
    const Symbol& right = symbols[size_t(c.right)];
    // Lengths only grow, so an unchanged sum means neither side merged since the pair was queued.
    return left.length == 0 || right.length == 0 || left.next != c.right || left.length + right.length != c.length;
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
      // Only ordinary text may result: a file's merge into a control token must not forge one.
      if (!merge || !mergeable(merge->result)) return;
      score = -float(merge->rank);  // exact: ranks stay far below 2^24
      id = merge->result;
    } else {
      id = find(text.substr(a.start, a.length + b.length));
      if (!mergeable(id)) return;
      score = vocab_.scores[size_t(id)];
    }
    if (queue.size() == queue.capacity() && !queue.empty()) {
      queue.erase(std::remove_if(queue.begin(), queue.end(), stale), queue.end());
      std::make_heap(queue.begin(), queue.end(), less_urgent);
    }
    queue.push_back({score, left, right, a.length + b.length, id});
    std::push_heap(queue.begin(), queue.end(), less_urgent);
  };
  for (size_t i = first; i < last; ++i) consider(int32_t(i));

  while (!queue.empty()) {
    std::pop_heap(queue.begin(), queue.end(), less_urgent);
    const Candidate top = queue.back();
    queue.pop_back();
    if (stale(top)) continue;
    Symbol& left = symbols[size_t(top.left)];
    Symbol& right = symbols[size_t(top.right)];
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
