#include "ivm/engine.h"

#include <algorithm>
#include <set>

#include "ivm/table_store.h"
#include "ivm/view.h"

namespace rindle::ivm {

namespace {

constexpr size_t kHydrationChunk = 4096;  // rows per step while hydrating or loading

// Which primary keys the batch has inserted or deleted so far, overriding the
// stored tables while a multi-change batch is validated. Keys are kept flat;
// small batches search linearly, large ones through a hash index.
class KeyOverlay {
 public:
  void clear() {
    entries_.clear();
    values_.clear();
    index_.clear();
  }
  // 1: present, 0: absent, -1: not touched by the batch yet.
  int state(int table, const Value* key, int n) const {
    const uint32_t h = hash32(hash_values(key, n));
    auto eq = [&](uint32_t i) {
      const Entry& e = entries_[i];
      return e.table == table && e.hash == h && values_identical(&values_[e.offset], key, n);
    };
    if (entries_.size() > kLinear) {
      uint32_t i = index_.find(h, eq);
      return i == HashSlots::kNone ? -1 : entries_[i].present;
    }
    for (size_t i = entries_.size(); i-- > 0;) {
      if (eq(static_cast<uint32_t>(i))) return entries_[i].present;
    }
    return -1;
  }
  void set(int table, const Value* key, int n, bool present) {
    const uint32_t h = hash32(hash_values(key, n));
    auto eq = [&](uint32_t i) {
      const Entry& e = entries_[i];
      return e.table == table && e.hash == h && values_identical(&values_[e.offset], key, n);
    };
    if (entries_.size() > kLinear) {
      uint32_t i = index_.find(h, eq);
      if (i != HashSlots::kNone) {
        entries_[i].present = present;
        return;
      }
    } else {
      for (size_t i = entries_.size(); i-- > 0;) {
        if (eq(static_cast<uint32_t>(i))) {
          entries_[i].present = present;
          return;
        }
      }
    }
    entries_.push_back(Entry{table, h, values_.size(), present});
    values_.insert(values_.end(), key, key + n);
    if (entries_.size() == kLinear + 1) {
      for (size_t i = 0; i < entries_.size(); ++i) index_.insert(entries_[i].hash, static_cast<uint32_t>(i));
    } else if (entries_.size() > kLinear + 1) {
      index_.insert(h, static_cast<uint32_t>(entries_.size() - 1));
    }
  }

 private:
  static constexpr size_t kLinear = 16;
  struct Entry {
    int table;
    uint32_t hash;
    size_t offset;
    bool present;
  };
  std::vector<Entry> entries_;
  std::vector<Value> values_;
  HashSlots index_;
};

// One validated change, ready to apply.
struct Pending {
  int table;
  const Change* change;
  uint32_t old_id;  // delete/update: the stored row, if no earlier change of the batch touched its key
  bool in_place;    // an update that keeps its primary key
};

}  // namespace

struct Engine::Impl {
  EngineOptions options;
  std::vector<std::unique_ptr<TableStore>> tables;  // by table id; null once dropped
  // Live views in id order. Ids are never reused (a stale id stays unknown),
  // and a dropped view leaves nothing behind: a create/drop loop keeps the
  // engine's memory flat.
  std::vector<std::unique_ptr<View>> views;
  ViewId next_view_id = 0;
  WorkCounters counters;
  // Scratch reused by every apply().
  std::vector<ZSet> deltas;          // per table
  std::vector<TableInput> inputs;    // per table
  std::vector<Pending> pending;
  KeyOverlay overlay;
  Row key;
  mutable Row found;                 // lookup()'s result

  int table_id(std::string_view name) const {
    for (size_t i = 0; i < tables.size(); ++i) {
      if (tables[i] && tables[i]->schema().name == name) return static_cast<int>(i);
    }
    return -1;
  }
  // The position of view `id` in `views`, or views.size().
  size_t view_pos(ViewId id) const {
    auto it = std::lower_bound(views.begin(), views.end(), id,
                               [](const std::unique_ptr<View>& v, ViewId x) { return v->id() < x; });
    return it != views.end() && (*it)->id() == id ? static_cast<size_t>(it - views.begin()) : views.size();
  }
  View* view(ViewId id) const {
    size_t pos = view_pos(id);
    return pos < views.size() ? views[pos].get() : nullptr;
  }
  PlanCatalog catalog() const {
    PlanCatalog c;
    for (const auto& t : tables) c.tables.push_back(t ? &t->schema() : nullptr);
    return c;
  }
  // Inputs with no changes, each table's column positions set.
  void reset_inputs() {
    inputs.assign(tables.size(), TableInput{});
    for (size_t t = 0; t < tables.size(); ++t) {
      if (tables[t]) inputs[t].positions = &tables[t]->positions();
    }
    if (deltas.size() < tables.size()) deltas.resize(tables.size());
  }
  // Steps every healthy view touched by `inputs`, collecting their changes.
  void step_views(uint64_t lsn, std::vector<ViewDelta>* out) {
    StepContext ctx{&inputs, &counters};
    for (auto& v : views) {
      if (!v || !v->status().ok() || !v->reads_any(inputs)) continue;
      ViewDelta vd;
      vd.view = v->id();
      vd.lsn = lsn;
      v->step(ctx, &vd);
      if (out != nullptr && !vd.changes.empty() && v->status().ok()) out->push_back(std::move(vd));
    }
  }
  // Feeds every stored row of the tables `ids` to view `v` as insertions, a
  // chunk at a time. Smaller tables go first, so a chunk of a large table
  // meets the small tables' state (a join emits about one row per row of the
  // chunk) instead of one small chunk meeting all of a large table's rows.
  void hydrate(View* only, std::vector<int> ids) {
    // (An insertion sort: a view reads a handful of tables.)
    for (size_t i = 1; i < ids.size(); ++i) {
      for (size_t j = i; j > 0 && tables[ids[j]]->size() < tables[ids[j - 1]]->size(); --j) std::swap(ids[j], ids[j - 1]);
    }
    reset_inputs();
    for (int t : ids) {
      TableStore& store = *tables[t];
      ZSet& chunk = deltas[t];
      chunk.reset(store.stored_width());
      auto flush = [&] {
        if (chunk.empty()) return;
        inputs[t].rows = &chunk;
        StepContext ctx{&inputs, &counters};
        ViewDelta ignored;
        only->step(ctx, &ignored);
        inputs[t].rows = nullptr;
        chunk.clear();
      };
      store.for_each([&](uint32_t id) {
        chunk.push(store.row(id), 1);
        if (chunk.size() >= kHydrationChunk) flush();
      });
      flush();
      chunk.release();
    }
    only->release_scratch();
  }
  // kRead: the columns of table t that some view reads, plus its primary key.
  std::vector<int> columns_needed(int t, const Plan* extra) const {
    std::set<int> cols(tables[t]->schema().primary_key.begin(), tables[t]->schema().primary_key.end());
    auto add = [&](const Plan& p) {
      for (size_t i = 0; i < p.tables.size(); ++i) {
        if (p.tables[i] == t) cols.insert(p.columns_read[i].begin(), p.columns_read[i].end());
      }
    };
    for (const auto& v : views) {
      if (v) add(v->plan());
    }
    if (extra != nullptr) add(*extra);
    return std::vector<int>(cols.begin(), cols.end());
  }
};

Engine::Engine() : Engine(EngineOptions{}) {}
Engine::Engine(EngineOptions options) : impl_(std::make_unique<Impl>()) { impl_->options = options; }
Engine::~Engine() = default;

Status Engine::create_table(const TableSchema& schema) {
  RINDLE_RETURN_IF_ERROR(schema.validate());
  if (impl_->table_id(schema.name) >= 0) {
    return Status(Code::kExists, "relation \"" + schema.name + "\" already exists");
  }
  auto store = std::make_unique<TableStore>(schema);
  if (impl_->options.columns == EngineOptions::Columns::kRead) store->set_stored_columns(schema.primary_key);
  impl_->tables.push_back(std::move(store));
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
  const std::vector<int>& pk = store.schema().primary_key;
  const int n = static_cast<int>(pk.size());
  HashSlots batch_keys;
  batch_keys.reserve(rows.size());
  for (size_t i = 0; i < rows.size(); ++i) {
    Status s = store.check_row(rows[i]);
    if (!s.ok()) return Status(s.code(), "row " + std::to_string(i) + ": " + s.message());
    const Row& r = rows[i];
    uint32_t h = hash32(hash_columns(r.data(), pk.data(), n));
    auto same_key = [&](uint32_t j) {
      for (int k = 0; k < n; ++k) {
        if (!identical(rows[j][pk[k]], r[pk[k]])) return false;
      }
      return true;
    };
    if (store.find_row_key(r) != TableStore::kNone || batch_keys.find(h, same_key) != HashSlots::kNone) {
      Row key;
      for (int k : pk) key.push_back(r[k]);
      return Status(Code::kConstraint, "duplicate key value " + row_to_string(key) + " in table \"" +
                                           std::string(table) + "\"");
    }
    batch_keys.insert(h, static_cast<uint32_t>(i));
  }
  batch_keys.clear();
  bool any_view = false;
  for (const auto& v : impl_->views) {
    if (!v) continue;
    for (int t : v->plan().tables) any_view = any_view || t == id;
  }
  if (!any_view) {
    for (const Row& r : rows) store.insert(r);
    return Status::Ok();
  }
  // Views already present take the rows as insertions, a chunk at a time.
  impl_->reset_inputs();
  ZSet& chunk = impl_->deltas[id];
  chunk.reset(store.stored_width());
  for (size_t i = 0; i < rows.size(); ++i) {
    chunk.push(store.row(store.insert(rows[i])), 1);
    if (chunk.size() >= kHydrationChunk || i + 1 == rows.size()) {
      impl_->inputs[id].rows = &chunk;
      impl_->step_views(0, nullptr);
      chunk.clear();
    }
  }
  impl_->inputs[id].rows = nullptr;
  chunk.release();
  for (const auto& v : impl_->views) {
    if (v) v->release_scratch();
  }
  return Status::Ok();
}

Result<ViewId> Engine::add_view(std::string_view name, const Query& query, const std::vector<Value>& params) {
  for (const auto& v : impl_->views) {
    if (v && v->info().name == name) return Status(Code::kExists, "view \"" + std::string(name) + "\" already exists");
  }
  PlanCatalog catalog = impl_->catalog();
  RINDLE_ASSIGN_OR_RETURN(Plan plan, plan_query(query, catalog, params));
  if (impl_->options.columns == EngineOptions::Columns::kRead) {
    // Every column the view reads must be kept; a missing one can be added
    // only to an empty table. Check all tables before changing any.
    std::vector<std::pair<int, std::vector<int>>> widen;
    for (size_t i = 0; i < plan.tables.size(); ++i) {
      TableStore& store = *impl_->tables[plan.tables[i]];
      for (int c : plan.columns_read[i]) {
        if (store.stores(c)) continue;
        if (store.size() > 0) {
          return Status(Code::kUnsupported,
                        "view \"" + std::string(name) + "\" reads column \"" + store.schema().columns[c].name +
                            "\" of table \"" + store.schema().name +
                            "\", which this engine does not keep: it keeps only the columns of views registered "
                            "before the table's rows arrived (EngineOptions::Columns::kRead)");
        }
        widen.emplace_back(plan.tables[i], impl_->columns_needed(plan.tables[i], &plan));
        break;
      }
    }
    for (auto& [t, cols] : widen) impl_->tables[t]->set_stored_columns(cols);
  }
  if (impl_->next_view_id == UINT32_MAX) return Status(Code::kUnsupported, "view ids exhausted");
  ViewId id = impl_->next_view_id++;
  auto view = std::make_unique<View>(id, std::string(name), std::move(plan));
  // Hydrate: the whole of every table it reads, as insertions.
  impl_->hydrate(view.get(), view->plan().tables);
  impl_->views.push_back(std::move(view));
  return id;
}

Status Engine::drop_view(ViewId id) {
  size_t pos = impl_->view_pos(id);
  if (pos == impl_->views.size()) return Status(Code::kNotFound, "no view with id " + std::to_string(id));
  std::vector<int> tables = impl_->views[pos]->plan().tables;
  impl_->views.erase(impl_->views.begin() + static_cast<std::ptrdiff_t>(pos));
  if (impl_->options.columns == EngineOptions::Columns::kRead) {
    for (int t : tables) {
      if (!impl_->tables[t]) continue;
      std::vector<int> cols = impl_->columns_needed(t, nullptr);
      if (cols != impl_->tables[t]->stored_columns()) impl_->tables[t]->set_stored_columns(std::move(cols));
    }
  }
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

Result<std::vector<ViewDelta>> Engine::apply(const Batch& batch) {
  Impl& im = *impl_;
  // 1. Validate the whole batch against the tables plus the batch's own
  //    earlier changes, without touching anything.
  const bool multi = batch.changes.size() > 1;
  im.pending.clear();
  im.overlay.clear();
  int last_table = -1;
  const std::string* last_name = nullptr;
  for (size_t i = 0; i < batch.changes.size(); ++i) {
    const Change& c = batch.changes[i];
    auto fail = [&](Status s) {
      return Status(s.code(), "change " + std::to_string(i) + " (" + c.table + "): " + s.message());
    };
    int t = last_name != nullptr && *last_name == c.table ? last_table : im.table_id(c.table);
    if (t < 0) return fail(Status(Code::kNotFound, "relation \"" + c.table + "\" does not exist"));
    last_table = t;
    last_name = &c.table;
    TableStore& store = *im.tables[t];
    const std::vector<int>& pk = store.schema().primary_key;
    const int n = static_cast<int>(pk.size());
    Pending p{t, &c, TableStore::kNone, false};
    if (c.kind != ChangeKind::kInsert) {
      Status ks = store.check_key(c.key, &im.key);
      if (!ks.ok()) return fail(ks);
      int earlier = multi ? im.overlay.state(t, im.key.data(), n) : -1;
      if (earlier < 0) p.old_id = store.find_key(im.key.data());
      if (earlier == 0 || (earlier < 0 && p.old_id == TableStore::kNone)) {
        return fail(Status(Code::kConstraint, "no row with key " + row_to_string(im.key)));
      }
      if (multi) im.overlay.set(t, im.key.data(), n, false);
    }
    if (c.kind != ChangeKind::kDelete) {
      Status s = store.check_row(c.row);
      if (!s.ok()) return fail(s);
      if (c.kind == ChangeKind::kUpdate) {
        p.in_place = true;
        for (int k = 0; k < n && p.in_place; ++k) p.in_place = identical(c.row[pk[k]], im.key[k]);
      }
      im.key.resize(static_cast<size_t>(n));
      for (int k = 0; k < n; ++k) im.key[k] = c.row[pk[k]];
      bool present;
      if (p.in_place) {
        present = false;  // its own key, just released
      } else {
        int earlier = multi ? im.overlay.state(t, im.key.data(), n) : -1;
        present = earlier >= 0 ? earlier == 1 : store.find_key(im.key.data()) != TableStore::kNone;
      }
      if (present) return fail(Status(Code::kConstraint, "duplicate key value " + row_to_string(im.key)));
      if (multi) im.overlay.set(t, im.key.data(), n, true);
    }
    im.pending.push_back(p);
  }

  // 2. Apply to the tables, collecting each table's delta.
  im.reset_inputs();
  for (const Pending& p : im.pending) {
    ZSet& d = im.deltas[p.table];
    if (im.inputs[p.table].rows == nullptr) {
      d.reset(im.tables[p.table]->stored_width());
      im.inputs[p.table].rows = &d;
    }
  }
  for (const Pending& p : im.pending) {
    TableStore& store = *im.tables[p.table];
    ZSet& d = im.deltas[p.table];
    const Change& c = *p.change;
    uint32_t old_id = p.old_id;
    if (c.kind != ChangeKind::kInsert && old_id == TableStore::kNone) old_id = store.find_key(c.key.data());
    if (p.in_place) {
      d.push(store.row(old_id), -1);
      store.overwrite(old_id, c.row);
      d.push(store.row(old_id), 1);
      continue;
    }
    if (c.kind != ChangeKind::kInsert) {
      d.push(store.row(old_id), -1);
      store.erase(old_id);
    }
    if (c.kind != ChangeKind::kDelete) d.push(store.row(store.insert(c.row)), 1);
  }
  // A row inserted and deleted (or changed twice) within the batch leaves only
  // its net effect: no view evaluates a row that the batch never committed.
  if (multi) {
    for (size_t t = 0; t < im.inputs.size(); ++t) {
      if (im.inputs[t].rows != nullptr) im.deltas[t].consolidate_exact();
    }
  }
  // 3. Advance the views.
  std::vector<ViewDelta> out;
  im.step_views(batch.lsn, &out);
  for (size_t t = 0; t < im.inputs.size(); ++t) {
    if (im.inputs[t].rows != nullptr) im.deltas[t].clear();
  }
  return out;
}

const Row* Engine::lookup(std::string_view table, const Row& key) const {
  int id = impl_->table_id(table);
  if (id < 0) return nullptr;
  const TableStore& store = *impl_->tables[id];
  if (key.size() != store.schema().primary_key.size()) return nullptr;
  uint32_t row = store.find_key(key.data());
  if (row == TableStore::kNone) return nullptr;
  store.full_row(row, &impl_->found);
  return &impl_->found;
}

Status Engine::scan_table(std::string_view table, const std::function<void(const Row&)>& fn) const {
  int id = impl_->table_id(table);
  if (id < 0) return Status(Code::kNotFound, "relation \"" + std::string(table) + "\" does not exist");
  const TableStore& store = *impl_->tables[id];
  Row row;
  store.for_each([&](uint32_t r) {
    store.full_row(r, &row);
    fn(row);
  });
  return Status::Ok();
}

const WorkCounters& Engine::counters() const { return impl_->counters; }

TableStats Engine::table_stats(std::string_view table) const {
  int id = impl_->table_id(table);
  if (id < 0) return {};
  const TableStore& store = *impl_->tables[id];
  return TableStats{store.size(), store.bytes(), static_cast<uint32_t>(store.stored_width())};
}

ViewStats Engine::view_stats(ViewId id) const {
  View* v = impl_->view(id);
  return v ? v->stats() : ViewStats{};
}

}  // namespace rindle::ivm
