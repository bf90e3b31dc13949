// CheckSandboxedSql: a walk over DuckDB's parse tree (see sql_sandbox.h).
#include "query/sql_sandbox.h"

#include <set>
#include <string>

#include "duckdb.hpp"
#include "duckdb/parser/expression/function_expression.hpp"
#include "duckdb/parser/expression/subquery_expression.hpp"
#include "duckdb/parser/parsed_expression_iterator.hpp"
#include "duckdb/parser/parser.hpp"
#include "duckdb/parser/query_node/cte_node.hpp"
#include "duckdb/parser/query_node/recursive_cte_node.hpp"
#include "duckdb/parser/query_node/select_node.hpp"
#include "duckdb/parser/query_node/set_operation_node.hpp"
#include "duckdb/parser/statement/explain_statement.hpp"
#include "duckdb/parser/statement/select_statement.hpp"
#include "duckdb/parser/tableref/list.hpp"

namespace strata {
namespace {

using namespace duckdb;

std::string Lower(std::string s) {
  for (char& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

class Sandbox {
 public:
  Status status;

  void Statement(SQLStatement& statement) {
    if (statement.type == StatementType::EXPLAIN_STATEMENT) {
      return Statement(*statement.Cast<ExplainStatement>().stmt);
    }
    if (statement.type != StatementType::SELECT_STATEMENT) return Refuse("only SELECT and EXPLAIN statements run");
    Node(*statement.Cast<SelectStatement>().node);
  }

 private:
  void Refuse(const std::string& why) {
    if (status.ok()) status = Status::InvalidArgument("the query may read only the table 'events': " + why);
  }

  void Node(QueryNode& node) {
    for (auto& [name, info] : node.cte_map.map) ctes_.insert(Lower(name));
    for (auto& [name, info] : node.cte_map.map) {
      if (info->query) Node(*info->query->node);
    }
    switch (node.type) {
      case QueryNodeType::SELECT_NODE: {
        auto& select = node.Cast<SelectNode>();
        for (auto& e : select.select_list) Expr(e);
        if (select.from_table) Ref(*select.from_table);
        Expr(select.where_clause);
        for (auto& e : select.groups.group_expressions) Expr(e);
        Expr(select.having);
        Expr(select.qualify);
        break;
      }
      case QueryNodeType::SET_OPERATION_NODE: {
        auto& setop = node.Cast<SetOperationNode>();
        if (setop.left) Node(*setop.left);
        if (setop.right) Node(*setop.right);
        break;
      }
      case QueryNodeType::RECURSIVE_CTE_NODE: {
        auto& cte = node.Cast<RecursiveCTENode>();
        ctes_.insert(Lower(cte.ctename));
        if (cte.left) Node(*cte.left);
        if (cte.right) Node(*cte.right);
        break;
      }
      case QueryNodeType::CTE_NODE: {
        auto& cte = node.Cast<CTENode>();
        if (cte.query) Node(*cte.query);
        if (cte.child) Node(*cte.child);
        break;
      }
      default:
        return Refuse("unsupported query form");
    }
    ParsedExpressionIterator::EnumerateQueryNodeModifiers(node, [&](unique_ptr<ParsedExpression>& e) { Expr(e); });
  }

  void Ref(TableRef& ref) {
    switch (ref.type) {
      case TableReferenceType::BASE_TABLE: {
        auto& base = ref.Cast<BaseTableRef>();
        const std::string name = Lower(base.table_name);
        if (!base.schema_name.empty() || !base.catalog_name.empty()) {
          return Refuse("'" + base.ToString() + "' is not a table of this namespace");
        }
        if (name != "events" && !ctes_.count(name)) return Refuse("'" + base.table_name + "' is not a table here");
        return;
      }
      case TableReferenceType::JOIN: {
        auto& join = ref.Cast<JoinRef>();
        if (join.left) Ref(*join.left);
        if (join.right) Ref(*join.right);
        Expr(join.condition);
        return;
      }
      case TableReferenceType::SUBQUERY:
        return Node(*ref.Cast<SubqueryRef>().subquery->node);
      case TableReferenceType::TABLE_FUNCTION: {
        auto& tf = ref.Cast<TableFunctionRef>();
        if (tf.function->GetExpressionClass() != ExpressionClass::FUNCTION) return Refuse("unsupported table function");
        auto& fn = tf.function->Cast<FunctionExpression>();
        const std::string name = Lower(fn.function_name);
        if (!fn.schema.empty() || !fn.catalog.empty() ||
            (name != "range" && name != "generate_series" && name != "unnest")) {
          return Refuse("the table function " + fn.function_name + "() is not allowed");
        }
        for (auto& child : fn.children) Expr(child);
        if (tf.subquery) Node(*tf.subquery->node);
        return;
      }
      case TableReferenceType::EXPRESSION_LIST: {
        for (auto& row : ref.Cast<ExpressionListRef>().values) {
          for (auto& e : row) Expr(e);
        }
        return;
      }
      case TableReferenceType::EMPTY_FROM:
        return;
      case TableReferenceType::PIVOT: {
        auto& pivot = ref.Cast<PivotRef>();
        if (pivot.source) Ref(*pivot.source);
        for (auto& e : pivot.aggregates) Expr(e);
        for (auto& column : pivot.pivots) {
          for (auto& e : column.pivot_expressions) Expr(e);
          if (column.subquery) Node(*column.subquery);
        }
        return;
      }
      case TableReferenceType::SHOW_REF: {
        auto& show = ref.Cast<ShowRef>();
        if (show.query) return Node(*show.query);
        if (Lower(show.table_name) != "events") return Refuse("SHOW/DESCRIBE only of 'events'");
        return;
      }
      default:
        return Refuse("unsupported FROM clause");
    }
  }

  void Expr(unique_ptr<ParsedExpression>& expr) {
    if (!expr) return;
    if (expr->GetExpressionClass() == ExpressionClass::SUBQUERY) {
      auto& sub = expr->Cast<SubqueryExpression>();
      if (sub.subquery) Node(*sub.subquery->node);
    }
    ParsedExpressionIterator::EnumerateChildren(*expr, [&](unique_ptr<ParsedExpression>& child) { Expr(child); });
  }

  std::set<std::string> ctes_;
};

}  // namespace

Status CheckSandboxedSql(std::string_view sql) {
  try {
    Parser parser;
    parser.ParseQuery(std::string(sql));
    if (parser.statements.size() != 1) return Status::InvalidArgument("give exactly one SQL statement");
    Sandbox sandbox;
    sandbox.Statement(*parser.statements[0]);
    return sandbox.status;
  } catch (const std::exception& e) {
    return Status::InvalidArgument(std::string("query failed: ") + ErrorData(e).RawMessage());
  }
}

}  // namespace strata
