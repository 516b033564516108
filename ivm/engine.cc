#include "ivm/engine.h"

#include <unordered_map>
#include <unordered_set>

#include "ivm/table_store.h"
#include "ivm/view.h"

namespace rindle::ivm {

struct Engine::Impl {
  std::vector<std::unique_ptr<TableStore>> tables;  // by table id; null once dropped
  std::vector<std::unique_ptr<View>> views;         // by view id; null once dropped
  WorkCounters counters;

  int table_id(std::string_view name) const {
    for (size_t i = 0; i < tables.size(); ++i) {
      if (tables[i] && tables[i]->schema().name == name) return static_cast<int>(i);
    }
    return -1;
  }
  View* view(ViewId id) const { return id < views.size() ? views[id].get() : nullptr; }
  PlanCatalog catalog() const {
    PlanCatalog c;
    for (const auto& t : tables) c.tables.push_back(t ? &t->schema() : nullptr);
    return c;
  }
  // Every stored row of the view's tables as one insertion delta per table.
  std::vector<Delta> hydration_deltas(const std::vector<int>& ids) const {
    std::vector<Delta> d(tables.size());
    for (int id : ids) {
      d[id].reserve(tables[id]->size());
      tables[id]->for_each([&](const Row& r) { d[id].push_back(WeightedRow{r, 1}); });
    }
    return d;
  }
  // Steps every healthy view touched by `deltas`, collecting their changes.
  std::vector<ViewDelta> step_views(const std::vector<Delta>& deltas, uint64_t lsn) {
    std::vector<ViewDelta> out;
    StepContext ctx{&deltas, &counters};
    for (auto& v : views) {
      if (!v || !v->status().ok() || !v->reads_any(deltas)) continue;
      ViewDelta vd;
      vd.view = v->id();
      vd.lsn = lsn;
      v->step(ctx, &vd);
      if (!vd.changes.empty() && v->status().ok()) out.push_back(std::move(vd));
    }
    return out;
  }
};

Engine::Engine() : impl_(std::make_unique<Impl>()) {}
Engine::~Engine() = default;

Status Engine::create_table(const TableSchema& schema) {
  RINDLE_RETURN_IF_ERROR(schema.validate());
  if (impl_->table_id(schema.name) >= 0) {
    return Status(Code::kExists, "relation \"" + schema.name + "\" already exists");
  }
  impl_->tables.push_back(std::make_unique<TableStore>(schema));
  return Status::Ok();
}

Status Engine::drop_table(std::string_view name) {
  int id = impl_->table_id(name);
  if (id < 0) return Status(Code::kNotFound, "relation \"" + std::string(name) + "\" does not exist");
  for (const auto& v : impl_->views) {
    if (!v) continue;
    for (int t : v->plan().tables) {
      if (t == id) {
        return Status(Code::kInvalid, "cannot drop table \"" + std::string(name) + "\": view \"" + v->info().name +
                                          "\" reads it");
      }
    }
  }
  impl_->tables[id].reset();
  return Status::Ok();
}

const TableSchema* Engine::table(std::string_view name) const {
  int id = impl_->table_id(name);
  return id < 0 ? nullptr : &impl_->tables[id]->schema();
}

std::vector<std::string> Engine::table_names() const {
  std::vector<std::string> out;
  for (const auto& t : impl_->tables) {
    if (t) out.push_back(t->schema().name);
  }
  return out;
}

Status Engine::load(std::string_view table, const std::vector<Row>& rows) {
  int id = impl_->table_id(table);
  if (id < 0) return Status(Code::kNotFound, "relation \"" + std::string(table) + "\" does not exist");
  TableStore& store = *impl_->tables[id];
  // Validate everything first: all or nothing.
  std::vector<Row> normalized(rows.size());
  std::unordered_set<Row, RowHash, RowEq> keys;
  for (size_t i = 0; i < rows.size(); ++i) {
    Status s = store.check_row(rows[i], &normalized[i]);
    if (!s.ok()) return Status(s.code(), "row " + std::to_string(i) + ": " + s.message());
    Row key = store.key_of(normalized[i]);
    if (store.find(key) != nullptr || !keys.insert(key).second) {
      return Status(Code::kConstraint, "duplicate key value " + row_to_string(key) + " in table \"" +
                                           std::string(table) + "\"");
    }
  }
  std::vector<Delta> deltas(impl_->tables.size());
  bool any_view = false;
  for (const auto& v : impl_->views) {
    if (!v) continue;
    for (int t : v->plan().tables) any_view = any_view || t == id;
  }
  if (any_view) deltas[id].reserve(normalized.size());
  for (Row& r : normalized) {
    const Row& stored = store.insert(std::move(r));
    if (any_view) deltas[id].push_back(WeightedRow{stored, 1});
  }
  if (any_view) (void)impl_->step_views(deltas, 0);
  return Status::Ok();
}

Result<ViewId> Engine::add_view(std::string_view name, const Query& query, const std::vector<Value>& params) {
  for (const auto& v : impl_->views) {
    if (v && v->info().name == name) return Status(Code::kExists, "view \"" + std::string(name) + "\" already exists");
  }
  PlanCatalog catalog = impl_->catalog();
  RINDLE_ASSIGN_OR_RETURN(Plan plan, plan_query(query, catalog, params));
  ViewId id = static_cast<ViewId>(impl_->views.size());
  auto view = std::make_unique<View>(id, std::string(name), std::move(plan));
  // Hydrate: the whole of every table it reads, as one insertion.
  std::vector<Delta> deltas = impl_->hydration_deltas(view->plan().tables);
  StepContext ctx{&deltas, &impl_->counters};
  ViewDelta ignored;
  view->step(ctx, &ignored);
  impl_->views.push_back(std::move(view));
  return id;
}

Status Engine::drop_view(ViewId id) {
  if (impl_->view(id) == nullptr) return Status(Code::kNotFound, "no view with id " + std::to_string(id));
  impl_->views[id].reset();
  return Status::Ok();
}

Result<ViewId> Engine::find_view(std::string_view name) const {
  for (const auto& v : impl_->views) {
    if (v && v->info().name == name) return v->id();
  }
  return Status(Code::kNotFound, "view \"" + std::string(name) + "\" does not exist");
}

const ViewInfo* Engine::view_info(ViewId id) const {
  View* v = impl_->view(id);
  return v ? &v->info() : nullptr;
}

Status Engine::view_status(ViewId id) const {
  View* v = impl_->view(id);
  if (!v) return Status(Code::kNotFound, "no view with id " + std::to_string(id));
  return v->status();
}

std::vector<Row> Engine::view_rows(ViewId id) const {
  View* v = impl_->view(id);
  return v ? v->rows() : std::vector<Row>{};
}

namespace {

// Which keys the batch has inserted or deleted so far, overriding the stored
// tables while a batch is validated. Small batches use a flat list; large ones
// a hash map.
class KeyOverlay {
 public:
  // 1: present, 0: absent, -1: not touched by the batch yet.
  int state(int table, const Row& key) const {
    if (!map_.empty()) {
      auto it = map_.find(tagged(table, key));
      return it == map_.end() ? -1 : it->second;
    }
    for (size_t i = flat_.size(); i-- > 0;) {
      if (flat_[i].table == table && rows_identical(flat_[i].key, key)) return flat_[i].present;
    }
    return -1;
  }
  void set(int table, const Row& key, bool present) {
    if (map_.empty() && flat_.size() < 32) {
      flat_.push_back(Entry{table, key, present});
      return;
    }
    for (Entry& e : flat_) map_[tagged(e.table, e.key)] = e.present;
    flat_.clear();
    map_[tagged(table, key)] = present;
  }

 private:
  struct Entry {
    int table;
    Row key;
    bool present;
  };
  static Row tagged(int table, const Row& key) {
    Row r;
    r.reserve(key.size() + 1);
    r.push_back(Value::int64(table));
    r.insert(r.end(), key.begin(), key.end());
    return r;
  }
  std::vector<Entry> flat_;
  std::unordered_map<Row, bool, RowHash, RowEq> map_;
};

}  // namespace

Result<std::vector<ViewDelta>> Engine::apply(const Batch& batch) {
  // 1. Validate the whole batch against the tables plus the batch's own earlier
  //    changes, without touching anything.
  struct Pending {
    int table;
    std::optional<Row> old_key;  // delete/update
    std::optional<Row> row;      // insert/update (normalized)
    bool in_place = false;       // an update that keeps its primary key
    const Row* stored = nullptr;  // the stored row of old_key, if no earlier change touched it
  };
  std::vector<Pending> pending;
  pending.reserve(batch.changes.size());
  KeyOverlay overlay;
  auto present = [&](int t, const Row& key) {
    int s = overlay.state(t, key);
    return s >= 0 ? s == 1 : impl_->tables[t]->find(key) != nullptr;
  };
  for (size_t i = 0; i < batch.changes.size(); ++i) {
    const Change& c = batch.changes[i];
    auto fail = [&](Status s) {
      return Status(s.code(), "change " + std::to_string(i) + " (" + c.table + "): " + s.message());
    };
    int t = impl_->table_id(c.table);
    if (t < 0) return fail(Status(Code::kNotFound, "relation \"" + c.table + "\" does not exist"));
    TableStore& store = *impl_->tables[t];
    Pending p{t, std::nullopt, std::nullopt};
    if (c.kind != ChangeKind::kInsert) {
      Row key;
      Status ks = store.check_key(c.key, &key);
      if (!ks.ok()) return fail(ks);
      int earlier = overlay.state(t, key);
      if (earlier < 0) p.stored = store.find(key);
      if (earlier == 0 || (earlier < 0 && p.stored == nullptr)) {
        return fail(Status(Code::kConstraint, "no row with key " + row_to_string(key)));
      }
      overlay.set(t, key, false);
      p.old_key = std::move(key);
    }
    if (c.kind != ChangeKind::kDelete) {
      Row norm;
      Status s = store.check_row(c.row, &norm);
      if (!s.ok()) return fail(s);
      Row key = store.key_of(norm);
      if (present(t, key)) {
        return fail(Status(Code::kConstraint, "duplicate key value " + row_to_string(key)));
      }
      p.in_place = p.old_key && rows_identical(*p.old_key, key);
      overlay.set(t, key, true);
      p.row = std::move(norm);
    }
    pending.push_back(std::move(p));
  }

  // 2. Apply to the tables, collecting each table's delta.
  std::vector<Delta> deltas(impl_->tables.size());
  for (Pending& p : pending) {
    TableStore& store = *impl_->tables[p.table];
    Delta& d = deltas[p.table];
    if (p.in_place && p.stored != nullptr) {  // no earlier change moved the row: update it where it is
      Row old = store.replace_at(p.stored, std::move(*p.row));
      d.push_back(WeightedRow{std::move(old), -1});
      d.push_back(WeightedRow{*p.stored, 1});
      continue;
    }
    if (p.old_key) d.push_back(WeightedRow{store.erase(*p.old_key), -1});
    if (p.row) d.push_back(WeightedRow{store.insert(std::move(*p.row)), 1});
  }
  // 3. Advance the views.
  return impl_->step_views(deltas, batch.lsn);
}

const Row* Engine::lookup(std::string_view table, const Row& key) const {
  int id = impl_->table_id(table);
  return id < 0 ? nullptr : impl_->tables[id]->find(key);
}

Status Engine::scan_table(std::string_view table, const std::function<void(const Row&)>& f) const {
  int id = impl_->table_id(table);
  if (id < 0) return Status(Code::kNotFound, "unknown table \"" + std::string(table) + "\"");
  impl_->tables[id]->for_each([&](const Row& r) { f(r); });
  return Status::Ok();
}

const WorkCounters& Engine::counters() const { return impl_->counters; }

TableStats Engine::table_stats(std::string_view table) const {
  int id = impl_->table_id(table);
  if (id < 0) return {};
  return TableStats{impl_->tables[id]->size(), impl_->tables[id]->bytes()};
}

ViewStats Engine::view_stats(ViewId id) const {
  View* v = impl_->view(id);
  return v ? v->stats() : ViewStats{};
}

}  // namespace rindle::ivm
