// CheckSandboxedSql: may this statement run on behalf of a tenant? A
// sandboxed statement reads `events` — the tenant's own table — and nothing
// else: no other table or file (`FROM 'x.parquet'`, `read_parquet(...)`,
// `read_csv`, `glob`, `query(...)`, catalog-qualified names), and no table
// function but row generators (range, generate_series, unnest). CTEs and
// subqueries are checked the same way, all the way down. The statement is
// parsed by DuckDB's own parser, so what is checked is what would run;
// anything the check does not know is refused (fail closed).
// Thread-safety: a pure function.
#pragma once

#include <string_view>

#include "common/status.h"

namespace strata {

/// OK, or InvalidArgument naming what the statement may not read.
Status CheckSandboxedSql(std::string_view sql);

}  // namespace strata
