#include "sinks/memory_sink.h"

#include <algorithm>

namespace rindle::sinks {
namespace {

ivm::Row key_of(const ivm::Row& r, const std::vector<int>& key) {
  ivm::Row k;
  for (int i : key) k.push_back(r[static_cast<size_t>(i)]);
  return k;
}

// The index of the row matching `row` (by key, or whole when keyless), or -1.
long find_row(const std::vector<ivm::Row>& rows, const ivm::Row& row, const std::vector<int>& key) {
  for (size_t i = 0; i < rows.size(); ++i) {
    if (key.empty() ? ivm::rows_identical(rows[i], row) : ivm::rows_identical(key_of(rows[i], key), key_of(row, key))) {
      return static_cast<long>(i);
    }
  }
  return -1;
}

ivm::Status diverged(const std::string& what) {
  return ivm::Status(ivm::Code::kConstraint, what + ": the contents no longer match the view");
}

}  // namespace

ivm::Status MemorySink::injected() {
  if (store_->fail_next <= 0) return ivm::Status::Ok();
  --store_->fail_next;
  return ivm::Status(store_->fail_code, "injected failure in " + name_);
}

ivm::Result<SinkState> MemorySink::open() {
  std::lock_guard<std::mutex> l(store_->mu);
  RINDLE_RETURN_IF_ERROR(injected());
  SinkState st;
  st.needs_replace = false;
  if (!store_->exists) {
    store_->exists = true;
    store_->rows.clear();
    store_->lsn = 0;
    st.needs_replace = true;
    st.reason = "the store was created";
  } else if (store_->fingerprint != shape_.fingerprint) {
    st.needs_replace = true;
    st.reason = "the view's definition changed";
  }
  st.durable_lsn = store_->lsn;
  open_ = true;
  return st;
}

ivm::Status MemorySink::replace(Lsn lsn, const std::vector<ivm::Row>& rows) {
  std::lock_guard<std::mutex> l(store_->mu);
  RINDLE_RETURN_IF_ERROR(injected());
  if (!open_) return ivm::Status(ivm::Code::kInternal, "not open");
  store_->rows = detach(rows);
  store_->lsn = lsn;
  store_->fingerprint = shape_.fingerprint;
  ++store_->replaces;
  return ivm::Status::Ok();
}

ivm::Status MemorySink::write(std::span<const ViewTxn* const> txns) {
  std::lock_guard<std::mutex> l(store_->mu);
  RINDLE_RETURN_IF_ERROR(injected());
  if (!open_) return ivm::Status(ivm::Code::kInternal, "not open");
  std::vector<ivm::Row> rows = store_->rows;  // all or nothing
  Lsn prev = store_->lsn;
  for (const ViewTxn* t : txns) {
    if (t->lsn <= prev) return ivm::Status(ivm::Code::kInternal, "transaction not after the durable LSN");
    prev = t->lsn;
    if (shape_.ordered) {
      // Deletes by old position (descending), then inserts by new position (ascending).
      std::vector<int64_t> del;
      std::vector<std::pair<int64_t, const ivm::Row*>> ins;
      for (const ivm::ViewChange& c : t->changes) {
        if (c.kind != ivm::ChangeKind::kInsert) del.push_back(c.old_pos);
        if (c.kind != ivm::ChangeKind::kDelete) ins.emplace_back(c.new_pos, &c.new_row);
      }
      std::sort(del.rbegin(), del.rend());
      std::sort(ins.begin(), ins.end(), [](const auto& a, const auto& b) { return a.first < b.first; });
      for (int64_t p : del) {
        if (p < 0 || static_cast<size_t>(p) >= rows.size()) return diverged("delete at position " + std::to_string(p));
        rows.erase(rows.begin() + p);
      }
      for (const auto& [p, r] : ins) {
        if (p < 0 || static_cast<size_t>(p) > rows.size()) return diverged("insert at position " + std::to_string(p));
        rows.insert(rows.begin() + p, detach(*r));
      }
      continue;
    }
    for (const ivm::ViewChange& c : t->changes) {
      if (c.kind == ivm::ChangeKind::kInsert) {
        if (!shape_.key.empty() && find_row(rows, c.new_row, shape_.key) >= 0) return diverged("insert of an existing key");
        rows.push_back(detach(c.new_row));
        continue;
      }
      long i = find_row(rows, c.old_row, shape_.key);
      if (i < 0) return diverged("a changed row is missing");
      if (c.kind == ivm::ChangeKind::kDelete) {
        rows.erase(rows.begin() + i);
      } else {
        rows[static_cast<size_t>(i)] = detach(c.new_row);
      }
    }
  }
  store_->rows = std::move(rows);
  store_->lsn = prev;
  ++store_->writes;
  return ivm::Status::Ok();
}

}  // namespace rindle::sinks
