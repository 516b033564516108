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
  Value* vals;      // [cap * width]
};
struct OrderedRows::Inner : Node {
  Node* child[kFanout];
  int64_t total[kFanout];  // copies in each child's subtree
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

}  // namespace

OrderedRows::OrderedRows(int width, const SortSpec* order) : width_(width), order_(order) {
  const int entry = static_cast<int>(sizeof(int64_t) + sizeof(Value) * width);
  leaf_cap_ = std::clamp(2048 / entry, 8, 128);
}

OrderedRows::~OrderedRows() { clear(); }

OrderedRows::OrderedRows(OrderedRows&& o) noexcept
    : width_(o.width_),
      order_(o.order_),
      leaf_cap_(o.leaf_cap_),
      root_(std::exchange(o.root_, nullptr)),
      head_(std::exchange(o.head_, nullptr)),
      tail_(std::exchange(o.tail_, nullptr)),
      total_(std::exchange(o.total_, 0)),
      distinct_(std::exchange(o.distinct_, 0)),
      bytes_(std::exchange(o.bytes_, 0)) {}

OrderedRows& OrderedRows::operator=(OrderedRows&& o) noexcept {
  if (this != &o) {
    clear();
    width_ = o.width_;
    order_ = o.order_;
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

void OrderedRows::clear() {
  // Free every node, depth first.
  if (root_ != nullptr) {
    Node* stack[kMaxDepth * kFanout];
    int top = 0;
    stack[top++] = root_;
    while (top > 0) {
      Node* n = stack[--top];
      if (!n->leaf) {
        Inner* in = static_cast<Inner*>(n);
        for (int i = 0; i < in->n; ++i) stack[top++] = in->child[i];
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
  size_t size = sizeof(Leaf) + static_cast<size_t>(cap) * (sizeof(int64_t) + sizeof(Value) * width_);
  void* mem = ::operator new(size);
  Leaf* l = new (mem) Leaf();
  l->leaf = true;
  l->n = 0;
  l->cap = cap;
  l->prev = l->next = nullptr;
  l->counts = reinterpret_cast<int64_t*>(l + 1);
  l->vals = reinterpret_cast<Value*>(l->counts + cap);
  for (int i = 0; i < cap * width_; ++i) new (&l->vals[i]) Value();
  bytes_ += size;
  return l;
}

OrderedRows::Inner* OrderedRows::new_inner() {
  size_t size = sizeof(Inner) + static_cast<size_t>(kFanout) * sizeof(Value) * width_;
  void* mem = ::operator new(size);
  Inner* in = new (mem) Inner();
  in->leaf = false;
  in->n = 0;
  in->keys = reinterpret_cast<Value*>(in + 1);
  for (int i = 0; i < kFanout * width_; ++i) new (&in->keys[i]) Value();
  bytes_ += size;
  return in;
}

void OrderedRows::free_node(Node* n) {
  if (n->leaf) {
    Leaf* l = static_cast<Leaf*>(n);
    for (int i = 0; i < l->n; ++i) bytes_ -= heap_of(l->vals + static_cast<size_t>(i) * width_, width_);
    for (int i = 0; i < l->cap * width_; ++i) l->vals[i].~Value();
    bytes_ -= sizeof(Leaf) + static_cast<size_t>(l->cap) * (sizeof(int64_t) + sizeof(Value) * width_);
    l->~Leaf();
    ::operator delete(l);
  } else {
    Inner* in = static_cast<Inner*>(n);
    for (int i = 0; i < kFanout * width_; ++i) in->keys[i].~Value();
    bytes_ -= sizeof(Inner) + static_cast<size_t>(kFanout) * sizeof(Value) * width_;
    in->~Inner();
    ::operator delete(in);
  }
}

int OrderedRows::child_index(const Inner* in, const Value* row) const {
  // The last child i >= 1 whose key is <= row, else 0.
  int lo = 1, hi = in->n;
  while (lo < hi) {
    int mid = (lo + hi) / 2;
    if (cmp(in->keys + static_cast<size_t>(mid) * width_, row) <= 0) lo = mid + 1;
    else hi = mid;
  }
  return lo - 1;
}

int OrderedRows::leaf_lower_bound(const Leaf* l, const Value* row) const {
  int lo = 0, hi = l->n;
  while (lo < hi) {
    int mid = (lo + hi) / 2;
    if (cmp(l->vals + static_cast<size_t>(mid) * width_, row) < 0) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

OrderedRows::Leaf* OrderedRows::descend(const Value* row, PathStep* path, int* depth) const {
  Node* n = root_;
  int d = 0;
  while (!n->leaf) {
    Inner* in = static_cast<Inner*>(n);
    int i = child_index(in, row);
    if (path != nullptr) path[d] = PathStep{in, i};
    ++d;
    n = in->child[i];
  }
  if (depth != nullptr) *depth = d;
  return static_cast<Leaf*>(n);
}

int64_t OrderedRows::count(const Value* row) const {
  if (root_ == nullptr) return 0;
  const Leaf* l = descend(row, nullptr, nullptr);
  int pos = leaf_lower_bound(l, row);
  if (pos < l->n && cmp(l->vals + static_cast<size_t>(pos) * width_, row) == 0) return l->counts[pos];
  return 0;
}

int64_t OrderedRows::rank(const Value* row) const {
  if (root_ == nullptr) return 0;
  int64_t r = 0;
  const Node* n = root_;
  while (!n->leaf) {
    const Inner* in = static_cast<const Inner*>(n);
    int i = child_index(in, row);
    for (int k = 0; k < i; ++k) r += in->total[k];
    n = in->child[i];
  }
  const Leaf* l = static_cast<const Leaf*>(n);
  int pos = leaf_lower_bound(l, row);
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
  PathStep path[kMaxDepth];
  int depth = 0;
  Leaf* leaf = descend(row, path, &depth);
  int pos = leaf_lower_bound(leaf, row);
  if (pos < leaf->n && cmp(leaf->vals + static_cast<size_t>(pos) * width_, row) == 0) {
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
  leaf_insert(leaf, pos, row, weight, path, depth);
  return 0;
}

OrderedRows::Leaf* OrderedRows::grow_root_leaf(Leaf* leaf) {
  Leaf* bigger = new_leaf(std::min(leaf->cap * 2, leaf_cap_));
  for (int i = 0; i < leaf->n; ++i) {
    move_values(bigger->vals + static_cast<size_t>(i) * width_, leaf->vals + static_cast<size_t>(i) * width_, width_);
    bigger->counts[i] = leaf->counts[i];
  }
  bigger->n = leaf->n;
  leaf->n = 0;
  free_node(leaf);
  root_ = head_ = tail_ = bigger;
  return bigger;
}

void OrderedRows::leaf_insert(Leaf*& leaf, int pos, const Value* row, int64_t weight, PathStep* path, int depth) {
  auto place = [&](Leaf* l, int p) {
    // Slot n holds NULLs (nothing to release); entries [p, n) move right as bytes.
    const size_t w = static_cast<size_t>(width_);
    Value* dst = l->vals + static_cast<size_t>(p) * w;
    relocate(dst + w, dst, static_cast<size_t>(l->n - p) * w);
    std::memmove(l->counts + p + 1, l->counts + p, static_cast<size_t>(l->n - p) * sizeof(int64_t));
    for (int c = 0; c < width_; ++c) new (&dst[c]) Value(row[c]);  // over the stale copy
    l->counts[p] = weight;
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
  for (int i = half; i < leaf->n; ++i) {
    move_values(right->vals + static_cast<size_t>(i - half) * width_, leaf->vals + static_cast<size_t>(i) * width_,
                width_);
    right->counts[i - half] = leaf->counts[i];
  }
  right->n = leaf->n - half;
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
  insert_child(path, depth, leaf, right, right->vals, right_total);
}

void OrderedRows::insert_child(PathStep* path, int depth, Node* left, Node* right, const Value* sep,
                               int64_t right_total) {
  if (depth == 0) {  // `left` was the root
    Inner* r = new_inner();
    r->n = 2;
    r->child[0] = left;
    r->child[1] = right;
    r->total[0] = total_ - right_total;
    r->total[1] = right_total;
    for (int c = 0; c < width_; ++c) r->keys[width_ + c] = sep[c];
    root_ = r;
    return;
  }
  Inner* p = path[depth - 1].node;
  const int i = path[depth - 1].index;
  p->total[i] -= right_total;
  auto place = [&](Inner* in, int j, Node* child, int64_t total, const Value* key) {
    for (int k = in->n; k > j; --k) {
      in->child[k] = in->child[k - 1];
      in->total[k] = in->total[k - 1];
      move_values(in->keys + static_cast<size_t>(k) * width_, in->keys + static_cast<size_t>(k - 1) * width_, width_);
    }
    in->child[j] = child;
    in->total[j] = total;
    for (int c = 0; c < width_; ++c) in->keys[static_cast<size_t>(j) * width_ + c] = key[c];
    ++in->n;
  };
  if (p->n < kFanout) {
    place(p, i + 1, right, right_total, sep);
    return;
  }
  // Split the parent; its upper half moves to q, whose first key separates them.
  Inner* q = new_inner();
  const int half = p->n / 2;
  for (int k = half; k < p->n; ++k) {
    q->child[k - half] = p->child[k];
    q->total[k - half] = p->total[k];
    move_values(q->keys + static_cast<size_t>(k - half) * width_, p->keys + static_cast<size_t>(k) * width_, width_);
  }
  q->n = p->n - half;
  p->n = half;
  const int j = i + 1;
  if (j <= half) place(p, j, right, right_total, sep);
  else place(q, j - half, right, right_total, sep);
  int64_t q_total = 0;
  for (int k = 0; k < q->n; ++k) q_total += q->total[k];
  insert_child(path, depth - 1, p, q, q->keys, q_total);
}

void OrderedRows::leaf_remove(Leaf* leaf, int pos, PathStep* path, int depth) {
  const size_t w = static_cast<size_t>(width_);
  Value* gone = leaf->vals + static_cast<size_t>(pos) * w;
  bytes_ -= heap_of(gone, width_);
  for (int c = 0; c < width_; ++c) gone[c].~Value();
  relocate(gone, gone + w, static_cast<size_t>(leaf->n - pos - 1) * w);
  std::memmove(leaf->counts + pos, leaf->counts + pos + 1, static_cast<size_t>(leaf->n - pos - 1) * sizeof(int64_t));
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
  Inner* p = path[depth - 1].node;
  const int i = path[depth - 1].index;
  for (int k = i; k + 1 < p->n; ++k) {
    p->child[k] = p->child[k + 1];
    p->total[k] = p->total[k + 1];
    move_values(p->keys + static_cast<size_t>(k) * width_, p->keys + static_cast<size_t>(k + 1) * width_, width_);
  }
  --p->n;
  Value* last = p->keys + static_cast<size_t>(p->n) * width_;
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
    for (int k = 0; k < r->n; ++k) {
      move_values(l->vals + static_cast<size_t>(l->n + k) * width_, r->vals + static_cast<size_t>(k) * width_, width_);
      l->counts[l->n + k] = r->counts[k];
    }
    l->n += r->n;
    r->n = 0;
    l->next = r->next;
    if (r->next != nullptr) r->next->prev = l;
    else tail_ = l;
    free_node(r);
  } else {
    Inner* l = static_cast<Inner*>(ln);
    Inner* r = static_cast<Inner*>(rn);
    for (int k = 0; k < r->n; ++k) {
      l->child[l->n + k] = r->child[k];
      l->total[l->n + k] = r->total[k];
      Value* dst = l->keys + static_cast<size_t>(l->n + k) * width_;
      if (k == 0) {
        for (int c = 0; c < width_; ++c) dst[c] = p->keys[static_cast<size_t>(left + 1) * width_ + c];
      } else {
        move_values(dst, r->keys + static_cast<size_t>(k) * width_, width_);
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
