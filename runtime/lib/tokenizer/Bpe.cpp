//===- Bpe.cpp - The BPE model of tokenizer.json --------------------------===//

#include "Bpe.h"

#include "Unicode.h"

#include <queue>

namespace olmrt::tok {

namespace {

/// A symbol of the word being merged: a doubly linked list over the
/// initial symbols, `removed` once merged into its left neighbour.
struct Symbol {
  int32_t id;
  int32_t prev;
  int32_t next;
  bool removed;
};

struct Candidate {
  int32_t rank;
  int32_t pos;
  int32_t newId;
  // std::priority_queue pops the largest: make that the lowest rank, then
  // the leftmost position.
  bool operator<(const Candidate &o) const {
    return rank != o.rank ? rank > o.rank : pos > o.pos;
  }
};

uint64_t pairKey(int32_t a, int32_t b) {
  return (uint64_t(uint32_t(a)) << 32) | uint32_t(b);
}

} // namespace

void BpeModel::tokenize(std::string_view word,
                        std::vector<int32_t> &out) const {
  if (word.empty())
    return;
  if (ignoreMerges)
    if (auto id = find(word)) {
      out.push_back(*id);
      return;
    }

  // Initial symbols, one per character.
  std::vector<int32_t> ids;
  ids.reserve(word.size());
  bool pendingUnk = false; // A fused unknown waiting to be emitted.
  std::string piece;
  for (size_t pos = 0; pos < word.size();) {
    size_t begin = pos;
    nextCodePoint(word, pos);
    piece.assign(word.substr(begin, pos - begin));
    if (begin > 0)
      piece.insert(0, continuingSubwordPrefix);
    if (pos == word.size())
      piece += endOfWordSuffix;
    if (auto id = find(piece)) {
      if (pendingUnk) {
        ids.push_back(*unkId);
        pendingUnk = false;
      }
      ids.push_back(*id);
      continue;
    }
    if (byteFallback) {
      bool all = true;
      for (unsigned char b : piece)
        all = all && byteIds[b] >= 0;
      if (all) {
        // As HF: a pending fused unknown is not flushed here.
        for (unsigned char b : piece)
          ids.push_back(byteIds[b]);
        continue;
      }
    }
    if (unkId) {
      if (pendingUnk && !fuseUnk)
        ids.push_back(*unkId);
      pendingUnk = true;
    }
  }
  if (pendingUnk)
    ids.push_back(*unkId);

  size_t n = ids.size();
  std::vector<Symbol> symbols(n);
  std::priority_queue<Candidate> queue;
  for (size_t i = 0; i < n; ++i) {
    symbols[i] = {ids[i], int32_t(i) - 1, i + 1 < n ? int32_t(i + 1) : -1,
                  false};
    if (i + 1 < n) {
      auto it = merges.find(pairKey(ids[i], ids[i + 1]));
      if (it != merges.end())
        queue.push({it->second.first, int32_t(i), it->second.second});
    }
  }
  while (!queue.empty()) {
    Candidate top = queue.top();
    queue.pop();
    Symbol &left = symbols[top.pos];
    if (left.removed || left.next < 0)
      continue;
    Symbol &right = symbols[left.next];
    // Stale when either side changed since the candidate was queued.
    auto it = merges.find(pairKey(left.id, right.id));
    if (it == merges.end() || it->second.second != top.newId)
      continue;
    left.id = top.newId;
    right.removed = true;
    left.next = right.next;
    if (left.next >= 0)
      symbols[left.next].prev = top.pos;
    if (left.prev >= 0) {
      auto p = merges.find(pairKey(symbols[left.prev].id, left.id));
      if (p != merges.end())
        queue.push({p->second.first, left.prev, p->second.second});
    }
    if (left.next >= 0) {
      auto p = merges.find(pairKey(left.id, symbols[left.next].id));
      if (p != merges.end())
        queue.push({p->second.first, top.pos, p->second.second});
    }
  }
  for (const Symbol &s : symbols)
    if (!s.removed)
      out.push_back(s.id);
}

} // namespace olmrt::tok
