/*-------------------------------------------------------------------------
 * slices.c
 *	  Slices that cost what they cover: a filter on periods or on a list of
 *	  MEs reaches the passes over the ledgers.
 *
 * The statement views compute every ME x period from one pass over each
 * ledger, grouped by ME.  A filter me_id = 'x' reaches that pass through
 * the views' joins (PostgreSQL carries an equality to a constant), but a
 * filter on the periods (period_id, calendar; to_date_of and
 * to_date_calendar for wwva.statement_to_date) or a list of MEs does not:
 * the periods come after the pass.  A period's figures depend only on the
 * rows dated in it and in the K-1 periods before it in its calendar
 * (lifetime users), though.  So before planning, this hook finds the
 * statement views a query filters that way and gives the passes under
 * them the filter's MEs and a window over the ledgers' dates: from the
 * first day the selected periods need to the end of the last, computed
 * when the query runs (wwva_internal.slice_day and slice_instant, once
 * per query as initplans), over the MEs of the list or of wwva.me, which
 * the index on (me_id, date) reads ME by ME.  The filter itself stays
 * where it was written: rows of the periods the window cuts short never
 * reach the result, which is the same with or without the window.
 *
 * Only filters that cannot depend on the rows are carried: constants,
 * parameters and immutable or stable expressions of them, ANDed in the
 * WHERE clause of the query level that reads the view.
 *
 * The same hook plans a query that reads a statement view without JIT
 * unless wwva.jit is on (see slicing_planner).
 *-------------------------------------------------------------------------
 */
#include "wwva.h"

#include "catalog/namespace.h"
#include "catalog/pg_class.h"
#include "catalog/pg_collation.h"
#include "catalog/pg_operator.h"
#include "catalog/pg_proc.h"
#include "catalog/pg_type.h"
#include "jit/jit.h"
#include "nodes/makefuncs.h"
#include "nodes/nodeFuncs.h"
#include "optimizer/optimizer.h"
#include "optimizer/planner.h"
#include "parser/parse_oper.h"
#include "parser/parsetree.h"
#include "utils/builtins.h"
#include "utils/fmgroids.h"
#include "utils/guc.h"
#include "utils/lsyscache.h"
#include "utils/syscache.h"

/* What a query's filter selects of one statement view: text[] expressions, NULL for all. */
typedef struct Slice
{
	bool		to_date;		/* wwva.statement_to_date: spans, not periods */
	Expr	   *me_ids;
	Expr	   *period_ids;
	Expr	   *calendars;
	Expr	   *to_date_ofs;
	Expr	   *to_date_calendars;
} Slice;

static planner_hook_type previous_planner_hook = NULL;

/* wwva.jit */
static bool allow_jit = false;

/* The views a slice applies to; the last one states spans to date. */
static const char *const sliced_views[] = {
	"statement", "figures", "user_resources", "value_added_sharing", "revenues",
	"costs", "marginal_income", "statement_to_date"
};

/*
 * The view an RTE of a rewritten query expands, or InvalidOid.  Before
 * PostgreSQL 16 the expansion keeps the view only as the placeholder "old"
 * first in its range table.
 */
static Oid
expanded_view(RangeTblEntry *rte)
{
	if (rte->rtekind != RTE_SUBQUERY || rte->subquery == NULL)
		return InvalidOid;
#if PG_VERSION_NUM >= 160000
	return rte->relkind == RELKIND_VIEW ? rte->relid : InvalidOid;
#else
	{
		RangeTblEntry *first;

		if (rte->subquery->rtable == NIL)
			return InvalidOid;
		first = linitial_node(RangeTblEntry, rte->subquery->rtable);
		if (first->rtekind != RTE_RELATION || first->relkind != RELKIND_VIEW ||
			strcmp(first->eref->aliasname, "old") != 0)
			return InvalidOid;
		return first->relid;
	}
#endif
}

/* Whether relid is the relation (or function) named name in schema wwva. */
static bool
is_wwva_relation(Oid relid, Oid wwva, const char *name)
{
	char	   *relname;

	if (get_rel_namespace(relid) != wwva)
		return false;
	relname = get_rel_name(relid);
	return relname != NULL && strcmp(relname, name) == 0;
}

/* The position of view in sliced_views, or -1 when it is none of them. */
static int
sliced_view(Oid view, Oid wwva)
{
	char	   *name;

	if (get_rel_namespace(view) != wwva || (name = get_rel_name(view)) == NULL)
		return -1;
	for (int i = 0; i < (int) lengthof(sliced_views); i++)
		if (strcmp(name, sliced_views[i]) == 0)
			return i;
	return -1;
}

/* Whether an expression is the same for every row: no column, no subquery, nothing volatile. */
static bool
row_dependent_walker(Node *node, void *context)
{
	if (node == NULL)
		return false;
	if (IsA(node, Var) || IsA(node, Aggref) || IsA(node, WindowFunc) ||
		IsA(node, SubLink) || IsA(node, SubPlan) || IsA(node, PlaceHolderVar) ||
		IsA(node, GroupingFunc) || IsA(node, CurrentOfExpr) || IsA(node, NextValueExpr))
		return true;
	if (IsA(node, Param) && ((Param *) node)->paramkind != PARAM_EXTERN)
		return true;
	return expression_tree_walker(node, row_dependent_walker, context);
}

static bool
same_for_every_row(Node *node)
{
	return !row_dependent_walker(node, NULL) &&
		!contain_volatile_functions(node) &&
		!expression_returns_set(node);
}

/* The view column a filter's operand is, or NULL: a column of RTE rti at this level. */
static const char *
view_column(Node *operand, Index rti, Query *view)
{
	Var		   *var;
	TargetEntry *column;

	while (IsA(operand, RelabelType))
		operand = (Node *) ((RelabelType *) operand)->arg;
	if (!IsA(operand, Var))
		return NULL;
	var = (Var *) operand;
	if ((Index) var->varno != rti || var->varlevelsup != 0 || var->varattno <= 0 ||
		var->varattno > list_length(view->targetList))
		return NULL;
	column = list_nth_node(TargetEntry, view->targetList, var->varattno - 1);
	return column->resjunk ? NULL : column->resname;
}

/* Records a text[] of values for a column the slice knows; the first filter on a column wins. */
static void
note_values(Slice *slice, const char *column, Expr *values, bool from_list)
{
	Expr	  **field = NULL;

	if (strcmp(column, "me_id") == 0)
	{
		/* an equality already reaches the passes through the views' joins */
		if (from_list)
			field = &slice->me_ids;
	}
	else if (strcmp(column, "period_id") == 0)
		field = &slice->period_ids;
	else if (strcmp(column, "calendar") == 0)
		field = &slice->calendars;
	else if (slice->to_date && strcmp(column, "to_date_of") == 0)
		field = &slice->to_date_ofs;
	else if (slice->to_date && strcmp(column, "to_date_calendar") == 0)
		field = &slice->to_date_calendars;
	if (field != NULL && *field == NULL)
		*field = copyObject(values);
}

/* A one-element text[] of a text expression. */
static Expr *
text_array_of(Expr *value)
{
	ArrayExpr  *array = makeNode(ArrayExpr);

	array->array_typeid = TEXTARRAYOID;
	array->array_collid = DEFAULT_COLLATION_OID;
	array->element_typeid = TEXTOID;
	array->elements = list_make1(copyObject(value));
	array->multidims = false;
	array->location = -1;
	return (Expr *) array;
}

/* Reads the filters on the view's columns from an ANDed clause of the WHERE. */
static void
read_filters(Node *clause, Index rti, Query *view, Slice *slice)
{
	const char *column;

	if (is_andclause(clause))
	{
		List	   *args = ((BoolExpr *) clause)->args;

		for (int i = 0; i < list_length(args); i++)
			read_filters(list_nth(args, i), rti, view, slice);
	}
	else if (IsA(clause, OpExpr))
	{
		OpExpr	   *op = (OpExpr *) clause;
		Node	   *left,
				   *right;

		if (op->opno != TextEqualOperator || list_length(op->args) != 2)
			return;
		left = linitial(op->args);
		right = lsecond(op->args);
		if ((column = view_column(left, rti, view)) == NULL)
		{
			Node	   *swap = left;

			left = right;
			right = swap;
			column = view_column(left, rti, view);
		}
		if (column != NULL && exprType(right) == TEXTOID && same_for_every_row(right))
			note_values(slice, column, text_array_of((Expr *) right), false);
	}
	else if (IsA(clause, ScalarArrayOpExpr))
	{
		ScalarArrayOpExpr *op = (ScalarArrayOpExpr *) clause;
		Node	   *values = lsecond(op->args);

		if (op->opno != TextEqualOperator || !op->useOr)
			return;
		column = view_column(linitial(op->args), rti, view);
		if (column != NULL && exprType(values) == TEXTARRAYOID && same_for_every_row(values))
			note_values(slice, column, (Expr *) values, true);
	}
}

/* (SELECT call): evaluated once per query, as an initplan. */
static Node *
once_per_query(Expr *call)
{
	Query	   *select = makeNode(Query);
	SubLink    *sublink = makeNode(SubLink);

	select->commandType = CMD_SELECT;
	select->querySource = QSRC_ORIGINAL;
	select->canSetTag = true;
	select->jointree = makeFromExpr(NIL, NULL);
	select->targetList = list_make1(makeTargetEntry(call, 1, pstrdup("slice"), false));
	sublink->subLinkType = EXPR_SUBLINK;
	sublink->subselect = (Node *) select;
	sublink->location = -1;
	return (Node *) sublink;
}

/*
 * A function of wwva_internal, found without the privilege to name the
 * schema (the readers of the views have none), or InvalidOid.
 */
static Oid
internal_function(const char *name, int nargs, const Oid *argtypes)
{
	Oid			schema = get_namespace_oid("wwva_internal", true);

	if (!OidIsValid(schema))
		return InvalidOid;
	return GetSysCacheOid3(PROCNAMEARGSNSP, Anum_pg_proc_oid, CStringGetDatum(name),
						   PointerGetDatum(buildoidvector(argtypes, nargs)),
						   ObjectIdGetDatum(schema));
}

static Expr *
or_null(Expr *values)
{
	return values != NULL ? (Expr *) copyObject(values)
		: (Expr *) makeNullConst(TEXTARRAYOID, -1, DEFAULT_COLLATION_OID);
}

/*
 * The first day (bound 0) or the day after the last (bound 1) the slice's
 * periods need, as an initplan; for an instant column, that day's
 * midnight, the earliest (or latest) over the MEs' time zones.
 */
static Node *
window_bound(const Slice *slice, int bound, bool instant)
{
	static const Oid day_args[] = {INT4OID, BOOLOID, TEXTARRAYOID, TEXTARRAYOID,
	TEXTARRAYOID, TEXTARRAYOID};
	static const Oid instant_args[] = {INT4OID, DATEOID};
	Expr	   *which = (Expr *) makeConst(INT4OID, -1, InvalidOid, 4, Int32GetDatum(bound),
										   false, true);
	List	   *args = list_make4(which, makeBoolConst(slice->to_date, false),
								  or_null(slice->period_ids), or_null(slice->calendars));
	Expr	   *day;

	args = lappend(lappend(args, or_null(slice->to_date_ofs)), or_null(slice->to_date_calendars));
	day = (Expr *) makeFuncExpr(internal_function("slice_day", 6, day_args), DATEOID, args,
								InvalidOid, InvalidOid, COERCE_EXPLICIT_CALL);
	if (!instant)
		return once_per_query(day);
	return once_per_query((Expr *) makeFuncExpr(internal_function("slice_instant", 2, instant_args),
												TIMESTAMPTZOID,
												list_make2(copyObject(which), day),
												InvalidOid, InvalidOid, COERCE_EXPLICIT_CALL));
}

static Expr *
compare(const char *operator, Var *column, Node *bound)
{
	Oid			opno = OpernameGetOprid(list_make2(makeString("pg_catalog"),
												   makeString(pstrdup(operator))),
										column->vartype, column->vartype);
	OpExpr	   *clause = (OpExpr *) make_opclause(opno, BOOLOID, false, (Expr *) copyObject(column),
												  (Expr *) bound, InvalidOid, InvalidOid);

	set_opfuncid(clause);
	return (Expr *) clause;
}

/* me_id = ANY(values) */
static Expr *
me_in(Var *me_id, Node *values)
{
	ScalarArrayOpExpr *clause = makeNode(ScalarArrayOpExpr);

	clause->opno = TextEqualOperator;
	clause->opfuncid = F_TEXTEQ;
	clause->useOr = true;
	clause->inputcollid = me_id->varcollid;
	clause->args = list_make2(copyObject(me_id), values);
	clause->location = -1;
	return (Expr *) clause;
}

static Var *
column_var(Index rti, Oid relid, const char *name)
{
	AttrNumber	attnum = get_attnum(relid, name);
	Oid			type;
	int32		typmod;
	Oid			collation;

	get_atttypetypmodcoll(relid, attnum, &type, &typmod, &collation);
	return makeVar(rti, attnum, type, typmod, collation, 0);
}

/*
 * A pass is a query level over wwva.ledger or wwva.user_event alone whose
 * output is one of the per-ME aggregates; it gets the slice's MEs and
 * window.
 */
static void
slice_pass(Query *pass, const Slice *slice, Oid wwva)
{
	RangeTblRef *from;
	RangeTblEntry *rte;
	bool		aggregates = false;
	bool		instant;
	Var		   *me_id;
	List	   *clauses = NIL;

	if (!pass->hasAggs || pass->jointree == NULL || list_length(pass->jointree->fromlist) != 1 ||
		!IsA(linitial(pass->jointree->fromlist), RangeTblRef))
		return;
	for (int i = 0; i < list_length(pass->targetList); i++)
	{
		TargetEntry *entry = list_nth_node(TargetEntry, pass->targetList, i);

		if (IsA(entry->expr, Aggref))
		{
			Oid			aggregate = ((Aggref *) entry->expr)->aggfnoid;
			char	   *name = get_func_name(aggregate);

			aggregates |= get_func_namespace(aggregate) == wwva && name != NULL &&
				(strcmp(name, "ledger_totals_by_period") == 0 ||
				 strcmp(name, "user_resource_counts_by_period") == 0);
		}
	}
	if (!aggregates)
		return;
	from = linitial_node(RangeTblRef, pass->jointree->fromlist);
	rte = rt_fetch(from->rtindex, pass->rtable);
	if (rte->rtekind != RTE_RELATION)
		return;
	if (is_wwva_relation(rte->relid, wwva, "ledger"))
		instant = false;
	else if (is_wwva_relation(rte->relid, wwva, "user_event"))
		instant = true;
	else
		return;

	me_id = column_var(from->rtindex, rte->relid, "me_id");
	if (slice->me_ids != NULL)
		clauses = list_make1(me_in(me_id, (Node *) copyObject(slice->me_ids)));
	if (slice->period_ids != NULL || slice->calendars != NULL ||
		slice->to_date_ofs != NULL || slice->to_date_calendars != NULL)
	{
		Var		   *when = column_var(from->rtindex, rte->relid,
									  instant ? "occurred_at" : "booked_on");

		clauses = lappend(clauses, compare(">=", when, window_bound(slice, 0, instant)));
		clauses = lappend(clauses, compare("<", when, window_bound(slice, 1, instant)));
		/* ME by ME through the (me_id, date) index, when no list of MEs says which */
		if (slice->me_ids == NULL)
			clauses = lappend(clauses,
							  me_in(me_id,
									once_per_query((Expr *) makeFuncExpr(internal_function("slice_mes", 0, NULL),
																		 TEXTARRAYOID, NIL,
																		 InvalidOid, InvalidOid,
																		 COERCE_EXPLICIT_CALL))));
	}
	if (clauses == NIL)
		return;
	pass->jointree->quals = make_and_qual(pass->jointree->quals, (Node *) make_ands_explicit(clauses));
	pass->hasSubLinks = true;
}

typedef struct SliceWalk
{
	const Slice *slice;
	Oid			wwva;
} SliceWalk;

static bool
slice_passes_walker(Node *node, SliceWalk *walk)
{
	if (node == NULL)
		return false;
	if (IsA(node, Query))
	{
		slice_pass((Query *) node, walk->slice, walk->wwva);
		return query_tree_walker((Query *) node, slice_passes_walker, walk, 0);
	}
	return expression_tree_walker(node, slice_passes_walker, walk);
}

typedef struct QueryWalk
{
	Oid			wwva;
	bool		reads_view;		/* some level reads a statement view */
} QueryWalk;

/* Slices the statement views a query level reads under a filter, then the levels below. */
static bool
slice_queries_walker(Node *node, QueryWalk *walk)
{
	if (node == NULL)
		return false;
	if (IsA(node, Query))
	{
		Query	   *query = (Query *) node;
		for (Index rti = 1; rti <= (Index) list_length(query->rtable); rti++)
		{
			RangeTblEntry *rte = rt_fetch(rti, query->rtable);
			Oid			view = expanded_view(rte);
			Slice		slice = {0};
			int			i;

			if (!OidIsValid(view) || (i = sliced_view(view, walk->wwva)) < 0)
				continue;
			walk->reads_view = true;
			if (query->jointree == NULL || query->jointree->quals == NULL)
				continue;
			slice.to_date = i == (int) lengthof(sliced_views) - 1;
			read_filters(query->jointree->quals, rti, rte->subquery, &slice);
			if (slice.me_ids != NULL || slice.period_ids != NULL || slice.calendars != NULL ||
				slice.to_date_ofs != NULL || slice.to_date_calendars != NULL)
			{
				SliceWalk	passes = {&slice, walk->wwva};

				slice_passes_walker((Node *) rte->subquery, &passes);
			}
		}
		return query_tree_walker(query, slice_queries_walker, walk, 0);
	}
	return expression_tree_walker(node, slice_queries_walker, walk);
}

/*
 * Slices what a query reads of the statement views, and plans it without
 * JIT unless wwva.jit allows it: the work per row is in the aggregates,
 * which JIT does not compile, and compiling the views' expressions costs
 * more than it saves (0.7 s of a 3.8 s statement over 12 million rows, and
 * most of a slice's time).
 */
static PlannedStmt *
slicing_planner(Query *parse, const char *query_string, int cursor_options,
				ParamListInfo bound_params)
{
	static const Oid day_args[] = {INT4OID, BOOLOID, TEXTARRAYOID, TEXTARRAYOID,
	TEXTARRAYOID, TEXTARRAYOID};
	QueryWalk	walk = {get_namespace_oid("wwva", true), false};
	PlannedStmt *planned;

	/* only where this version's slice functions are installed */
	if (OidIsValid(walk.wwva) && OidIsValid(internal_function("slice_day", 6, day_args)))
		slice_queries_walker((Node *) parse, &walk);
	if (previous_planner_hook)
		planned = previous_planner_hook(parse, query_string, cursor_options, bound_params);
	else
		planned = standard_planner(parse, query_string, cursor_options, bound_params);
	if (walk.reads_view && !allow_jit)
		planned->jitFlags = PGJIT_NONE;
	return planned;
}

void
slices_install(void)
{
	DefineCustomBoolVariable("wwva.jit",
							 "Lets queries that read a statement view be JIT-compiled.",
							 "Off by default: their work per row is in wwva's aggregates, which JIT does not compile, and compiling the views' expressions costs more than it saves. jit and its thresholds still apply when on.",
							 &allow_jit,
							 false,
							 PGC_USERSET, 0,
							 NULL, NULL, NULL);
	previous_planner_hook = planner_hook;
	planner_hook = slicing_planner;
}
