// The engine checkpoint: the engine's source tables as of one LSN, on disk.
//
// Why: after a restart the engine must hold exactly the source tables as of
// some LSN C, and the slot must deliver every transaction after C. Operator
// state (join indexes, groups, windows) is not saved: adding the views again
// hydrates it from the tables. See daemon/README.md ("Crash recovery").
//
// File `<state dir>/engine.checkpoint`, little-endian:
//   "RINDLECK" | u32 version | u64 lsn | str fingerprint | u32 tables
//   per table: str name | u32 columns (str name, u8 type, u8 nullable)... |
//              u32 key columns (u32 index)... | u64 rows | rows
//   per row: per column u8 type tag + payload (bool u8; int64, date,
//            timestamps i64; float64 u64 bits; numeric/text/bytea/uuid/json str)
//   u32 CRC-32C of every byte before it
// (str = u32 length + bytes). Written to a temporary file, fsync'ed, renamed
// over the old one, and the directory fsync'ed: a crash at any instant leaves
// the old checkpoint or the new one, never a mix.
//
// Reading verifies everything (magic, version, CRC over the whole file,
// lengths, types) before the engine is touched: a damaged file is reported as
// an error, never half-loaded.
//
// Thread rules: free functions; the engine is read/written by the calling
// thread only (the engine thread).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "ivm/engine.h"
#include "ivm/schema.h"
#include "ivm/status.h"

namespace rindle::daemon {

inline constexpr const char* kCheckpointFile = "engine.checkpoint";

struct CheckpointInfo {
  uint64_t lsn = 0;
  std::string fingerprint;              // what the state depends on (see state_fingerprint)
  std::vector<ivm::TableSchema> tables;
  uint64_t rows = 0;
  uint64_t bytes = 0;                   // file size
};

// Writes every table of `engine` as of `lsn` to <dir>/engine.checkpoint
// (atomically, durably). Creates `dir` if missing. kInternal on I/O errors
// (the previous checkpoint is then untouched).
ivm::Result<CheckpointInfo> write_checkpoint(const std::string& dir, const ivm::Engine& engine, uint64_t lsn,
                                             const std::string& fingerprint);

// Reads and verifies <dir>/engine.checkpoint without loading it.
// kNotFound if there is none; kInvalid (with the reason) if it is damaged or
// of another version.
ivm::Result<CheckpointInfo> read_checkpoint_info(const std::string& dir);

// Verifies the checkpoint, then creates its tables in `engine` and loads
// their rows. REQUIRES: `engine` holds none of its tables. On error the
// engine may hold some of the tables (the caller discards that engine).
ivm::Result<CheckpointInfo> load_checkpoint(const std::string& dir, ivm::Engine* engine);

// A stable fingerprint of what a checkpoint's contents depend on: the source
// identity and the engine schemas of its tables (names, columns, types, keys),
// independent of table order. A checkpoint is only usable by a daemon whose
// fingerprint is equal.
std::string state_fingerprint(const std::string& source_identity, const std::vector<ivm::TableSchema>& tables);

// CRC-32C (Castagnoli) of `data`, continuing from `crc` (0 to start).
uint32_t crc32c(uint32_t crc, const void* data, size_t size);

}  // namespace rindle::daemon
