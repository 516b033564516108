#include "ivm/state/ordered_rows.h"

#include <algorithm>
#include <cstring>
#include <new>
#include <utility>

namespace rindle::ivm {

// Node memory: a header followed, in the same allocation, by its arrays.
struct OrderedRows::Node {
  bool leaf;
  int n;
};
struct OrderedRows::Leaf : Node {
  int cap;
  Leaf* prev;
  Leaf* next;
  int64_t* counts;  // [cap]
  uint64_t* nk;     // [cap * nk_] normalized keys
  Value* vals;      // [cap * width]
};
struct OrderedRows::Inner : Node {
  Node* child[kFanout];
  int64_t total[kFanout];  // copies in each child's subtree
  uint64_t* nk;            // [kFanout * nk_]
  Value* keys;             // [kFanout * width]; key i (i >= 1) <= every row of child i
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
  const int entry = static_cast<int>(sizeof(int64_t) + sizeof(uint64_t) * nk_ + sizeof(Value) * width);
  leaf_cap_ = std::clamp(2048 / entry, 8, 128);
}

OrderedRows::~OrderedRows() { clear(); }

OrderedRows::OrderedRows(OrderedRows&& o) noexcept
    : width_(o.width_),
      order_(o.order_),
      nk_(o.nk_),
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
void OrderedRows::encode(const Value* row, uint64_t* nk) const {
  for (int i = 0; i < nk_; ++i) {
    const WordSpec& w = word_spec_[i];
    const Value& v = row[w.slot];
    if (v.is_null()) {
      nk[i] = w.nulls_first ? 0 : ~uint64_t{0};
      continue;
    }
    if (v.type() != w.type) {  // unexpected: stop trusting the words
      words_ = 0;
      nk[i] = 0;
      continue;
    }
    uint64_t x = w.type == Type::kBool ? (v.as_bool() ? 2 : 1)
                                       : static_cast<uint64_t>(v.as_int64()) ^ (uint64_t{1} << 63);
    nk[i] = w.descending ? ~x : x;
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
        for (int i = 0; i < in->n; ++i) stack.push_back(in->child[i]);
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
  size_t size = sizeof(Leaf) + static_cast<size_t>(cap) * (sizeof(int64_t) + sizeof(uint64_t) * nk_ + sizeof(Value) * width_);
  void* mem = ::operator new(size);
  Leaf* l = new (mem) Leaf();
  l->leaf = true;
  l->n = 0;
  l->cap = cap;
  l->prev = l->next = nullptr;
  l->counts = reinterpret_cast<int64_t*>(l + 1);
  l->nk = reinterpret_cast<uint64_t*>(l->counts + cap);
  l->vals = reinterpret_cast<Value*>(l->nk + static_cast<size_t>(cap) * nk_);
  for (int i = 0; i < cap * width_; ++i) new (&l->vals[i]) Value();
  bytes_ += size;
  return l;
}

OrderedRows::Inner* OrderedRows::new_inner() {
  size_t size = sizeof(Inner) + static_cast<size_t>(kFanout) * (sizeof(uint64_t) * nk_ + sizeof(Value) * width_);
  void* mem = ::operator new(size);
  Inner* in = new (mem) Inner();
  in->leaf = false;
  in->n = 0;
  in->nk = reinterpret_cast<uint64_t*>(in + 1);
  in->keys = reinterpret_cast<Value*>(in->nk + static_cast<size_t>(kFanout) * nk_);
  for (int i = 0; i < kFanout * width_; ++i) new (&in->keys[i]) Value();
  bytes_ += size;
  return in;
}

void OrderedRows::free_node(Node* n) {
  if (n->leaf) {
    Leaf* l = static_cast<Leaf*>(n);
    for (int i = 0; i < l->n; ++i) bytes_ -= heap_of(l->vals + static_cast<size_t>(i) * width_, width_);
    for (int i = 0; i < l->cap * width_; ++i) l->vals[i].~Value();
    bytes_ -= sizeof(Leaf) + static_cast<size_t>(l->cap) * (sizeof(int64_t) + sizeof(uint64_t) * nk_ + sizeof(Value) * width_);
    l->~Leaf();
    ::operator delete(l);
  } else {
    Inner* in = static_cast<Inner*>(n);
    for (int i = 0; i < kFanout * width_; ++i) in->keys[i].~Value();
    bytes_ -= sizeof(Inner) + static_cast<size_t>(kFanout) * (sizeof(uint64_t) * nk_ + sizeof(Value) * width_);
    in->~Inner();
    ::operator delete(in);
  }
}

namespace {

// Compares normalized words a with the probe's b: <0, >0, or 0 when the words
// cannot decide (they tie, or sit at the NULL encodings) and rows must be compared.
template <int K>
inline int word_cmp(const uint64_t* a, const uint64_t* b) {
  if (a[0] != b[0]) return a[0] < b[0] ? -1 : 1;
  if (K == 2 && a[0] != 0 && a[0] != ~uint64_t{0} && a[1] != b[1]) return a[1] < b[1] ? -1 : 1;
  return 0;
}

}  // namespace

template <int K>
int OrderedRows::child_index_k(const Inner* in, const Probe& p) const {
  int lo = 1, hi = in->n;
  const size_t w = static_cast<size_t>(width_);
  while (lo < hi) {
    int mid = (lo + hi) / 2;
    int c = word_cmp<K>(in->nk + static_cast<size_t>(mid) * K, p.nk);
    if (c == 0) c = cmp(in->keys + mid * w, p.row);
    if (c <= 0) lo = mid + 1;
    else hi = mid;
  }
  return lo - 1;
}

template <int K>
int OrderedRows::lower_bound_k(const Leaf* l, const Probe& p) const {
  int lo = 0, hi = l->n;
  const size_t w = static_cast<size_t>(width_);
  while (lo < hi) {
    int mid = (lo + hi) / 2;
    int c = word_cmp<K>(l->nk + static_cast<size_t>(mid) * K, p.nk);
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
    n = in->child[i];
  }
  if (depth != nullptr) *depth = d;
  return static_cast<Leaf*>(n);
}

int64_t OrderedRows::count(const Value* row) const {
  if (root_ == nullptr) return 0;
  Probe p = probe(row);
  const Leaf* l = descend(p, nullptr, nullptr);
  int pos = leaf_lower_bound(l, p);
  if (pos < l->n && cmp(l->vals + static_cast<size_t>(pos) * width_, l->nk + static_cast<size_t>(pos) * nk_, p) == 0) {
    return l->counts[pos];
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
    for (int k = 0; k < i; ++k) r += in->total[k];
    n = in->child[i];
  }
  const Leaf* l = static_cast<const Leaf*>(n);
  int pos = leaf_lower_bound(l, p);
  for (int k = 0; k < pos; ++k) r += l->counts[k];
  return r;
}

const Value* OrderedRows::first() const { return head_ == nullptr ? nullptr : head_->vals; }

const Value* OrderedRows::last() const {
  return tail_ == nullptr ? nullptr : tail_->vals + static_cast<size_t>(tail_->n - 1) * width_;
}

const Value* OrderedRows::Cursor::row() const {
  const Leaf* l = static_cast<const Leaf*>(leaf_);
  return l->vals + static_cast<size_t>(pos_) * width_;
}

int64_t OrderedRows::Cursor::count() const { return static_cast<const Leaf*>(leaf_)->counts[pos_]; }

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
  return c;
}

OrderedRows::Cursor OrderedRows::seek(int64_t rank, int64_t* skip) const {
  Cursor c;
  c.width_ = width_;
  *skip = 0;
  if (rank < 0 || rank >= total_) return c;
  const Node* n = root_;
  while (!n->leaf) {
    const Inner* in = static_cast<const Inner*>(n);
    int i = 0;
    while (i + 1 < in->n && rank >= in->total[i]) rank -= in->total[i++];
    n = in->child[i];
  }
  const Leaf* l = static_cast<const Leaf*>(n);
  int pos = 0;
  while (pos + 1 < l->n && rank >= l->counts[pos]) rank -= l->counts[pos++];
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
  if (pos < leaf->n &&
      cmp(leaf->vals + static_cast<size_t>(pos) * width_, leaf->nk + static_cast<size_t>(pos) * nk_, p) == 0) {
    int64_t before = leaf->counts[pos];
    int64_t delta = before + weight > 0 ? weight : -before;
    for (int d = 0; d < depth; ++d) path[d].node->total[path[d].index] += delta;
    total_ += delta;
    if (before + weight > 0) leaf->counts[pos] = before + weight;
    else leaf_remove(leaf, pos, path, depth);
    return before;
  }
  if (weight < 0) return 0;
  for (int d = 0; d < depth; ++d) path[d].node->total[path[d].index] += weight;
  total_ += weight;
  ++distinct_;
  bytes_ += heap_of(row, width_);
  leaf_insert(leaf, pos, p, weight, path, depth);
  return 0;
}

OrderedRows::Leaf* OrderedRows::grow_root_leaf(Leaf* leaf) {
  Leaf* bigger = new_leaf(std::min(leaf->cap * 2, leaf_cap_));
  const size_t w = static_cast<size_t>(width_), k = static_cast<size_t>(nk_);
  for (int i = 0; i < leaf->n; ++i) move_values(bigger->vals + i * w, leaf->vals + i * w, width_);
  std::memcpy(bigger->counts, leaf->counts, static_cast<size_t>(leaf->n) * sizeof(int64_t));
  std::memcpy(bigger->nk, leaf->nk, static_cast<size_t>(leaf->n) * k * sizeof(uint64_t));
  bigger->n = leaf->n;
  leaf->n = 0;
  free_node(leaf);
  root_ = head_ = tail_ = bigger;
  return bigger;
}

void OrderedRows::leaf_insert(Leaf*& leaf, int pos, const Probe& probe_row, int64_t weight, PathStep* path,
                              int depth) {
  const size_t w = static_cast<size_t>(width_), k = static_cast<size_t>(nk_);
  auto place = [&](Leaf* l, int p) {
    // Slot n holds NULLs (nothing to release); entries [p, n) move right as bytes.
    const size_t moved = static_cast<size_t>(l->n - p);
    Value* dst = l->vals + p * w;
    relocate(dst + w, dst, moved * w);
    std::memmove(l->counts + p + 1, l->counts + p, moved * sizeof(int64_t));
    std::memmove(l->nk + (p + 1) * k, l->nk + p * k, moved * k * sizeof(uint64_t));
    for (int c = 0; c < width_; ++c) new (&dst[c]) Value(probe_row.row[c]);  // over the stale copy
    l->counts[p] = weight;
    std::memcpy(l->nk + p * k, probe_row.nk, k * sizeof(uint64_t));
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
  std::memcpy(right->counts, leaf->counts + half, moved * sizeof(int64_t));
  std::memcpy(right->nk, leaf->nk + half * k, moved * k * sizeof(uint64_t));
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
  for (int i = 0; i < right->n; ++i) right_total += right->counts[i];
  insert_child(path, depth, leaf, right, right->vals, right->nk, right_total);
}

void OrderedRows::insert_child(PathStep* path, int depth, Node* left, Node* right, const Value* sep,
                               const uint64_t* sep_nk, int64_t right_total) {
  const size_t w = static_cast<size_t>(width_), k = static_cast<size_t>(nk_);
  auto set_key = [&](Inner* in, int j, const Value* key, const uint64_t* key_nk) {
    for (int c = 0; c < width_; ++c) in->keys[j * w + c] = key[c];
    std::memcpy(in->nk + j * k, key_nk, k * sizeof(uint64_t));
  };
  if (depth == 0) {  // `left` was the root
    Inner* r = new_inner();
    r->n = 2;
    r->child[0] = left;
    r->child[1] = right;
    r->total[0] = total_ - right_total;
    r->total[1] = right_total;
    set_key(r, 1, sep, sep_nk);
    root_ = r;
    return;
  }
  Inner* p = path[depth - 1].node;
  const int i = path[depth - 1].index;
  p->total[i] -= right_total;
  auto place = [&](Inner* in, int j, Node* child, int64_t total) {
    for (int m = in->n; m > j; --m) {
      in->child[m] = in->child[m - 1];
      in->total[m] = in->total[m - 1];
      move_values(in->keys + m * w, in->keys + (m - 1) * w, width_);
      std::memcpy(in->nk + m * k, in->nk + (m - 1) * k, k * sizeof(uint64_t));
    }
    in->child[j] = child;
    in->total[j] = total;
    set_key(in, j, sep, sep_nk);
    ++in->n;
  };
  if (p->n < kFanout) {
    place(p, i + 1, right, right_total);
    return;
  }
  // Split the parent; its upper half moves to q, whose first key separates them.
  Inner* q = new_inner();
  const int half = p->n / 2;
  for (int m = half; m < p->n; ++m) {
    q->child[m - half] = p->child[m];
    q->total[m - half] = p->total[m];
    move_values(q->keys + (m - half) * w, p->keys + m * w, width_);
    std::memcpy(q->nk + (m - half) * k, p->nk + m * k, k * sizeof(uint64_t));
  }
  q->n = p->n - half;
  p->n = half;
  const int j = i + 1;
  if (j <= half) place(p, j, right, right_total);
  else place(q, j - half, right, right_total);
  int64_t q_total = 0;
  for (int m = 0; m < q->n; ++m) q_total += q->total[m];
  insert_child(path, depth - 1, p, q, q->keys, q->nk, q_total);
}

void OrderedRows::leaf_remove(Leaf* leaf, int pos, PathStep* path, int depth) {
  const size_t w = static_cast<size_t>(width_), k = static_cast<size_t>(nk_);
  const size_t moved = static_cast<size_t>(leaf->n - pos - 1);
  Value* gone = leaf->vals + pos * w;
  bytes_ -= heap_of(gone, width_);
  for (int c = 0; c < width_; ++c) gone[c].~Value();
  relocate(gone, gone + w, moved * w);
  std::memmove(leaf->counts + pos, leaf->counts + pos + 1, moved * sizeof(int64_t));
  std::memmove(leaf->nk + pos * k, leaf->nk + (pos + 1) * k, moved * k * sizeof(uint64_t));
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
  const size_t w = static_cast<size_t>(width_), k = static_cast<size_t>(nk_);
  Inner* p = path[depth - 1].node;
  const int i = path[depth - 1].index;
  for (int m = i; m + 1 < p->n; ++m) {
    p->child[m] = p->child[m + 1];
    p->total[m] = p->total[m + 1];
    move_values(p->keys + m * w, p->keys + (m + 1) * w, width_);
    std::memcpy(p->nk + m * k, p->nk + (m + 1) * k, k * sizeof(uint64_t));
  }
  --p->n;
  Value* last = p->keys + static_cast<size_t>(p->n) * w;
  for (int c = 0; c < width_; ++c) last[c] = Value();
  if (depth - 1 == 0) {  // p is the root
    while (root_ != nullptr && !root_->leaf && static_cast<Inner*>(root_)->n <= 1) {
      Inner* r = static_cast<Inner*>(root_);
      root_ = r->n == 1 ? r->child[0] : nullptr;
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
  const size_t w = static_cast<size_t>(width_), k = static_cast<size_t>(nk_);
  Inner* p = path[depth - 1].node;
  const int i = path[depth - 1].index;
  const int cap = node->leaf ? leaf_cap_ : kFanout;
  int left = -1;
  if (i + 1 < p->n && node->n + p->child[i + 1]->n <= cap * 3 / 4) left = i;
  else if (i > 0 && node->n + p->child[i - 1]->n <= cap * 3 / 4) left = i - 1;
  if (left < 0) return;
  Node* ln = p->child[left];
  Node* rn = p->child[left + 1];
  if (ln->leaf) {
    Leaf* l = static_cast<Leaf*>(ln);
    Leaf* r = static_cast<Leaf*>(rn);
    if (l->cap < r->n + l->n) return;  // (only the small root leaf has a smaller cap; not here)
    for (int m = 0; m < r->n; ++m) move_values(l->vals + (l->n + m) * w, r->vals + m * w, width_);
    std::memcpy(l->counts + l->n, r->counts, static_cast<size_t>(r->n) * sizeof(int64_t));
    std::memcpy(l->nk + l->n * k, r->nk, static_cast<size_t>(r->n) * k * sizeof(uint64_t));
    l->n += r->n;
    r->n = 0;
    l->next = r->next;
    if (r->next != nullptr) r->next->prev = l;
    else tail_ = l;
    free_node(r);
  } else {
    Inner* l = static_cast<Inner*>(ln);
    Inner* r = static_cast<Inner*>(rn);
    for (int m = 0; m < r->n; ++m) {
      l->child[l->n + m] = r->child[m];
      l->total[l->n + m] = r->total[m];
      Value* dst = l->keys + (l->n + m) * w;
      uint64_t* dst_nk = l->nk + (l->n + m) * k;
      if (m == 0) {  // r's first key slot is unused: the parent's separator goes there
        for (int c = 0; c < width_; ++c) dst[c] = p->keys[(left + 1) * w + c];
        std::memcpy(dst_nk, p->nk + (left + 1) * k, k * sizeof(uint64_t));
      } else {
        move_values(dst, r->keys + m * w, width_);
        std::memcpy(dst_nk, r->nk + m * k, k * sizeof(uint64_t));
      }
    }
    l->n += r->n;
    r->n = 0;
    free_node(r);
  }
  p->total[left] += p->total[left + 1];
  path[depth - 1].index = left + 1;
  remove_child(path, depth);
}

}  // namespace rindle::ivm
