#include "ivm/state/ordered_rows.h"

#include <algorithm>
#include <cstring>
#include <new>
#include <utility>

namespace rindle::ivm {

// Node memory: a header followed, in the same allocation, by its arrays.
//   leaf entry i:  meta[i * ls_] = {count, key words...}, vals[i * width_]
//   inner entry i: meta[i * is_] = {child, total, key words...}, keys[i * width_]
// Inner key i (i >= 1) is <= every row of child i (key 0 is unused).
struct OrderedRows::Node {
  bool leaf;
  int n;
};
struct OrderedRows::Leaf : Node {
  int cap;
  Leaf* prev;
  Leaf* next;
  Word* meta;   // [cap * ls_]
  Value* vals;  // [cap * width]
};
struct OrderedRows::Inner : Node {
  Word* meta;   // [kFanout * is_]
  Value* keys;  // [kFanout * width]
};

namespace {

// Values hold no pointers to themselves, so they can be relocated as bytes.
// After relocate(), slots of `src` not overwritten are stale copies: the
// caller re-initializes them without destroying them.
void relocate(Value* dst, const Value* src, size_t n) {
  std::memmove(static_cast<void*>(dst), static_cast<const void*>(src), n * sizeof(Value));
}

void move_values(Value* dst, Value* src, int width) {
  for (int i = 0; i < width; ++i) dst[i] = std::move(src[i]);
}

size_t heap_of(const Value* v, int width) {
  size_t b = 0;
  for (int i = 0; i < width; ++i) b += v[i].heap_bytes();
  return b;
}

bool word_type(Type t) {
  return t == Type::kInt64 || t == Type::kDate || t == Type::kTimestamp || t == Type::kTimestampTz ||
         t == Type::kBool;
}

}  // namespace

OrderedRows::OrderedRows(int width, const SortSpec* order, const std::vector<Type>& types)
    : width_(width), order_(order) {
  // The order's sequence of columns: the keys, then the tie-break columns.
  std::vector<WordSpec> seq;
  for (const SortKey& k : order->keys) seq.push_back(WordSpec{k.slot, Type::kNull, k.descending, k.nulls_first});
  for (int i = 0; i < order->tiebreak_width; ++i) seq.push_back(WordSpec{i, Type::kNull, false, false});
  for (WordSpec& w : seq) {
    if (nk_ == kMaxWords || w.slot >= static_cast<int>(types.size()) || !word_type(types[w.slot])) break;
    w.type = types[w.slot];
    word_spec_[nk_++] = w;
  }
  words_ = nk_;
  ls_ = 1 + nk_;
  is_ = 2 + nk_;
  const int entry = static_cast<int>(sizeof(Word) * ls_ + sizeof(Value) * width);
  leaf_cap_ = std::clamp(1024 / entry, 8, 128);
}

OrderedRows::~OrderedRows() { clear(); }

OrderedRows::OrderedRows(OrderedRows&& o) noexcept
    : width_(o.width_),
      order_(o.order_),
      nk_(o.nk_),
      ls_(o.ls_),
      is_(o.is_),
      words_(o.words_),
      leaf_cap_(o.leaf_cap_),
      root_(std::exchange(o.root_, nullptr)),
      head_(std::exchange(o.head_, nullptr)),
      tail_(std::exchange(o.tail_, nullptr)),
      total_(std::exchange(o.total_, 0)),
      distinct_(std::exchange(o.distinct_, 0)),
      bytes_(std::exchange(o.bytes_, 0)) {
  std::copy(o.word_spec_, o.word_spec_ + kMaxWords, word_spec_);
}

OrderedRows& OrderedRows::operator=(OrderedRows&& o) noexcept {
  if (this != &o) {
    clear();
    width_ = o.width_;
    order_ = o.order_;
    std::copy(o.word_spec_, o.word_spec_ + kMaxWords, word_spec_);
    nk_ = o.nk_;
    ls_ = o.ls_;
    is_ = o.is_;
    words_ = o.words_;
    leaf_cap_ = o.leaf_cap_;
    root_ = std::exchange(o.root_, nullptr);
    head_ = std::exchange(o.head_, nullptr);
    tail_ = std::exchange(o.tail_, nullptr);
    total_ = std::exchange(o.total_, 0);
    distinct_ = std::exchange(o.distinct_, 0);
    bytes_ = std::exchange(o.bytes_, 0);
  }
  return *this;
}

// Order-preserving words: NULL is 0 (first) or all ones (last); a value that
// encodes to either extreme ties with NULL and is told apart by comparing rows.
void OrderedRows::encode(const Value* row, Word* nk) const {
  for (int i = 0; i < nk_; ++i) {
    const WordSpec& w = word_spec_[i];
    const Value& v = row[w.slot];
    if (v.is_null()) {
      nk[i].u = w.nulls_first ? 0 : ~uint64_t{0};
      continue;
    }
    if (v.type() != w.type) {  // unexpected: stop trusting the words
      words_ = 0;
      nk[i].u = 0;
      continue;
    }
    uint64_t x = w.type == Type::kBool ? (v.as_bool() ? 2 : 1)
                                       : static_cast<uint64_t>(v.as_int64()) ^ (uint64_t{1} << 63);
    nk[i].u = w.descending ? ~x : x;
  }
}

OrderedRows::Probe OrderedRows::probe(const Value* row) const {
  Probe p;
  p.row = row;
  encode(row, p.nk);
  return p;
}

void OrderedRows::clear() {
  // Free every node, depth first.
  if (root_ != nullptr) {
    std::vector<Node*> stack{root_};
    while (!stack.empty()) {
      Node* n = stack.back();
      stack.pop_back();
      if (!n->leaf) {
        Inner* in = static_cast<Inner*>(n);
        for (int i = 0; i < in->n; ++i) stack.push_back(in->meta[static_cast<size_t>(i) * is_].p);
      }
      free_node(n);
    }
  }
  root_ = nullptr;
  head_ = tail_ = nullptr;
  total_ = 0;
  distinct_ = 0;
  bytes_ = 0;
}

OrderedRows::Leaf* OrderedRows::new_leaf(int cap) {
  size_t size = sizeof(Leaf) + static_cast<size_t>(cap) * (sizeof(Word) * ls_ + sizeof(Value) * width_);
  void* mem = ::operator new(size);
  Leaf* l = new (mem) Leaf();
  l->leaf = true;
  l->n = 0;
  l->cap = cap;
  l->prev = l->next = nullptr;
  l->meta = reinterpret_cast<Word*>(l + 1);
  l->vals = reinterpret_cast<Value*>(l->meta + static_cast<size_t>(cap) * ls_);
  for (int i = 0; i < cap * width_; ++i) new (&l->vals[i]) Value();
  bytes_ += size;
  return l;
}

OrderedRows::Inner* OrderedRows::new_inner() {
  size_t size = sizeof(Inner) + static_cast<size_t>(kFanout) * (sizeof(Word) * is_ + sizeof(Value) * width_);
  void* mem = ::operator new(size);
  Inner* in = new (mem) Inner();
  in->leaf = false;
  in->n = 0;
  in->meta = reinterpret_cast<Word*>(in + 1);
  in->keys = reinterpret_cast<Value*>(in->meta + static_cast<size_t>(kFanout) * is_);
  for (int i = 0; i < kFanout * width_; ++i) new (&in->keys[i]) Value();
  bytes_ += size;
  return in;
}

void OrderedRows::free_node(Node* n) {
  if (n->leaf) {
    Leaf* l = static_cast<Leaf*>(n);
    for (int i = 0; i < l->n; ++i) bytes_ -= heap_of(l->vals + static_cast<size_t>(i) * width_, width_);
    for (int i = 0; i < l->cap * width_; ++i) l->vals[i].~Value();
    bytes_ -= sizeof(Leaf) + static_cast<size_t>(l->cap) * (sizeof(Word) * ls_ + sizeof(Value) * width_);
    l->~Leaf();
    ::operator delete(l);
  } else {
    Inner* in = static_cast<Inner*>(n);
    for (int i = 0; i < kFanout * width_; ++i) in->keys[i].~Value();
    bytes_ -= sizeof(Inner) + static_cast<size_t>(kFanout) * (sizeof(Word) * is_ + sizeof(Value) * width_);
    in->~Inner();
    ::operator delete(in);
  }
}

namespace {

// Compares normalized words a with the probe's b: <0, >0, or 0 when the words
// cannot decide (they tie, or sit at the NULL encodings) and rows must be compared.
template <int K, class W>
inline int word_cmp(const W* a, const W* b) {
  if (a[0].u != b[0].u) return a[0].u < b[0].u ? -1 : 1;
  if (K == 2 && a[0].u != 0 && a[0].u != ~uint64_t{0} && a[1].u != b[1].u) return a[1].u < b[1].u ? -1 : 1;
  return 0;
}

}  // namespace

template <int K>
int OrderedRows::child_index_k(const Inner* in, const Probe& p) const {
  int lo = 1, hi = in->n;
  const size_t w = static_cast<size_t>(width_), s = static_cast<size_t>(is_);
  while (lo < hi) {
    int mid = (lo + hi) / 2;
    int c = word_cmp<K>(in->meta + mid * s + 2, p.nk);
    if (c == 0) c = cmp(in->keys + mid * w, p.row);
    if (c <= 0) lo = mid + 1;
    else hi = mid;
  }
  return lo - 1;
}

template <int K>
int OrderedRows::lower_bound_k(const Leaf* l, const Probe& p) const {
  int lo = 0, hi = l->n;
  const size_t w = static_cast<size_t>(width_), s = static_cast<size_t>(ls_);
  while (lo < hi) {
    int mid = (lo + hi) / 2;
    int c = word_cmp<K>(l->meta + mid * s + 1, p.nk);
    if (c == 0) c = cmp(l->vals + mid * w, p.row);
    if (c < 0) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

int OrderedRows::child_index(const Inner* in, const Probe& p) const {
  // The last child i >= 1 whose key is <= the probe, else 0.
  if (words_ == 2) return child_index_k<2>(in, p);
  if (words_ == 1 && nk_ == 1) return child_index_k<1>(in, p);
  int lo = 1, hi = in->n;
  const size_t w = static_cast<size_t>(width_);
  while (lo < hi) {
    int mid = (lo + hi) / 2;
    if (cmp(in->keys + mid * w, p.row) <= 0) lo = mid + 1;
    else hi = mid;
  }
  return lo - 1;
}

int OrderedRows::leaf_lower_bound(const Leaf* l, const Probe& p) const {
  if (words_ == 2) return lower_bound_k<2>(l, p);
  if (words_ == 1 && nk_ == 1) return lower_bound_k<1>(l, p);
  int lo = 0, hi = l->n;
  const size_t w = static_cast<size_t>(width_);
  while (lo < hi) {
    int mid = (lo + hi) / 2;
    if (cmp(l->vals + mid * w, p.row) < 0) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

OrderedRows::Leaf* OrderedRows::descend(const Probe& p, PathStep* path, int* depth) const {
  Node* n = root_;
  int d = 0;
  while (!n->leaf) {
    Inner* in = static_cast<Inner*>(n);
    int i = child_index(in, p);
    if (path != nullptr) path[d] = PathStep{in, i};
    ++d;
    n = in->meta[static_cast<size_t>(i) * is_].p;
  }
  if (depth != nullptr) *depth = d;
  return static_cast<Leaf*>(n);
}

int64_t OrderedRows::count(const Value* row) const {
  if (root_ == nullptr) return 0;
  Probe p = probe(row);
  const Leaf* l = descend(p, nullptr, nullptr);
  int pos = leaf_lower_bound(l, p);
  if (pos < l->n &&
      cmp(l->vals + static_cast<size_t>(pos) * width_, l->meta + static_cast<size_t>(pos) * ls_ + 1, p) == 0) {
    return l->meta[static_cast<size_t>(pos) * ls_].i;
  }
  return 0;
}

int64_t OrderedRows::rank(const Value* row) const {
  if (root_ == nullptr) return 0;
  Probe p = probe(row);
  int64_t r = 0;
  const Node* n = root_;
  while (!n->leaf) {
    const Inner* in = static_cast<const Inner*>(n);
    int i = child_index(in, p);
    for (int k = 0; k < i; ++k) r += in->meta[static_cast<size_t>(k) * is_ + 1].i;
    n = in->meta[static_cast<size_t>(i) * is_].p;
  }
  const Leaf* l = static_cast<const Leaf*>(n);
  int pos = leaf_lower_bound(l, p);
  for (int k = 0; k < pos; ++k) r += l->meta[static_cast<size_t>(k) * ls_].i;
  return r;
}

const Value* OrderedRows::first() const { return head_ == nullptr ? nullptr : head_->vals; }

const Value* OrderedRows::last() const {
  return tail_ == nullptr ? nullptr : tail_->vals + static_cast<size_t>(tail_->n - 1) * width_;
}

// The cursor reads a leaf's count through the leaf's own stride: store it in
// the cursor at creation (width_ holds the row width, the stride is derived
// from the leaf layout: counts are the first word of each entry).
const Value* OrderedRows::Cursor::row() const {
  const Leaf* l = static_cast<const Leaf*>(leaf_);
  return l->vals + static_cast<size_t>(pos_) * width_;
}

int64_t OrderedRows::Cursor::count() const {
  const Leaf* l = static_cast<const Leaf*>(leaf_);
  return l->meta[static_cast<size_t>(pos_) * stride_].i;
}

void OrderedRows::Cursor::next() {
  const Leaf* l = static_cast<const Leaf*>(leaf_);
  if (++pos_ >= l->n) {
    leaf_ = l->next;
    pos_ = 0;
  }
}

OrderedRows::Cursor OrderedRows::begin() const {
  Cursor c;
  c.leaf_ = head_;
  c.pos_ = 0;
  c.width_ = width_;
  c.stride_ = ls_;
  return c;
}

OrderedRows::Cursor OrderedRows::seek(int64_t rank, int64_t* skip) const {
  Cursor c;
  c.width_ = width_;
  c.stride_ = ls_;
  *skip = 0;
  if (rank < 0 || rank >= total_) return c;
  const Node* n = root_;
  while (!n->leaf) {
    const Inner* in = static_cast<const Inner*>(n);
    int i = 0;
    while (i + 1 < in->n && rank >= in->meta[static_cast<size_t>(i) * is_ + 1].i) {
      rank -= in->meta[static_cast<size_t>(i) * is_ + 1].i;
      ++i;
    }
    n = in->meta[static_cast<size_t>(i) * is_].p;
  }
  const Leaf* l = static_cast<const Leaf*>(n);
  int pos = 0;
  while (pos + 1 < l->n && rank >= l->meta[static_cast<size_t>(pos) * ls_].i) {
    rank -= l->meta[static_cast<size_t>(pos) * ls_].i;
    ++pos;
  }
  c.leaf_ = l;
  c.pos_ = pos;
  *skip = rank;
  return c;
}

int64_t OrderedRows::add(const Value* row, int64_t weight) {
  if (weight == 0) return count(row);
  if (root_ == nullptr) {
    if (weight < 0) return 0;
    Leaf* l = new_leaf(2);
    root_ = head_ = tail_ = l;
  }
  const Probe p = probe(row);
  PathStep path[kMaxDepth];
  int depth = 0;
  Leaf* leaf = descend(p, path, &depth);
  int pos = leaf_lower_bound(leaf, p);
  Word* m = leaf->meta + static_cast<size_t>(pos) * ls_;
  if (pos < leaf->n && cmp(leaf->vals + static_cast<size_t>(pos) * width_, m + 1, p) == 0) {
    int64_t before = m->i;
    int64_t delta = before + weight > 0 ? weight : -before;
    for (int d = 0; d < depth; ++d) path[d].node->meta[static_cast<size_t>(path[d].index) * is_ + 1].i += delta;
    total_ += delta;
    if (before + weight > 0) m->i = before + weight;
    else leaf_remove(leaf, pos, path, depth);
    return before;
  }
  if (weight < 0) return 0;
  for (int d = 0; d < depth; ++d) path[d].node->meta[static_cast<size_t>(path[d].index) * is_ + 1].i += weight;
  total_ += weight;
  ++distinct_;
  bytes_ += heap_of(row, width_);
  leaf_insert(leaf, pos, p, weight, path, depth);
  return 0;
}

OrderedRows::Leaf* OrderedRows::grow_root_leaf(Leaf* leaf) {
  Leaf* bigger = new_leaf(std::min(leaf->cap * 2, leaf_cap_));
  const size_t w = static_cast<size_t>(width_);
  for (int i = 0; i < leaf->n; ++i) move_values(bigger->vals + i * w, leaf->vals + i * w, width_);
  std::memcpy(bigger->meta, leaf->meta, static_cast<size_t>(leaf->n) * ls_ * sizeof(Word));
  bigger->n = leaf->n;
  leaf->n = 0;
  free_node(leaf);
  root_ = head_ = tail_ = bigger;
  return bigger;
}

void OrderedRows::leaf_insert(Leaf*& leaf, int pos, const Probe& probe_row, int64_t weight, PathStep* path,
                              int depth) {
  const size_t w = static_cast<size_t>(width_), s = static_cast<size_t>(ls_);
  auto place = [&](Leaf* l, int p) {
    // Slot n holds NULLs (nothing to release); entries [p, n) move right as bytes.
    const size_t moved = static_cast<size_t>(l->n - p);
    Value* dst = l->vals + p * w;
    relocate(dst + w, dst, moved * w);
    Word* m = l->meta + p * s;
    std::memmove(m + s, m, moved * s * sizeof(Word));
    for (int c = 0; c < width_; ++c) new (&dst[c]) Value(probe_row.row[c]);  // over the stale copy
    m[0].i = weight;
    for (int k = 0; k < nk_; ++k) m[1 + k].u = probe_row.nk[k].u;
    ++l->n;
  };
  if (leaf->n < leaf->cap) {
    place(leaf, pos);
    return;
  }
  if (depth == 0 && leaf->cap < leaf_cap_) {
    leaf = grow_root_leaf(leaf);
    place(leaf, pos);
    return;
  }
  // Split: the upper half moves to a new right neighbour.
  Leaf* right = new_leaf(leaf_cap_);
  const int half = leaf->n / 2;
  const size_t moved = static_cast<size_t>(leaf->n - half);
  for (size_t i = 0; i < moved; ++i) move_values(right->vals + i * w, leaf->vals + (half + i) * w, width_);
  std::memcpy(right->meta, leaf->meta + half * s, moved * s * sizeof(Word));
  right->n = static_cast<int>(moved);
  leaf->n = half;
  right->next = leaf->next;
  right->prev = leaf;
  if (leaf->next != nullptr) leaf->next->prev = right;
  else tail_ = right;
  leaf->next = right;
  // pos <= half stays left (the row sorts before right's first row), so the
  // separator is right's first row either way.
  if (pos <= half) place(leaf, pos);
  else place(right, pos - half);
  int64_t right_total = 0;
  for (int i = 0; i < right->n; ++i) right_total += right->meta[i * s].i;
  insert_child(path, depth, leaf, right, right->vals, right->meta + 1, right_total);
}

void OrderedRows::insert_child(PathStep* path, int depth, Node* left, Node* right, const Value* sep,
                               const Word* sep_nk, int64_t right_total) {
  const size_t w = static_cast<size_t>(width_), s = static_cast<size_t>(is_);
  // sep_nk may point into a node whose entries move below: copy it first.
  Word nk[kMaxWords];
  for (int k = 0; k < nk_; ++k) nk[k].u = sep_nk[k].u;
  auto set = [&](Inner* in, int j, Node* child, int64_t total) {
    Word* m = in->meta + j * s;
    m[0].p = child;
    m[1].i = total;
    for (int k = 0; k < nk_; ++k) m[2 + k].u = nk[k].u;
    for (int c = 0; c < width_; ++c) in->keys[j * w + c] = sep[c];
  };
  if (depth == 0) {  // `left` was the root
    Inner* r = new_inner();
    r->n = 2;
    r->meta[0].p = left;
    r->meta[1].i = total_ - right_total;
    set(r, 1, right, right_total);
    root_ = r;
    return;
  }
  Inner* p = path[depth - 1].node;
  const int i = path[depth - 1].index;
  p->meta[i * s + 1].i -= right_total;
  auto place = [&](Inner* in, int j, Node* child, int64_t total) {
    for (int m = in->n; m > j; --m) move_values(in->keys + m * w, in->keys + (m - 1) * w, width_);
    std::memmove(in->meta + (j + 1) * s, in->meta + j * s, static_cast<size_t>(in->n - j) * s * sizeof(Word));
    set(in, j, child, total);
    ++in->n;
  };
  if (p->n < kFanout) {
    place(p, i + 1, right, right_total);
    return;
  }
  // Split the parent; its upper half moves to q, whose first key separates them.
  Inner* q = new_inner();
  const int half = p->n / 2;
  for (int m = half; m < p->n; ++m) move_values(q->keys + (m - half) * w, p->keys + m * w, width_);
  std::memcpy(q->meta, p->meta + half * s, static_cast<size_t>(p->n - half) * s * sizeof(Word));
  q->n = p->n - half;
  p->n = half;
  const int j = i + 1;
  if (j <= half) place(p, j, right, right_total);
  else place(q, j - half, right, right_total);
  int64_t q_total = 0;
  for (int m = 0; m < q->n; ++m) q_total += q->meta[m * s + 1].i;
  insert_child(path, depth - 1, p, q, q->keys, q->meta + 2, q_total);
}

void OrderedRows::leaf_remove(Leaf* leaf, int pos, PathStep* path, int depth) {
  const size_t w = static_cast<size_t>(width_), s = static_cast<size_t>(ls_);
  const size_t moved = static_cast<size_t>(leaf->n - pos - 1);
  Value* gone = leaf->vals + pos * w;
  bytes_ -= heap_of(gone, width_);
  for (int c = 0; c < width_; ++c) gone[c].~Value();
  relocate(gone, gone + w, moved * w);
  std::memmove(leaf->meta + pos * s, leaf->meta + (pos + 1) * s, moved * s * sizeof(Word));
  --leaf->n;
  Value* last = leaf->vals + static_cast<size_t>(leaf->n) * w;
  for (int c = 0; c < width_; ++c) new (&last[c]) Value();  // over the stale copy
  --distinct_;
  if (depth == 0) {
    if (leaf->n == 0) {
      free_node(leaf);
      root_ = nullptr;
      head_ = tail_ = nullptr;
    }
    return;
  }
  if (leaf->n == 0) {
    if (leaf->prev != nullptr) leaf->prev->next = leaf->next;
    else head_ = leaf->next;
    if (leaf->next != nullptr) leaf->next->prev = leaf->prev;
    else tail_ = leaf->prev;
    free_node(leaf);
    remove_child(path, depth);
    return;
  }
  if (leaf->n < leaf_cap_ / 4) rebalance(path, depth, leaf);
}

// Removes child path[depth-1].index from its parent (the child is already
// freed or merged away), then repairs the parent.
void OrderedRows::remove_child(PathStep* path, int depth) {
  const size_t w = static_cast<size_t>(width_), s = static_cast<size_t>(is_);
  Inner* p = path[depth - 1].node;
  const int i = path[depth - 1].index;
  for (int m = i; m + 1 < p->n; ++m) move_values(p->keys + m * w, p->keys + (m + 1) * w, width_);
  std::memmove(p->meta + i * s, p->meta + (i + 1) * s, static_cast<size_t>(p->n - i - 1) * s * sizeof(Word));
  --p->n;
  Value* last = p->keys + static_cast<size_t>(p->n) * w;
  for (int c = 0; c < width_; ++c) last[c] = Value();
  if (depth - 1 == 0) {  // p is the root
    while (root_ != nullptr && !root_->leaf && static_cast<Inner*>(root_)->n <= 1) {
      Inner* r = static_cast<Inner*>(root_);
      root_ = r->n == 1 ? r->meta[0].p : nullptr;
      r->n = 0;
      free_node(r);
    }
    if (root_ == nullptr) head_ = tail_ = nullptr;
    return;
  }
  if (p->n == 0) {
    free_node(p);
    remove_child(path, depth - 1);
    return;
  }
  if (p->n < kFanout / 4) rebalance(path, depth - 1, p);
}

// `node` (child path[depth-1].index) is under a quarter full: merge it with
// a neighbour when both fit in three quarters of a node.
void OrderedRows::rebalance(PathStep* path, int depth, Node* node) {
  const size_t w = static_cast<size_t>(width_);
  Inner* p = path[depth - 1].node;
  const int i = path[depth - 1].index;
  const size_t ps = static_cast<size_t>(is_);
  auto child = [&](int k) { return p->meta[k * ps].p; };
  const int cap = node->leaf ? leaf_cap_ : kFanout;
  int left = -1;
  if (i + 1 < p->n && node->n + child(i + 1)->n <= cap * 3 / 4) left = i;
  else if (i > 0 && node->n + child(i - 1)->n <= cap * 3 / 4) left = i - 1;
  if (left < 0) return;
  Node* ln = child(left);
  Node* rn = child(left + 1);
  if (ln->leaf) {
    const size_t s = static_cast<size_t>(ls_);
    Leaf* l = static_cast<Leaf*>(ln);
    Leaf* r = static_cast<Leaf*>(rn);
    if (l->cap < r->n + l->n) return;  // (only the small root leaf has a smaller cap; not here)
    for (int m = 0; m < r->n; ++m) move_values(l->vals + (l->n + m) * w, r->vals + m * w, width_);
    std::memcpy(l->meta + l->n * s, r->meta, static_cast<size_t>(r->n) * s * sizeof(Word));
    l->n += r->n;
    r->n = 0;
    l->next = r->next;
    if (r->next != nullptr) r->next->prev = l;
    else tail_ = l;
    free_node(r);
  } else {
    const size_t s = ps;
    Inner* l = static_cast<Inner*>(ln);
    Inner* r = static_cast<Inner*>(rn);
    std::memcpy(l->meta + l->n * s, r->meta, static_cast<size_t>(r->n) * s * sizeof(Word));
    for (int m = 0; m < r->n; ++m) {
      Value* dst = l->keys + (l->n + m) * w;
      if (m == 0) {  // r's first key slot is unused: the parent's separator goes there
        for (int c = 0; c < width_; ++c) dst[c] = p->keys[(left + 1) * w + c];
        for (int k = 0; k < nk_; ++k) l->meta[l->n * s + 2 + k].u = p->meta[(left + 1) * s + 2 + k].u;
      } else {
        move_values(dst, r->keys + m * w, width_);
      }
    }
    l->n += r->n;
    r->n = 0;
    free_node(r);
  }
  p->meta[left * ps + 1].i += p->meta[(left + 1) * ps + 1].i;
  path[depth - 1].index = left + 1;
  remove_child(path, depth);
}

}  // namespace rindle::ivm
