// JSON forms of view rows shared by the Redis and webhook sinks.
//
// Values use ivm::to_json: integers and finite floats bare, booleans and
// null as JSON literals, everything else (numeric, text, dates, uuid, bytea,
// json) as the JSON string of PostgreSQL's text form, so numerics stay exact.
#pragma once

#include <string>

#include "sinks/sink.h"

namespace rindle::sinks {

// {"col1":value1,"col2":value2,...} in column order.
std::string row_json_object(const ViewShape& shape, const ivm::Row& row);

// The row's identity as JSON text: the key column's value for a one-column
// key (`42`, `"abc"`, `null`), an array of the key values for a longer key
// (`[1,"x"]`), and the whole row as an array for views without a key. Equal
// identities <=> equal keys (JSON of equal values is equal text).
std::string row_id_json(const ViewShape& shape, const ivm::Row& row);

// Rows become JSON objects and hash fields by column name, so the names
// must differ (SELECT * over a join repeats them): kInvalid naming the
// column otherwise.
ivm::Status check_column_names(const ViewShape& shape);

}  // namespace rindle::sinks
