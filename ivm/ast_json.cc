#include "ivm/ast_json.h"

#include <charconv>
#include <cmath>
#include <cstdlib>

#include "ivm/json.h"

namespace rindle::ivm {

namespace {

// ---- writing -----------------------------------------------------------------

struct OpName {
  const char* name;
  ExprKind kind;
  int code;       // CmpOp / ArithOp value, or -1
  bool negated;
  bool ci;        // ILIKE
};

const OpName kOps[] = {
    {"=", ExprKind::kCompare, static_cast<int>(CmpOp::kEq), false, false},
    {"<>", ExprKind::kCompare, static_cast<int>(CmpOp::kNe), false, false},
    {"<", ExprKind::kCompare, static_cast<int>(CmpOp::kLt), false, false},
    {"<=", ExprKind::kCompare, static_cast<int>(CmpOp::kLe), false, false},
    {">", ExprKind::kCompare, static_cast<int>(CmpOp::kGt), false, false},
    {">=", ExprKind::kCompare, static_cast<int>(CmpOp::kGe), false, false},
    {"+", ExprKind::kArith, static_cast<int>(ArithOp::kAdd), false, false},
    {"-", ExprKind::kArith, static_cast<int>(ArithOp::kSub), false, false},
    {"*", ExprKind::kArith, static_cast<int>(ArithOp::kMul), false, false},
    {"/", ExprKind::kArith, static_cast<int>(ArithOp::kDiv), false, false},
    {"%", ExprKind::kArith, static_cast<int>(ArithOp::kMod), false, false},
    {"||", ExprKind::kConcat, -1, false, false},
    {"and", ExprKind::kAnd, -1, false, false},
    {"or", ExprKind::kOr, -1, false, false},
    {"not", ExprKind::kNot, -1, false, false},
    {"neg", ExprKind::kNeg, -1, false, false},
    {"is_null", ExprKind::kIsNull, -1, false, false},
    {"is_not_null", ExprKind::kIsNull, -1, true, false},
    {"in", ExprKind::kInList, -1, false, false},
    {"not_in", ExprKind::kInList, -1, true, false},
    {"between", ExprKind::kBetween, -1, false, false},
    {"not_between", ExprKind::kBetween, -1, true, false},
    {"like", ExprKind::kLike, -1, false, false},
    {"not_like", ExprKind::kLike, -1, true, false},
    {"ilike", ExprKind::kLike, -1, false, true},
    {"not_ilike", ExprKind::kLike, -1, true, true},
};

const char* op_name(const Expr& e) {
  for (const OpName& o : kOps) {
    if (o.kind != e.kind) continue;
    if (o.code >= 0) {
      int code = e.kind == ExprKind::kCompare ? static_cast<int>(e.cmp) : static_cast<int>(e.arith);
      if (code != o.code) continue;
    }
    if (o.negated != e.negated || o.ci != e.case_insensitive) continue;
    return o.name;
  }
  return nullptr;
}

void write_query(std::string* out, const Query& q);

void write_literal(std::string* out, const Value& v) {
  *out += "{\"lit\":";
  switch (v.type()) {
    case Type::kNull: *out += "null}"; return;
    case Type::kBool: *out += v.as_bool() ? "true}" : "false}"; return;
    case Type::kInt64: *out += to_text(v) + "}"; return;
    case Type::kFloat64:
      if (std::isfinite(v.as_float64())) {
        std::string t = to_text(v);
        if (t.find_first_of(".eE") == std::string::npos) t += ".0";  // stays a double when read back
        *out += t + "}";
        return;
      }
      break;
    case Type::kText:
      append_json_string(out, v.as_bytes());
      *out += "}";
      return;
    default: break;
  }
  append_json_string(out, to_text(v));
  *out += ",\"type\":";
  append_json_string(out, type_name(v.type()));
  *out += "}";
}

void write_expr(std::string* out, const Expr& e);

void write_args(std::string* out, const std::vector<Expr>& args, size_t from = 0) {
  *out += "[";
  for (size_t i = from; i < args.size(); ++i) {
    if (i > from) *out += ",";
    write_expr(out, args[i]);
  }
  *out += "]";
}

void write_expr(std::string* out, const Expr& e) {
  std::string body;
  switch (e.kind) {
    case ExprKind::kColumn:
      *out += "{\"col\":";
      append_json_string(out, e.name);
      if (!e.table.empty()) {
        *out += ",\"table\":";
        append_json_string(out, e.table);
      }
      break;
    case ExprKind::kStar:
      *out += "{\"star\":true";
      if (!e.table.empty()) {
        *out += ",\"table\":";
        append_json_string(out, e.table);
      }
      break;
    case ExprKind::kLiteral:
      write_literal(&body, e.value);
      body.pop_back();  // reopen to allow "pos"
      *out += body;
      break;
    case ExprKind::kParam: *out += "{\"param\":" + std::to_string(e.param); break;
    case ExprKind::kFunc:
      *out += "{\"fn\":";
      append_json_string(out, e.name);
      *out += ",\"args\":";
      write_args(out, e.args);
      break;
    case ExprKind::kCase: {
      *out += "{\"case\":[";
      size_t pairs = (e.args.size() - (e.has_else ? 1 : 0)) / 2;
      for (size_t i = 0; i < pairs; ++i) {
        if (i) *out += ",";
        *out += "[";
        write_expr(out, e.args[2 * i]);
        *out += ",";
        write_expr(out, e.args[2 * i + 1]);
        *out += "]";
      }
      *out += "]";
      if (e.has_else) {
        *out += ",\"else\":";
        write_expr(out, e.args.back());
      }
      break;
    }
    case ExprKind::kCast:
      *out += "{\"cast\":";
      write_expr(out, e.args.at(0));
      *out += ",\"type\":";
      append_json_string(out, type_name(e.cast_type));
      break;
    case ExprKind::kAgg:
      *out += "{\"agg\":";
      append_json_string(out, agg_fn_name(e.agg));
      if (e.star) {
        *out += ",\"star\":true";
      } else {
        *out += ",\"arg\":";
        write_expr(out, e.args.at(0));
      }
      if (e.distinct) *out += ",\"distinct\":true";
      break;
    case ExprKind::kExists:
      *out += e.negated ? "{\"not_exists\":" : "{\"exists\":";
      write_query(out, *e.subquery);
      break;
    case ExprKind::kInSubquery:
      *out += e.negated ? "{\"not_in\":" : "{\"in\":";
      write_query(out, *e.subquery);
      *out += ",\"expr\":";
      write_expr(out, e.args.at(0));
      break;
    default: {
      const char* op = op_name(e);
      *out += "{\"op\":";
      append_json_string(out, op ? op : "?");
      *out += ",\"args\":";
      write_args(out, e.args);
      break;
    }
  }
  if (e.pos.line) *out += ",\"pos\":[" + std::to_string(e.pos.line) + "," + std::to_string(e.pos.column) + "]";
  *out += "}";
}

void write_select(std::string* out, const Select& s) {
  *out += "\"from\":[";
  for (size_t i = 0; i < s.from.size(); ++i) {
    const TableRef& t = s.from[i];
    if (i) *out += ",";
    *out += "{\"table\":";
    append_json_string(out, t.table);
    if (!t.alias.empty()) {
      *out += ",\"as\":";
      append_json_string(out, t.alias);
    }
    if (i > 0) *out += t.join == JoinKind::kLeft ? ",\"join\":\"left\"" : ",\"join\":\"inner\"";
    if (t.on) {
      *out += ",\"on\":";
      write_expr(out, *t.on);
    }
    *out += "}";
  }
  *out += "]";
  if (!s.items.empty()) {
    *out += ",\"select\":[";
    for (size_t i = 0; i < s.items.size(); ++i) {
      if (i) *out += ",";
      if (s.items[i].alias.empty()) {
        write_expr(out, s.items[i].expr);
      } else {
        *out += "{\"expr\":";
        write_expr(out, s.items[i].expr);
        *out += ",\"as\":";
        append_json_string(out, s.items[i].alias);
        *out += "}";
      }
    }
    *out += "]";
  }
  if (s.distinct) *out += ",\"distinct\":true";
  if (s.where) {
    *out += ",\"where\":";
    write_expr(out, *s.where);
  }
  if (!s.group_by.empty()) {
    *out += ",\"group_by\":";
    write_args(out, s.group_by);
  }
  if (s.having) {
    *out += ",\"having\":";
    write_expr(out, *s.having);
  }
}

void write_query(std::string* out, const Query& q) {
  *out += "{";
  if (q.selects.size() == 1) {
    write_select(out, q.selects[0]);
  } else {
    *out += "\"union_all\":[";
    for (size_t i = 0; i < q.selects.size(); ++i) {
      *out += i ? ",{" : "{";
      write_select(out, q.selects[i]);
      *out += "}";
    }
    *out += "]";
  }
  if (!q.order_by.empty()) {
    *out += ",\"order_by\":[";
    for (size_t i = 0; i < q.order_by.size(); ++i) {
      const OrderItem& o = q.order_by[i];
      if (i) *out += ",";
      *out += "{\"expr\":";
      write_expr(out, o.expr);
      if (o.descending) *out += ",\"desc\":true";
      if (o.nulls_first) *out += *o.nulls_first ? ",\"nulls\":\"first\"" : ",\"nulls\":\"last\"";
      *out += "}";
    }
    *out += "]";
  }
  if (q.limit) *out += ",\"limit\":" + std::to_string(*q.limit);
  if (q.offset) *out += ",\"offset\":" + std::to_string(q.offset);
  if (!q.key.empty()) {
    *out += ",\"key\":[";
    for (size_t i = 0; i < q.key.size(); ++i) {
      if (i) *out += ",";
      append_json_string(out, q.key[i]);
    }
    *out += "]";
  }
  *out += "}";
}

}  // namespace

std::string query_to_json(const Query& q) {
  std::string out;
  write_query(&out, q);
  return out;
}

std::string expr_to_json(const Expr& e) {
  std::string out;
  write_expr(&out, e);
  return out;
}

// ---- reading -----------------------------------------------------------------

namespace {

class Reader {
 public:
  Status error(const std::string& path, const std::string& what) const {
    return Status(Code::kInvalid, (path.empty() ? std::string("query") : path) + ": " + what);
  }

  // Only these members may appear in j.
  Status allow(const Json& j, const std::string& path, std::initializer_list<const char*> names) const {
    for (const std::string& k : j.keys) {
      bool ok = false;
      for (const char* n : names) ok = ok || k == n;
      if (!ok) return error(path, "unknown member \"" + k + "\"");
    }
    return Status::Ok();
  }

  Result<std::string> string_of(const Json& j, const std::string& path) const {
    if (j.kind != Json::Kind::kString) return error(path, "expected a string");
    return j.text;
  }

  Result<int64_t> int_of(const Json& j, const std::string& path) const {
    if (!j.is_integer()) return error(path, "expected an integer");
    int64_t v = 0;
    auto r = std::from_chars(j.text.data(), j.text.data() + j.text.size(), v);
    if (r.ec != std::errc()) return error(path, "integer out of range");
    return v;
  }

  Result<bool> bool_of(const Json& j, const std::string& path) const {
    if (j.kind != Json::Kind::kBool) return error(path, "expected true or false");
    return j.boolean;
  }

  Result<Value> literal(const Json& j, const Json* type, const std::string& path) const {
    if (type) {
      RINDLE_ASSIGN_OR_RETURN(std::string tn, string_of(*type, path + ".type"));
      Type t;
      if (!parse_type_name(tn, &t)) return error(path + ".type", "unknown type \"" + tn + "\"");
      if (j.kind == Json::Kind::kNull) return Value::null();
      std::string text = j.kind == Json::Kind::kString ? j.text : j.kind == Json::Kind::kNumber ? j.text
                         : j.kind == Json::Kind::kBool ? (j.boolean ? "true" : "false") : "";
      if (j.kind == Json::Kind::kArray || j.kind == Json::Kind::kObject) return error(path, "expected a scalar literal");
      Result<Value> v = from_text(t, text);
      if (!v.ok()) return error(path, v.status().message());
      return v;
    }
    switch (j.kind) {
      case Json::Kind::kNull: return Value::null();
      case Json::Kind::kBool: return Value::boolean(j.boolean);
      case Json::Kind::kString: return Value::text(j.text);
      case Json::Kind::kNumber: {
        Result<Value> v = from_text(j.is_integer() ? Type::kInt64 : Type::kFloat64, j.text);
        if (!v.ok()) return error(path, v.status().message());
        return v;
      }
      default: return error(path, "expected a scalar literal");
    }
  }

  Result<std::vector<Expr>> expr_list(const Json& j, const std::string& path, int depth) const {
    if (j.kind != Json::Kind::kArray) return error(path, "expected an array");
    std::vector<Expr> out;
    for (size_t i = 0; i < j.items.size(); ++i) {
      RINDLE_ASSIGN_OR_RETURN(Expr e, expr(j.items[i], path + "[" + std::to_string(i) + "]", depth + 1));
      out.push_back(std::move(e));
    }
    return out;
  }

  Result<Expr> expr(const Json& j, const std::string& path, int depth) const {
    if (depth > kJsonMaxDepth) return error(path, "expression nested too deeply");
    if (j.kind != Json::Kind::kObject) return error(path, "expected an expression object");
    Expr e;
    if (const Json* pos = j.find("pos")) {
      if (pos->kind != Json::Kind::kArray || pos->items.size() != 2) return error(path + ".pos", "expected [line, column]");
      RINDLE_ASSIGN_OR_RETURN(int64_t line, int_of(pos->items[0], path + ".pos"));
      RINDLE_ASSIGN_OR_RETURN(int64_t column, int_of(pos->items[1], path + ".pos"));
      e.pos = SourcePos{static_cast<int>(line), static_cast<int>(column)};
    }
    if (const Json* c = j.find("col")) {
      RINDLE_RETURN_IF_ERROR(allow(j, path, {"col", "table", "pos"}));
      e.kind = ExprKind::kColumn;
      RINDLE_ASSIGN_OR_RETURN(e.name, string_of(*c, path + ".col"));
      if (const Json* t = j.find("table")) { RINDLE_ASSIGN_OR_RETURN(e.table, string_of(*t, path + ".table")); }
      return e;
    }
    if (const Json* s = j.find("star")) {
      if (j.find("agg")) return aggregate(j, path, depth, std::move(e));
      RINDLE_RETURN_IF_ERROR(allow(j, path, {"star", "table", "pos"}));
      RINDLE_ASSIGN_OR_RETURN(bool yes, bool_of(*s, path + ".star"));
      if (!yes) return error(path + ".star", "must be true");
      e.kind = ExprKind::kStar;
      if (const Json* t = j.find("table")) { RINDLE_ASSIGN_OR_RETURN(e.table, string_of(*t, path + ".table")); }
      return e;
    }
    if (const Json* l = j.find("lit")) {
      RINDLE_RETURN_IF_ERROR(allow(j, path, {"lit", "type", "pos"}));
      e.kind = ExprKind::kLiteral;
      RINDLE_ASSIGN_OR_RETURN(e.value, literal(*l, j.find("type"), path + ".lit"));
      return e;
    }
    if (const Json* p = j.find("param")) {
      RINDLE_RETURN_IF_ERROR(allow(j, path, {"param", "pos"}));
      RINDLE_ASSIGN_OR_RETURN(int64_t n, int_of(*p, path + ".param"));
      if (n < 1 || n > 65535) return error(path + ".param", "parameter numbers start at 1");
      e.kind = ExprKind::kParam;
      e.param = static_cast<int>(n);
      return e;
    }
    if (const Json* op = j.find("op")) {
      RINDLE_RETURN_IF_ERROR(allow(j, path, {"op", "args", "pos"}));
      RINDLE_ASSIGN_OR_RETURN(std::string name, string_of(*op, path + ".op"));
      const OpName* found = nullptr;
      for (const OpName& o : kOps) {
        if (name == o.name) found = &o;
      }
      if (!found) return error(path + ".op", "unknown operator \"" + name + "\"");
      const Json* args = j.find("args");
      if (!args) return error(path, "operator \"" + name + "\" needs \"args\"");
      RINDLE_ASSIGN_OR_RETURN(e.args, expr_list(*args, path + ".args", depth));
      e.kind = found->kind;
      e.negated = found->negated;
      e.case_insensitive = found->ci;
      if (found->kind == ExprKind::kCompare) e.cmp = static_cast<CmpOp>(found->code);
      if (found->kind == ExprKind::kArith) e.arith = static_cast<ArithOp>(found->code);
      size_t n = e.args.size();
      bool ok = true;
      switch (found->kind) {
        case ExprKind::kNot: case ExprKind::kNeg: case ExprKind::kIsNull: ok = n == 1; break;
        case ExprKind::kAnd: case ExprKind::kOr: ok = n >= 2; break;
        case ExprKind::kInList: ok = n >= 2; break;
        case ExprKind::kBetween: ok = n == 3; break;
        default: ok = n == 2; break;
      }
      if (!ok) return error(path + ".args", "wrong number of arguments for \"" + name + "\"");
      return e;
    }
    if (const Json* f = j.find("fn")) {
      RINDLE_RETURN_IF_ERROR(allow(j, path, {"fn", "args", "pos"}));
      e.kind = ExprKind::kFunc;
      RINDLE_ASSIGN_OR_RETURN(e.name, string_of(*f, path + ".fn"));
      if (const Json* args = j.find("args")) { RINDLE_ASSIGN_OR_RETURN(e.args, expr_list(*args, path + ".args", depth)); }
      return e;
    }
    if (const Json* c = j.find("case")) {
      RINDLE_RETURN_IF_ERROR(allow(j, path, {"case", "else", "pos"}));
      if (c->kind != Json::Kind::kArray || c->items.empty()) return error(path + ".case", "expected [[when, then], ...]");
      e.kind = ExprKind::kCase;
      for (size_t i = 0; i < c->items.size(); ++i) {
        std::string p = path + ".case[" + std::to_string(i) + "]";
        RINDLE_ASSIGN_OR_RETURN(std::vector<Expr> pair, expr_list(c->items[i], p, depth));
        if (pair.size() != 2) return error(p, "expected [when, then]");
        e.args.push_back(std::move(pair[0]));
        e.args.push_back(std::move(pair[1]));
      }
      if (const Json* el = j.find("else")) {
        RINDLE_ASSIGN_OR_RETURN(Expr x, expr(*el, path + ".else", depth + 1));
        e.args.push_back(std::move(x));
        e.has_else = true;
      }
      return e;
    }
    if (const Json* c = j.find("cast")) {
      RINDLE_RETURN_IF_ERROR(allow(j, path, {"cast", "type", "pos"}));
      e.kind = ExprKind::kCast;
      RINDLE_ASSIGN_OR_RETURN(Expr x, expr(*c, path + ".cast", depth + 1));
      e.args.push_back(std::move(x));
      const Json* t = j.find("type");
      if (!t) return error(path, "cast needs \"type\"");
      RINDLE_ASSIGN_OR_RETURN(std::string tn, string_of(*t, path + ".type"));
      if (!parse_type_name(tn, &e.cast_type)) return error(path + ".type", "unknown type \"" + tn + "\"");
      return e;
    }
    if (j.find("agg")) return aggregate(j, path, depth, std::move(e));
    for (const char* key : {"exists", "not_exists", "in", "not_in"}) {
      const Json* q = j.find(key);
      if (!q) continue;
      std::string k = key;
      bool in = k == "in" || k == "not_in";
      RINDLE_RETURN_IF_ERROR(in ? allow(j, path, {key, "expr", "pos"}) : allow(j, path, {key, "pos"}));
      e.kind = in ? ExprKind::kInSubquery : ExprKind::kExists;
      e.negated = k.rfind("not_", 0) == 0;
      RINDLE_ASSIGN_OR_RETURN(Query sub, query(*q, path + "." + k, depth + 1));
      e.subquery = std::make_shared<Query>(std::move(sub));
      if (in) {
        const Json* x = j.find("expr");
        if (!x) return error(path, "\"" + k + "\" needs \"expr\"");
        RINDLE_ASSIGN_OR_RETURN(Expr v, expr(*x, path + ".expr", depth + 1));
        e.args.push_back(std::move(v));
      }
      return e;
    }
    return error(path, "not an expression (expected one of col, star, lit, param, op, fn, case, cast, agg, "
                       "exists, not_exists, in, not_in)");
  }

  Result<Expr> aggregate(const Json& j, const std::string& path, int depth, Expr e) const {
    RINDLE_RETURN_IF_ERROR(allow(j, path, {"agg", "arg", "star", "distinct", "pos"}));
    RINDLE_ASSIGN_OR_RETURN(std::string name, string_of(*j.find("agg"), path + ".agg"));
    e.kind = ExprKind::kAgg;
    bool found = false;
    for (AggFn fn : {AggFn::kCount, AggFn::kSum, AggFn::kAvg, AggFn::kMin, AggFn::kMax}) {
      if (name == agg_fn_name(fn)) {
        e.agg = fn;
        found = true;
      }
    }
    if (!found) return error(path + ".agg", "unknown aggregate \"" + name + "\"");
    if (const Json* d = j.find("distinct")) { RINDLE_ASSIGN_OR_RETURN(e.distinct, bool_of(*d, path + ".distinct")); }
    if (const Json* s = j.find("star")) { RINDLE_ASSIGN_OR_RETURN(e.star, bool_of(*s, path + ".star")); }
    const Json* arg = j.find("arg");
    if (e.star == (arg != nullptr)) return error(path, "an aggregate takes either \"arg\" or \"star\": true");
    if (e.star && e.agg != AggFn::kCount) return error(path, name + "(*) is not valid");
    if (arg) {
      RINDLE_ASSIGN_OR_RETURN(Expr a, expr(*arg, path + ".arg", depth + 1));
      e.args.push_back(std::move(a));
    }
    return e;
  }

  Status select_fields(const Json& j, const std::string& path, int depth, Select* s) const {
    const Json* from = j.find("from");
    if (!from || from->kind != Json::Kind::kArray || from->items.empty()) {
      return error(path, "\"from\" must be a non-empty array of tables");
    }
    for (size_t i = 0; i < from->items.size(); ++i) {
      const Json& t = from->items[i];
      std::string p = path + (path.empty() ? "" : ".") + "from[" + std::to_string(i) + "]";
      if (t.kind != Json::Kind::kObject) return error(p, "expected {\"table\": ...}");
      RINDLE_RETURN_IF_ERROR(allow(t, p, {"table", "as", "join", "on"}));
      TableRef ref;
      const Json* name = t.find("table");
      if (!name) return error(p, "missing \"table\"");
      RINDLE_ASSIGN_OR_RETURN(ref.table, string_of(*name, p + ".table"));
      if (const Json* a = t.find("as")) { RINDLE_ASSIGN_OR_RETURN(ref.alias, string_of(*a, p + ".as")); }
      ref.join = i == 0 ? JoinKind::kNone : JoinKind::kInner;
      if (const Json* jk = t.find("join")) {
        if (i == 0) return error(p + ".join", "the first table is not joined");
        RINDLE_ASSIGN_OR_RETURN(std::string k, string_of(*jk, p + ".join"));
        if (k == "left") ref.join = JoinKind::kLeft;
        else if (k != "inner") return error(p + ".join", "expected \"inner\" or \"left\"");
      }
      if (const Json* on = t.find("on")) {
        if (i == 0) return error(p + ".on", "the first table has no join condition");
        RINDLE_ASSIGN_OR_RETURN(Expr x, expr(*on, p + ".on", depth + 1));
        ref.on = std::move(x);
      }
      s->from.push_back(std::move(ref));
    }
    std::string prefix = path.empty() ? "" : path + ".";
    if (const Json* items = j.find("select")) {
      if (items->kind != Json::Kind::kArray) return error(prefix + "select", "expected an array");
      for (size_t i = 0; i < items->items.size(); ++i) {
        const Json& it = items->items[i];
        std::string p = prefix + "select[" + std::to_string(i) + "]";
        SelectItem item;
        if (it.find("expr")) {
          RINDLE_RETURN_IF_ERROR(allow(it, p, {"expr", "as"}));
          RINDLE_ASSIGN_OR_RETURN(item.expr, expr(*it.find("expr"), p + ".expr", depth + 1));
          if (const Json* a = it.find("as")) { RINDLE_ASSIGN_OR_RETURN(item.alias, string_of(*a, p + ".as")); }
        } else {
          RINDLE_ASSIGN_OR_RETURN(item.expr, expr(it, p, depth + 1));
        }
        s->items.push_back(std::move(item));
      }
    }
    if (const Json* d = j.find("distinct")) { RINDLE_ASSIGN_OR_RETURN(s->distinct, bool_of(*d, prefix + "distinct")); }
    if (const Json* w = j.find("where")) {
      RINDLE_ASSIGN_OR_RETURN(Expr x, expr(*w, prefix + "where", depth + 1));
      s->where = std::move(x);
    }
    if (const Json* g = j.find("group_by")) { RINDLE_ASSIGN_OR_RETURN(s->group_by, expr_list(*g, prefix + "group_by", depth)); }
    if (const Json* h = j.find("having")) {
      RINDLE_ASSIGN_OR_RETURN(Expr x, expr(*h, prefix + "having", depth + 1));
      s->having = std::move(x);
    }
    return Status::Ok();
  }

  Result<Query> query(const Json& j, const std::string& path, int depth) const {
    if (depth > kJsonMaxDepth) return error(path, "query nested too deeply");
    if (j.kind != Json::Kind::kObject) return error(path, "expected a query object");
    Query q;
    std::string prefix = path.empty() ? "" : path + ".";
    if (const Json* u = j.find("union_all")) {
      RINDLE_RETURN_IF_ERROR(allow(j, path, {"union_all", "order_by", "limit", "offset", "key"}));
      if (u->kind != Json::Kind::kArray || u->items.size() < 2) {
        return error(prefix + "union_all", "expected an array of at least two SELECT blocks");
      }
      for (size_t i = 0; i < u->items.size(); ++i) {
        std::string p = prefix + "union_all[" + std::to_string(i) + "]";
        const Json& b = u->items[i];
        if (b.kind != Json::Kind::kObject) return error(p, "expected a SELECT block");
        RINDLE_RETURN_IF_ERROR(allow(b, p, {"from", "select", "distinct", "where", "group_by", "having"}));
        Select s;
        RINDLE_RETURN_IF_ERROR(select_fields(b, p, depth, &s));
        q.selects.push_back(std::move(s));
      }
    } else {
      RINDLE_RETURN_IF_ERROR(allow(j, path, {"from", "select", "distinct", "where", "group_by", "having",
                                             "order_by", "limit", "offset", "key"}));
      Select s;
      RINDLE_RETURN_IF_ERROR(select_fields(j, path, depth, &s));
      q.selects.push_back(std::move(s));
    }
    if (const Json* o = j.find("order_by")) {
      if (o->kind != Json::Kind::kArray) return error(prefix + "order_by", "expected an array");
      for (size_t i = 0; i < o->items.size(); ++i) {
        const Json& it = o->items[i];
        std::string p = prefix + "order_by[" + std::to_string(i) + "]";
        if (it.kind != Json::Kind::kObject) return error(p, "expected {\"expr\": ...}");
        RINDLE_RETURN_IF_ERROR(allow(it, p, {"expr", "desc", "nulls"}));
        OrderItem item;
        const Json* x = it.find("expr");
        if (!x) return error(p, "missing \"expr\"");
        RINDLE_ASSIGN_OR_RETURN(item.expr, expr(*x, p + ".expr", depth + 1));
        if (const Json* d = it.find("desc")) { RINDLE_ASSIGN_OR_RETURN(item.descending, bool_of(*d, p + ".desc")); }
        if (const Json* n = it.find("nulls")) {
          RINDLE_ASSIGN_OR_RETURN(std::string v, string_of(*n, p + ".nulls"));
          if (v != "first" && v != "last") return error(p + ".nulls", "expected \"first\" or \"last\"");
          item.nulls_first = v == "first";
        }
        q.order_by.push_back(std::move(item));
      }
    }
    if (const Json* l = j.find("limit")) {
      RINDLE_ASSIGN_OR_RETURN(int64_t v, int_of(*l, prefix + "limit"));
      if (v < 0) return error(prefix + "limit", "must not be negative");
      q.limit = v;
    }
    if (const Json* o = j.find("offset")) {
      RINDLE_ASSIGN_OR_RETURN(q.offset, int_of(*o, prefix + "offset"));
      if (q.offset < 0) return error(prefix + "offset", "must not be negative");
    }
    if (const Json* k = j.find("key")) {
      if (k->kind != Json::Kind::kArray) return error(prefix + "key", "expected an array of column names");
      for (size_t i = 0; i < k->items.size(); ++i) {
        RINDLE_ASSIGN_OR_RETURN(std::string name, string_of(k->items[i], prefix + "key[" + std::to_string(i) + "]"));
        q.key.push_back(std::move(name));
      }
    }
    return q;
  }
};

}  // namespace

Result<Query> query_from_json(std::string_view json) {
  RINDLE_ASSIGN_OR_RETURN(Json j, parse_json(json));
  return Reader().query(j, "", 0);
}

Result<Expr> expr_from_json(std::string_view json) {
  RINDLE_ASSIGN_OR_RETURN(Json j, parse_json(json));
  return Reader().expr(j, "expr", 0);
}

}  // namespace rindle::ivm
