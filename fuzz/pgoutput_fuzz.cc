// Fuzzes replication/'s decoders of untrusted bytes. The first byte picks:
//   0/1  one pgoutput message (outside/inside a stream block); what decodes
//        must re-encode to exactly the same bytes
//   2    a walsender CopyData frame
//   3    a session: length-prefixed messages through TxnAssembler, the
//        transactions shaped (auto tables) and applied to an engine replica
//   4    a binary value of a built-in type (next byte picks the type), and the
//        same bytes as its text form
//   5    a COPY text row
// Errors are fine; crashes, sanitizer reports and broken round trips are not.
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "replication/pgoutput/assembler.h"
#include "replication/pgoutput/copy_text.h"
#include "replication/pgoutput/messages.h"
#include "replication/pgoutput/shaper.h"
#include "replication/pgoutput/values.h"
#include "replication/pgoutput/wire.h"
#include "replication/testing/engine_replica.h"

using namespace rindle;
using namespace rindle::replication;

namespace {

void session(std::string_view in) {
  TxnAssembler assembler(AssemblerOptions{in.size() % 2 ? UnknownTypePolicy::kAsText : UnknownTypePolicy::kError, false});
  BatchShaper shaper({}, /*auto_tables=*/true);
  testing::EngineReplica replica;
  std::vector<std::string> known;
  while (in.size() >= 2) {
    size_t len = (static_cast<unsigned char>(in[0]) << 8) | static_cast<unsigned char>(in[1]);
    in.remove_prefix(2);
    if (len > in.size()) len = in.size();
    if (!assembler.feed(in.substr(0, len)).ok()) return;
    in.remove_prefix(len);
    while (assembler.has_messages()) (void)assembler.take_message();
    while (assembler.has_ready()) {
      TxnBatch b = shaper.shape(assembler.take_ready(), replica.hooks());
      for (const TableSpec& spec : shaper.tables()) {
        bool seen = false;
        for (const std::string& k : known) seen = seen || k == spec.schema.name;
        if (!seen) {
          known.push_back(spec.schema.name);
          (void)replica.add_table(spec);
        }
      }
      (void)replica.apply(b);
    }
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  std::string_view in(reinterpret_cast<const char*>(data) + 1, size - 1);
  switch (data[0] % 6) {
    case 0:
    case 1: {
      pgoutput::DecodeContext ctx{data[0] % 6 == 1};
      auto m = pgoutput::decode_message(in, ctx);
      if (m.ok() && pgoutput::encode_message(*m, ctx) != in) std::abort();
      break;
    }
    case 2: {
      auto f = pgoutput::parse_server_frame(in);
      if (f.ok()) {
        if (const auto* x = std::get_if<pgoutput::XLogData>(&*f)) (void)pgoutput::decode_message(x->payload, {});
      }
      break;
    }
    case 3: session(in); break;
    case 4: {
      if (in.empty()) break;
      static const uint32_t kOids[] = {oid::kBool,  oid::kInt2,      oid::kInt4,        oid::kInt8,    oid::kOid,
                                       oid::kFloat4, oid::kFloat8,   oid::kNumeric,     oid::kText,    oid::kBytea,
                                       oid::kDate,  oid::kTimestamp, oid::kTimestampTz, oid::kUuid,    oid::kJson,
                                       oid::kJsonb, oid::kBpchar,    1007};
      uint32_t type_oid = kOids[static_cast<unsigned char>(in[0]) % (sizeof kOids / sizeof *kOids)];
      in.remove_prefix(1);
      if (binary_decodable(type_oid)) {
        auto v = value_from_binary(type_oid, in);
        if (v.ok()) (void)ivm::to_text(*v);
      }
      ivm::Type t = ivm::Type::kText;
      (void)engine_type_of(type_oid, &t);
      auto v = value_from_text(type_oid, t, in);
      if (v.ok()) (void)ivm::to_text(*v);
      break;
    }
    default: {
      CopyTextParser p;
      if (p.parse(in).ok()) {
        for (size_t i = 0; i < p.size(); ++i) {
          if (!p.is_null(i)) (void)p.field(i);
        }
      }
    }
  }
  return 0;
}
