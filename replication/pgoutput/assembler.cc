#include "replication/pgoutput/assembler.h"

#include <utility>

namespace rindle::replication {

using namespace pgoutput;

namespace {

ivm::Status protocol(std::string message) { return ivm::Status(ivm::Code::kInvalid, "pgoutput: " + std::move(message)); }

size_t tuple_bytes(const RawTuple& t) {
  size_t n = t.values.size() * sizeof(ivm::Value) + t.unchanged.size() / 8;
  for (const ivm::Value& v : t.values) n += v.heap_bytes();
  return n;
}

std::string qualified(const RelationInfo& rel) {
  return (rel.nspname.empty() ? std::string("pg_catalog") : rel.nspname) + "." + rel.relname;
}

}  // namespace

TxnAssembler::TxnAssembler(AssemblerOptions options) : options_(options) {}

void TxnAssembler::set_watermark(Lsn lsn) {
  if (lsn > watermark_) watermark_ = lsn;
}

RawTxn TxnAssembler::take_ready() {
  RawTxn t = std::move(ready_.front());
  ready_.pop_front();
  return t;
}

LogicalMessageData TxnAssembler::take_message() {
  LogicalMessageData m = std::move(loose_messages_.front());
  loose_messages_.pop_front();
  return m;
}

void TxnAssembler::reset() {
  open_.reset();
  streams_.clear();
  in_stream_ = false;
  stream_xid_ = 0;
  relations_.clear();
  type_names_.clear();
}

TxnAssembler::Open* TxnAssembler::target(const char* what, ivm::Status* error) {
  if (in_stream_) {
    auto it = streams_.find(stream_xid_);
    if (it != streams_.end()) return &it->second;
  } else if (open_) {
    return &*open_;
  }
  *error = protocol(std::string(what) + " outside a transaction");
  return nullptr;
}

ivm::Result<std::shared_ptr<const RelationInfo>> TxnAssembler::relation(uint32_t oid, const char* what) const {
  auto it = relations_.find(oid);
  if (it == relations_.end()) {
    return protocol(std::string(what) + " of relation oid " + std::to_string(oid) +
                    " before any Relation message describing it");
  }
  return it->second;
}

ivm::Status TxnAssembler::convert(const RelationInfo& rel, const TupleData& tuple, RawTuple* out, RawChange* change) {
  if (tuple.columns.size() != rel.columns.size()) {
    return protocol("a tuple of " + qualified(rel) + " has " + std::to_string(tuple.columns.size()) +
                    " column(s), its Relation message " + std::to_string(rel.columns.size()));
  }
  out->values.resize(tuple.columns.size());
  for (size_t i = 0; i < tuple.columns.size(); ++i) {
    const ColumnData& c = tuple.columns[i];
    const RelationInfo::Column& col = rel.columns[i];
    switch (c.kind) {
      case ColumnData::Kind::kNull: break;
      case ColumnData::Kind::kUnchanged:
        if (out->unchanged.empty()) out->unchanged.assign(tuple.columns.size(), false);
        out->unchanged[i] = true;
        break;
      case ColumnData::Kind::kText:
      case ColumnData::Kind::kBinary: {
        if (!col.type_error.ok() || !change->error.ok()) break;  // unreadable: the shaper refuses it if used
        ivm::Result<ivm::Value> v = c.kind == ColumnData::Kind::kText
                                        ? value_from_text(col.type_oid, col.type, c.data)
                                        : binary_decodable(col.type_oid)
                                              ? value_from_binary(col.type_oid, c.data)
                                              : ivm::Result<ivm::Value>(ivm::Status(
                                                    ivm::Code::kUnsupported, "no binary decoder for its type"));
        if (!v.ok()) {
          change->error = ivm::Status(v.status().code(), "table " + qualified(rel) + ", column \"" + col.name +
                                                             "\": " + v.status().message());
          break;
        }
        out->values[i] = std::move(v).value();
        break;
      }
    }
  }
  return ivm::Status::Ok();
}

void TxnAssembler::add(Open& open, RawChange&& change, uint32_t xid) {
  if (open.skip) return;
  open.txn.bytes += sizeof(RawChange) + tuple_bytes(change.old_tuple) + tuple_bytes(change.new_tuple) +
                    change.message.content.size() + change.message.prefix.size();
  open.txn.changes.push_back(std::move(change));
  if (open.txn.streamed) open.change_xid.push_back(xid);
}

void TxnAssembler::finish(Open&& open, Lsn commit_lsn, Lsn end_lsn, int64_t commit_time) {
  if (open.skip || end_lsn <= watermark_) {
    ++counters_.skipped;
    return;
  }
  RawTxn& t = open.txn;
  t.commit_lsn = commit_lsn;
  t.end_lsn = end_lsn;
  t.commit_time = commit_time;
  for (const RawChange& c : t.changes) {
    if (c.kind != RawChange::Kind::kMessage) ++counters_.changes;
  }
  ++counters_.transactions;
  watermark_ = end_lsn;
  ready_.push_back(std::move(t));
}

ivm::Status TxnAssembler::feed(std::string_view payload) {
  ++counters_.messages;
  ivm::Result<Message> decoded = decode_message(payload, DecodeContext{in_stream_});
  if (!decoded.ok()) return decoded.status();
  return on_message(*decoded);
}

ivm::Status TxnAssembler::on_message(Message& msg) {
  ivm::Status error;
  if (auto* b = std::get_if<Begin>(&msg)) {
    if (open_ || in_stream_) return protocol("Begin inside a transaction");
    open_.emplace();
    open_->txn.commit_lsn = b->final_lsn;
    open_->txn.commit_time = b->commit_time;
    open_->txn.xid = b->xid;
    // A commit record that starts before the watermark ends at or before it.
    open_->skip = b->final_lsn < watermark_;
    return ivm::Status::Ok();
  }
  if (auto* c = std::get_if<Commit>(&msg)) {
    if (!open_ || in_stream_) return protocol("Commit without Begin");
    if (c->commit_lsn != open_->txn.commit_lsn) {
      return protocol("Commit LSN " + format_lsn(c->commit_lsn) + " differs from its Begin's " +
                      format_lsn(open_->txn.commit_lsn));
    }
    Open o = std::move(*open_);
    open_.reset();
    finish(std::move(o), c->commit_lsn, c->end_lsn, c->commit_time);
    return ivm::Status::Ok();
  }
  if (auto* o = std::get_if<Origin>(&msg)) {
    Open* t = target("Origin", &error);
    if (t == nullptr) return error;
    t->txn.origin = std::string(o->name);
    return ivm::Status::Ok();
  }
  if (auto* r = std::get_if<pgoutput::Relation>(&msg)) {
    auto info = std::make_shared<RelationInfo>();
    info->oid = r->oid;
    info->nspname = std::string(r->nspname);
    info->relname = std::string(r->relname);
    info->replica_identity = r->replica_identity;
    info->columns.resize(r->columns.size());
    for (size_t i = 0; i < r->columns.size(); ++i) {
      const RelationColumn& rc = r->columns[i];
      RelationInfo::Column& col = info->columns[i];
      col.name = std::string(rc.name);
      col.type_oid = rc.type_oid;
      col.type_mod = rc.type_mod;
      col.key = rc.key;
      auto tn = type_names_.find(rc.type_oid);
      col.type_name = tn != type_names_.end() ? tn->second : std::string(builtin_type_name(rc.type_oid));
      ivm::Result<ivm::Type> t = column_engine_type(rc.type_oid, options_.unknown_types, col.name, col.type_name);
      if (t.ok()) {
        col.type = *t;
        if (options_.binary && !binary_decodable(rc.type_oid)) {
          col.type_error = ivm::Status(
              ivm::Code::kUnsupported,
              "column \"" + col.name + "\" has type " + (col.type_name.empty() ? "oid " + std::to_string(rc.type_oid) : col.type_name) +
                  ", which cannot be read in binary mode (use binary: false to carry it as text)");
        }
      } else {
        col.type_error = t.status();
      }
    }
    relations_[r->oid] = std::move(info);
    return ivm::Status::Ok();
  }
  if (auto* y = std::get_if<TypeInfo>(&msg)) {
    type_names_[y->oid] = (y->nspname.empty() ? std::string() : std::string(y->nspname) + ".") + std::string(y->name);
    return ivm::Status::Ok();
  }
  if (auto* ins = std::get_if<Insert>(&msg)) {
    Open* t = target("Insert", &error);
    if (t == nullptr) return error;
    RINDLE_ASSIGN_OR_RETURN(auto rel, relation(ins->relation, "Insert"));
    if (t->skip) return ivm::Status::Ok();
    RawChange c;
    c.kind = RawChange::Kind::kInsert;
    RINDLE_RETURN_IF_ERROR(convert(*rel, ins->new_tuple, &c.new_tuple, &c));
    c.relation = std::move(rel);
    add(*t, std::move(c), ins->xid);
    return ivm::Status::Ok();
  }
  if (auto* up = std::get_if<Update>(&msg)) {
    Open* t = target("Update", &error);
    if (t == nullptr) return error;
    RINDLE_ASSIGN_OR_RETURN(auto rel, relation(up->relation, "Update"));
    if (t->skip) return ivm::Status::Ok();
    RawChange c;
    c.kind = RawChange::Kind::kUpdate;
    c.old_kind = up->old_kind;
    if (up->old_kind != 0) RINDLE_RETURN_IF_ERROR(convert(*rel, up->old_tuple, &c.old_tuple, &c));
    RINDLE_RETURN_IF_ERROR(convert(*rel, up->new_tuple, &c.new_tuple, &c));
    c.relation = std::move(rel);
    add(*t, std::move(c), up->xid);
    return ivm::Status::Ok();
  }
  if (auto* del = std::get_if<Delete>(&msg)) {
    Open* t = target("Delete", &error);
    if (t == nullptr) return error;
    RINDLE_ASSIGN_OR_RETURN(auto rel, relation(del->relation, "Delete"));
    if (t->skip) return ivm::Status::Ok();
    RawChange c;
    c.kind = RawChange::Kind::kDelete;
    c.old_kind = del->old_kind;
    RINDLE_RETURN_IF_ERROR(convert(*rel, del->old_tuple, &c.old_tuple, &c));
    c.relation = std::move(rel);
    add(*t, std::move(c), del->xid);
    return ivm::Status::Ok();
  }
  if (auto* tr = std::get_if<Truncate>(&msg)) {
    Open* t = target("Truncate", &error);
    if (t == nullptr) return error;
    RawChange c;
    c.kind = RawChange::Kind::kTruncate;
    c.truncate_options = tr->options;
    for (uint32_t oid : tr->relations) {
      RINDLE_ASSIGN_OR_RETURN(auto rel, relation(oid, "Truncate"));
      c.truncated.push_back(std::move(rel));
    }
    add(*t, std::move(c), tr->xid);
    return ivm::Status::Ok();
  }
  if (auto* lm = std::get_if<LogicalMessage>(&msg)) {
    LogicalMessageData data{lm->lsn, std::string(lm->prefix), std::string(lm->content)};
    if (!lm->transactional) {
      if (in_stream_) return protocol("non-transactional Message inside a stream block");
      loose_messages_.push_back(std::move(data));
      return ivm::Status::Ok();
    }
    Open* t = target("transactional Message", &error);
    if (t == nullptr) return error;
    RawChange c;
    c.kind = RawChange::Kind::kMessage;
    c.message = std::move(data);
    add(*t, std::move(c), lm->xid);
    return ivm::Status::Ok();
  }
  if (auto* ss = std::get_if<StreamStart>(&msg)) {
    if (in_stream_ || open_) return protocol("Stream Start inside a transaction or stream block");
    if (ss->xid == 0) return protocol("Stream Start with invalid xid 0");
    auto it = streams_.find(ss->xid);
    if (ss->first_segment && it != streams_.end()) {
      return protocol("Stream Start of xid " + std::to_string(ss->xid) + " marked first, but it was already streamed");
    }
    if (!ss->first_segment && it == streams_.end()) {
      return protocol("Stream Start of xid " + std::to_string(ss->xid) + " continues a transaction never started");
    }
    if (it == streams_.end()) {
      Open& o = streams_[ss->xid];
      o.txn.xid = ss->xid;
      o.txn.streamed = true;
    }
    in_stream_ = true;
    stream_xid_ = ss->xid;
    return ivm::Status::Ok();
  }
  if (std::holds_alternative<StreamStop>(msg)) {
    if (!in_stream_) return protocol("Stream Stop outside a stream block");
    in_stream_ = false;
    return ivm::Status::Ok();
  }
  if (auto* sc = std::get_if<StreamCommit>(&msg)) {
    if (in_stream_ || open_) return protocol("Stream Commit inside a transaction or stream block");
    auto it = streams_.find(sc->xid);
    if (it == streams_.end()) return protocol("Stream Commit of xid " + std::to_string(sc->xid) + " never streamed");
    Open o = std::move(it->second);
    streams_.erase(it);
    finish(std::move(o), sc->commit_lsn, sc->end_lsn, sc->commit_time);
    return ivm::Status::Ok();
  }
  if (auto* sa = std::get_if<StreamAbort>(&msg)) {
    if (in_stream_ || open_) return protocol("Stream Abort inside a transaction or stream block");
    auto it = streams_.find(sa->xid);
    if (it == streams_.end()) return ivm::Status::Ok();  // nothing of it was kept
    ++counters_.streamed_aborts;
    if (sa->subxid == sa->xid) {
      streams_.erase(it);
      return ivm::Status::Ok();
    }
    // A subtransaction: it and everything after its first change (its own
    // subtransactions) is gone, as in PostgreSQL's apply worker.
    Open& o = it->second;
    for (size_t i = 0; i < o.change_xid.size(); ++i) {
      if (o.change_xid[i] == sa->subxid) {
        o.txn.changes.resize(i);
        o.change_xid.resize(i);
        break;
      }
    }
    return ivm::Status::Ok();
  }
  return protocol(std::string("unexpected ") + message_name(msg) + " message");
}

}  // namespace rindle::replication
