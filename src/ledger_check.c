/*-------------------------------------------------------------------------
 * ledger_check.c
 *	  Row validation triggers for wwva.ledger and wwva.user_event.
 *
 * These tables take tens of millions of rows, so the checks run in C and
 * look each ME up once per statement (a foreign key would run a query per
 * row).  An ME that still has rows cannot be deleted: wwva.me's own trigger
 * refuses it after waiting for in-flight writers.  The same triggers keep
 * rows out of, in and unchanged in the closed periods of their ME
 * (closed_periods.c), on insert, update and delete.  A restore does
 * neither (see restoring()).
 *
 * The functions read columns by name and type, so they run only on the
 * tables they are written for: wwva.ledger and wwva.user_event (or tables
 * of those names in another schema, for a copy of the function) and their
 * partitions, whose columns have the expected types.  Attached to any
 * other table they refuse to run, whoever attached them, before reading a
 * column; the verdict is kept per relation for the rest of the statement.
 *-------------------------------------------------------------------------
 */
#include "wwva.h"
#include "closed_periods.h"

#include "access/htup_details.h"
#include "catalog/partition.h"
#include "catalog/pg_type.h"
#include "commands/trigger.h"
#include "executor/spi.h"
#include "nodes/pg_list.h"
#include "utils/builtins.h"
#include "utils/date.h"
#include "utils/guc.h"
#include "utils/hsearch.h"
#include "utils/lsyscache.h"
#include "utils/rel.h"
#include "utils/timestamp.h"

PG_FUNCTION_INFO_V1(wwva_ledger_check);
PG_FUNCTION_INFO_V1(wwva_user_event_check);

#define ME_ID_KEY_LEN 64

/* MEs already found to exist by this statement, by (truncated) id. */
typedef struct KnownMe
{
	char		key[ME_ID_KEY_LEN];
} KnownMe;

/* The columns each function reads, and their types. */
typedef struct CheckedColumn
{
	const char *name;
	Oid			type;
} CheckedColumn;

enum
{
	LEDGER_ENTRY_ID,
	LEDGER_ME_ID,
	LEDGER_BOOKED_ON,
	LEDGER_STREAM,
	LEDGER_KIND,
	LEDGER_BEHAVIOR,
	LEDGER_AMOUNT,
	LEDGER_COLUMNS
};

static const CheckedColumn ledger_columns[LEDGER_COLUMNS] = {
	[LEDGER_ENTRY_ID] = {"entry_id", INT8OID},
	[LEDGER_ME_ID] = {"me_id", TEXTOID},
	[LEDGER_BOOKED_ON] = {"booked_on", DATEOID},
	[LEDGER_STREAM] = {"stream", TEXTOID},
	[LEDGER_KIND] = {"kind", TEXTOID},
	[LEDGER_BEHAVIOR] = {"behavior", TEXTOID},
	[LEDGER_AMOUNT] = {"amount", NUMERICOID},
};

enum
{
	EVENT_EVENT_ID,
	EVENT_ME_ID,
	EVENT_USER_ID,
	EVENT_OCCURRED_AT,
	EVENT_KIND,
	EVENT_COLUMNS
};

static const CheckedColumn event_columns[EVENT_COLUMNS] = {
	[EVENT_EVENT_ID] = {"event_id", INT8OID},
	[EVENT_ME_ID] = {"me_id", TEXTOID},
	[EVENT_USER_ID] = {"user_id", INT8OID},
	[EVENT_OCCURRED_AT] = {"occurred_at", TIMESTAMPTZOID},
	[EVENT_KIND] = {"kind", TEXTOID},
};

typedef struct CheckedTable
{
	const char *function;		/* for messages */
	const char *table;			/* in the schema of rel's root */
	const CheckedColumn *columns;
	int			ncolumns;
} CheckedTable;

static const CheckedTable ledger_table = {"wwva_internal.ledger_check", "ledger", ledger_columns, LEDGER_COLUMNS};
static const CheckedTable event_table = {"wwva_internal.user_event_check", "user_event", event_columns, EVENT_COLUMNS};

#define MAX_CHECKED_COLUMNS Max(LEDGER_COLUMNS, EVENT_COLUMNS)

typedef struct CheckState
{
	HTAB	   *known_me;
	ClosedPeriods *closed;
	char	   *me_query;
	Oid			schema;			/* the root table's: wwva for the real one */
	Oid			relid;			/* the relation verified, or InvalidOid */
	AttrNumber	attnums[MAX_CHECKED_COLUMNS];	/* its columns, by the enums above */
} CheckState;

/*
 * The rows a BEFORE row trigger checks: the new version (NULL for a
 * delete), and in *old the old one (NULL for an insert).
 */
static HeapTuple
checked_row(FunctionCallInfo fcinfo, const char *name, Relation *rel, HeapTuple *old)
{
	TriggerData *trigdata = (TriggerData *) fcinfo->context;

	if (!CALLED_AS_TRIGGER(fcinfo) ||
		!TRIGGER_FIRED_BEFORE(trigdata->tg_event) ||
		!TRIGGER_FIRED_FOR_ROW(trigdata->tg_event))
		ereport(ERROR,
				(errcode(ERRCODE_E_R_I_E_TRIGGER_PROTOCOL_VIOLATED),
				 errmsg("%s must be a BEFORE INSERT OR UPDATE OR DELETE row trigger", name),
				 errhint("The extension creates this trigger itself; do not attach the function elsewhere.")));
	*rel = trigdata->tg_relation;
	*old = TRIGGER_FIRED_BY_INSERT(trigdata->tg_event) ? NULL : trigdata->tg_trigtuple;
	if (TRIGGER_FIRED_BY_DELETE(trigdata->tg_event))
		return NULL;
	return TRIGGER_FIRED_BY_UPDATE(trigdata->tg_event) ? trigdata->tg_newtuple : trigdata->tg_trigtuple;
}

static char *
relation_name(Relation rel)
{
	return quote_qualified_identifier(get_namespace_name(RelationGetNamespace(rel)),
									  RelationGetRelationName(rel));
}

/* Whether relid is parent or a partition of it at any depth. */
static bool
in_tree(Oid relid, Oid parent)
{
	return relid == parent || list_member_oid(get_partition_ancestors(relid), parent);
}

/*
 * Whether the trigger checks rel: parent, a partition of it, or a Citus
 * shard of one of those, which Citus names <table>_<shard id> in the same
 * schema (where only the tables' owner may create relations).
 */
static bool
checks_relation(Oid relid, Relation rel, Oid parent, Oid schema)
{
	const char *name = RelationGetRelationName(rel);
	const char *digits = strrchr(name, '_');
	char	   *table;
	Oid			sharded;

	if (in_tree(relid, parent))
		return true;
	if (digits == NULL || digits[1] == '\0' || strspn(digits + 1, "0123456789") != strlen(digits + 1))
		return false;
	table = pnstrdup(name, digits - name);
	sharded = get_relname_relid(table, schema);
	return OidIsValid(sharded) && sharded != relid && in_tree(sharded, parent);
}

/*
 * Refuses rel unless it is the table the function checks, a partition
 * of it at any depth or a Citus shard of those, with every column the function reads of the type it
 * reads it as; records where those columns are.
 */
static void
verify_relation(CheckState *state, const CheckedTable *table, Relation rel)
{
	Oid			relid = RelationGetRelid(rel);
	Oid			parent = get_relname_relid(table->table, state->schema);
	TupleDesc	desc = RelationGetDescr(rel);
	/* what to name in a refusal: the extension's table unless the tree's
	 * schema has one of that name (a copy of the function's tables) */
	char	   *expected = OidIsValid(parent)
		? quote_qualified_identifier(get_namespace_name(state->schema), table->table)
		: psprintf("wwva.%s", table->table);

	if (!OidIsValid(parent) || !checks_relation(relid, rel, parent, state->schema))
		ereport(ERROR,
				(errcode(ERRCODE_E_R_I_E_TRIGGER_PROTOCOL_VIOLATED),
				 errmsg("%s cannot check relation %s: it checks only %s and its partitions",
						table->function, relation_name(rel), expected),
				 errhint("The extension attaches this trigger to %s itself; do not attach the function to other tables.",
						 expected)));
	for (int i = 0; i < table->ncolumns; i++)
	{
		const CheckedColumn *column = &table->columns[i];
		int			attnum = SPI_fnumber(desc, column->name);
		Oid			type;

		if (attnum <= 0)
			ereport(ERROR,
					(errcode(ERRCODE_UNDEFINED_COLUMN),
					 errmsg("%s cannot check relation %s: it has no column \"%s\"",
							table->function, relation_name(rel), column->name),
					 errhint("%s needs the columns %s was created with; restore them or reinstall the extension.",
							 table->function, expected)));
		type = TupleDescAttr(desc, attnum - 1)->atttypid;
		if (type != column->type)
			ereport(ERROR,
					(errcode(ERRCODE_DATATYPE_MISMATCH),
					 errmsg("%s cannot check relation %s: column \"%s\" is %s, not %s",
							table->function, relation_name(rel), column->name,
							format_type_be(type), format_type_be(column->type)),
					 errhint("%s needs the columns %s was created with; restore them or reinstall the extension.",
							 table->function, expected)));
		state->attnums[i] = attnum;
	}
	state->relid = relid;
}

/* The call's state, once rel has been verified for table. */
static CheckState *
check_state(FunctionCallInfo fcinfo, const CheckedTable *table, Relation rel)
{
	CheckState *state = (CheckState *) fcinfo->flinfo->fn_extra;

	if (state == NULL)
	{
		MemoryContext old = MemoryContextSwitchTo(fcinfo->flinfo->fn_mcxt);
		HASHCTL		ctl;
		/* the schema of the table at the root of rel's partition tree
		 * (wwva), which neither this function (wwva_internal) nor a user's
		 * partition need share */
		List	   *ancestors = get_partition_ancestors(RelationGetRelid(rel));
		Oid			schema = get_rel_namespace(ancestors == NIL ? RelationGetRelid(rel)
											   : llast_oid(ancestors));

		state = palloc0(sizeof(CheckState));
		state->schema = schema;
		state->relid = InvalidOid;
		memset(&ctl, 0, sizeof(ctl));
		ctl.keysize = ME_ID_KEY_LEN;
		ctl.entrysize = sizeof(KnownMe);
		ctl.hcxt = fcinfo->flinfo->fn_mcxt;
		state->known_me = hash_create("wwva known MEs", 64, &ctl,
									  HASH_ELEM | HASH_STRINGS | HASH_CONTEXT);
		state->me_query = psprintf("SELECT 1 FROM %s.me WHERE me_id OPERATOR(pg_catalog.=) $1",
								   quote_identifier(get_namespace_name(schema)));
		state->closed = closed_periods_create(fcinfo->flinfo->fn_mcxt, schema);
		MemoryContextSwitchTo(old);
		fcinfo->flinfo->fn_extra = state;
	}
	if (state->relid != RelationGetRelid(rel))
	{
		state->relid = InvalidOid;	/* until verified */
		verify_relation(state, table, rel);
	}
	return state;
}

static bool
me_exists(CheckState *state, text *me_id)
{
	char	   *id = text_to_cstring(me_id);
	bool		cacheable = strlen(id) < ME_ID_KEY_LEN;
	bool		found;
	Oid			argtypes[1] = {TEXTOID};
	Datum		values[1];

	if (cacheable && hash_search(state->known_me, id, HASH_FIND, NULL) != NULL)
		return true;

	values[0] = PointerGetDatum(me_id);
	if (SPI_connect() != SPI_OK_CONNECT)
		elog(ERROR, "wwva: SPI_connect failed");
	if (SPI_execute_with_args(state->me_query, 1, argtypes, values, NULL, true, 1) != SPI_OK_SELECT)
		elog(ERROR, "wwva: ME lookup failed");
	found = SPI_processed > 0;
	SPI_finish();

	if (found && cacheable)
		hash_search(state->known_me, id, HASH_ENTER, NULL);
	return found;
}

/*
 * pg_dump's scripts and pg_restore run every session with
 * check_function_bodies off.  A parallel pg_restore loads the ledgers
 * beside wwva.me rather than after it (an archive orders table data for a
 * serial restore only), so a restore skips the ME lookup and keeps every
 * other check: a row whose ME never arrives counts in no statement and is
 * listed by wwva.unassigned as 'no such ME'.
 */
static bool
restoring(void)
{
	return !check_function_bodies;
}

/* A column the relation was verified to have, with its verified type. */
static Datum
column(const CheckState *state, HeapTuple tuple, TupleDesc desc, int column, bool *isnull)
{
	return heap_getattr(tuple, state->attnums[column], desc, isnull);
}

static text *
text_column(const CheckState *state, HeapTuple tuple, TupleDesc desc, int number)
{
	bool		isnull;
	Datum		value = column(state, tuple, desc, number, &isnull);

	return isnull ? NULL : DatumGetTextPP(value);
}

/* "entry 17 (ME "xinchu", booked on 2016-03-01)": names the offending row. */
static char *
ledger_row_name(const CheckState *state, HeapTuple tuple, TupleDesc desc)
{
	bool		id_null,
				day_null;
	Datum		id = column(state, tuple, desc, LEDGER_ENTRY_ID, &id_null);
	Datum		day = column(state, tuple, desc, LEDGER_BOOKED_ON, &day_null);
	text	   *me_id = text_column(state, tuple, desc, LEDGER_ME_ID);

	return psprintf("wwva.ledger entry %s (ME \"%s\", booked on %s)",
					id_null ? "without id" : psprintf(INT64_FORMAT, DatumGetInt64(id)),
					me_id ? text_for_message(me_id) : "NULL",
					day_null ? "NULL" : DatumGetCString(DirectFunctionCall1(date_out, day)));
}

static char *
event_row_name(const CheckState *state, HeapTuple tuple, TupleDesc desc)
{
	bool		id_null,
				user_null,
				at_null;
	Datum		id = column(state, tuple, desc, EVENT_EVENT_ID, &id_null);
	Datum		user_id = column(state, tuple, desc, EVENT_USER_ID, &user_null);
	Datum		at = column(state, tuple, desc, EVENT_OCCURRED_AT, &at_null);
	text	   *me_id = text_column(state, tuple, desc, EVENT_ME_ID);

	return psprintf("wwva.user_event %s (ME \"%s\", user %s, at %s)",
					id_null ? "without id" : psprintf(INT64_FORMAT, DatumGetInt64(id)),
					me_id ? text_for_message(me_id) : "NULL",
					user_null ? "NULL" : psprintf(INT64_FORMAT, DatumGetInt64(user_id)),
					at_null ? "NULL" : DatumGetCString(DirectFunctionCall1(timestamptz_out, at)));
}

/*
 * Change capture collects written rows in transition tables, which
 * PostgreSQL cannot fill from a foreign table: an ME kept on a shard has
 * its rows written on the shard, where its own wwva checks and captures
 * them.
 */
static void
refuse_foreign_partition(Relation rel, const char *row_name, text *me_id)
{
	if (rel->rd_rel->relkind != RELKIND_FOREIGN_TABLE)
		return;
	ereport(ERROR,
			(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
			 errmsg("%s: ME \"%s\" is kept in foreign partition %s",
					row_name, text_for_message(me_id), relation_name(rel)),
			 errhint("Write the rows of an ME kept on a shard on that shard's server, into its wwva.ledger and wwva.user_event; this server reads them from there.")));
}

/* What the trigger would do to a row: for messages. */
static const char *
action(HeapTuple new_row, HeapTuple old_row)
{
	return new_row == NULL ? "deleted" : old_row == NULL ? "inserted" : "changed";
}

#define CLOSED_HINT \
	"Post a correcting entry in an open period (wwva.reverse_entry(entry_id, booked_on, reason) negates a posting), or reopen the period with a reason (wwva.reopen_period)."

/* A posting booked in a closed period of its ME is neither written nor removed. */
static void
refuse_closed_posting(CheckState *state, HeapTuple tuple, TupleDesc desc, const char *done)
{
	text	   *me_id = text_column(state, tuple, desc, LEDGER_ME_ID);
	bool		isnull;
	Datum		booked_on = column(state, tuple, desc, LEDGER_BOOKED_ON, &isnull);
	const Closure *c;

	if (me_id == NULL || isnull || restoring())
		return;
	c = closure_of_posting(state->closed, me_id, DatumGetDateADT(booked_on));
	if (c != NULL)
		ereport(ERROR,
				(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
				 errmsg("%s cannot be %s: period \"%s\" of ME \"%s\" is closed (closed by %s at %s)",
						ledger_row_name(state, tuple, desc), done, c->period_id,
						text_for_message(me_id), c->closed_by, timestamptz_to_str(c->closed_at)),
				 errhint(CLOSED_HINT)));
}

/*
 * An event in a closed period of its ME, or in the K-1 periods before it
 * (its lifetime users look back on them), is neither written nor removed.
 */
static void
refuse_closed_event(CheckState *state, HeapTuple tuple, TupleDesc desc, const char *done)
{
	text	   *me_id = text_column(state, tuple, desc, EVENT_ME_ID);
	bool		isnull;
	Datum		occurred_at = column(state, tuple, desc, EVENT_OCCURRED_AT, &isnull);
	const Closure *c;
	bool		looked_back;

	if (me_id == NULL || isnull || TIMESTAMP_NOT_FINITE(DatumGetTimestampTz(occurred_at)) ||
		restoring())
		return;
	c = closure_of_event(state->closed, me_id, DatumGetTimestampTz(occurred_at), &looked_back);
	if (c != NULL)
		ereport(ERROR,
				(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
				 errmsg("%s cannot be %s: %s period \"%s\" of ME \"%s\" is closed (closed by %s at %s)",
						event_row_name(state, tuple, desc), done,
						looked_back ? "it counts in the lifetime users of" : "its",
						c->period_id, text_for_message(me_id), c->closed_by,
						timestamptz_to_str(c->closed_at)),
				 errhint(CLOSED_HINT)));
}

#define REJECT(code, row_name, hint, ...) \
	ereport(ERROR, \
			(errcode(code), \
			 errmsg("%s: %s", (row_name), psprintf(__VA_ARGS__)), \
			 errhint(hint)))

Datum
wwva_ledger_check(PG_FUNCTION_ARGS)
{
	Relation	rel;
	HeapTuple	old_row;
	HeapTuple	tuple = checked_row(fcinfo, "wwva_internal.ledger_check", &rel, &old_row);
	TupleDesc	desc = RelationGetDescr(rel);
	CheckState *state = check_state(fcinfo, &ledger_table, rel);
	text	   *me_id;
	text	   *stream,
			   *kind,
			   *behavior;
	bool		isnull;
	Datum		booked_on;
	Datum		amount;
	bool		is_cost;

	if (old_row != NULL)
		refuse_closed_posting(state, old_row, desc, action(tuple, old_row));
	if (tuple == NULL)
		return PointerGetDatum(old_row);
	me_id = text_column(state, tuple, desc, LEDGER_ME_ID);
	stream = text_column(state, tuple, desc, LEDGER_STREAM);
	kind = text_column(state, tuple, desc, LEDGER_KIND);
	behavior = text_column(state, tuple, desc, LEDGER_BEHAVIOR);
	booked_on = column(state, tuple, desc, LEDGER_BOOKED_ON, &isnull);
	if (me_id == NULL)
		REJECT(ERRCODE_NOT_NULL_VIOLATION, ledger_row_name(state, tuple, desc),
			   "Give the me_id of an ME in wwva.me.", "no me_id");
	refuse_foreign_partition(rel, ledger_row_name(state, tuple, desc), me_id);
	if (isnull || DATE_NOT_FINITE(DatumGetDateADT(booked_on)))
		REJECT(ERRCODE_CHECK_VIOLATION, ledger_row_name(state, tuple, desc),
			   "booked_on is the finite booking date that assigns the posting to a period.",
			   "booked_on is missing or infinite");
	if (stream == NULL || !(text_equals(stream, "hardware") || text_equals(stream, "ecosystem")))
		REJECT(ERRCODE_CHECK_VIOLATION, ledger_row_name(state, tuple, desc),
			   "stream must be 'hardware' (own networked appliances) or 'ecosystem' (differential income from partners' services).",
			   "unknown stream \"%s\"", stream ? text_for_message(stream) : "NULL");
	if (kind == NULL || !(text_equals(kind, "revenue") || text_equals(kind, "cost")))
		REJECT(ERRCODE_CHECK_VIOLATION, ledger_row_name(state, tuple, desc),
			   "kind must be 'revenue' or 'cost'.",
			   "unknown kind \"%s\"", kind ? text_for_message(kind) : "NULL");
	is_cost = text_equals(kind, "cost");
	if (behavior != NULL && !(text_equals(behavior, "variable") || text_equals(behavior, "fixed")))
		REJECT(ERRCODE_CHECK_VIOLATION, ledger_row_name(state, tuple, desc),
			   "behavior must be 'variable' or 'fixed' for a cost, and NULL for revenue.",
			   "unknown behavior \"%s\"", text_for_message(behavior));
	if (is_cost && behavior == NULL)
		REJECT(ERRCODE_CHECK_VIOLATION, ledger_row_name(state, tuple, desc),
			   "Set behavior to 'variable' or 'fixed': marginal cost and income use only the variable part.",
			   "cost without behavior");
	if (!is_cost && behavior != NULL)
		REJECT(ERRCODE_CHECK_VIOLATION, ledger_row_name(state, tuple, desc),
			   "Leave behavior NULL on revenue; it classifies costs only.",
			   "revenue with behavior \"%s\"", text_for_message(behavior));
	amount = column(state, tuple, desc, LEDGER_AMOUNT, &isnull);
	if (isnull)
		REJECT(ERRCODE_NOT_NULL_VIOLATION, ledger_row_name(state, tuple, desc),
			   "Book the amount in the ME's currency unit; use a reversing entry rather than NULL.",
			   "amount is NULL");
	if (!numeric_is_finite(DatumGetNumeric(amount)))
		REJECT(ERRCODE_CHECK_VIOLATION, ledger_row_name(state, tuple, desc),
			   "Book a finite amount in the ME's currency unit; NaN and Infinity cannot be summed into a statement.",
			   "amount is %s", numeric_is_nan(DatumGetNumeric(amount)) ? "NaN" : "infinite");
	if (!restoring() && !me_exists(state, me_id))
		REJECT(ERRCODE_FOREIGN_KEY_VIOLATION, ledger_row_name(state, tuple, desc),
			   "Add the ME first: INSERT INTO wwva.me (me_id, name) VALUES (...).",
			   "unknown ME \"%s\"", text_for_message(me_id));
	refuse_closed_posting(state, tuple, desc, action(tuple, old_row));

	return PointerGetDatum(tuple);
}

Datum
wwva_user_event_check(PG_FUNCTION_ARGS)
{
	Relation	rel;
	HeapTuple	old_row;
	HeapTuple	tuple = checked_row(fcinfo, "wwva_internal.user_event_check", &rel, &old_row);
	TupleDesc	desc = RelationGetDescr(rel);
	CheckState *state = check_state(fcinfo, &event_table, rel);
	text	   *me_id,
			   *kind;
	bool		isnull;
	Datum		occurred_at;

	if (old_row != NULL)
		refuse_closed_event(state, old_row, desc, action(tuple, old_row));
	if (tuple == NULL)
		return PointerGetDatum(old_row);
	me_id = text_column(state, tuple, desc, EVENT_ME_ID);
	kind = text_column(state, tuple, desc, EVENT_KIND);
	if (me_id == NULL)
		REJECT(ERRCODE_NOT_NULL_VIOLATION, event_row_name(state, tuple, desc),
			   "Give the me_id of an ME in wwva.me.", "no me_id");
	refuse_foreign_partition(rel, event_row_name(state, tuple, desc), me_id);
	(void) column(state, tuple, desc, EVENT_USER_ID, &isnull);
	if (isnull)
		REJECT(ERRCODE_NOT_NULL_VIOLATION, event_row_name(state, tuple, desc),
			   "Every event belongs to the user who acted; give user_id.", "no user_id");
	occurred_at = column(state, tuple, desc, EVENT_OCCURRED_AT, &isnull);
	if (isnull || TIMESTAMP_NOT_FINITE(DatumGetTimestampTz(occurred_at)))
		REJECT(ERRCODE_CHECK_VIOLATION, event_row_name(state, tuple, desc),
			   "occurred_at is the finite time of the action; its date in the ME's time zone picks the period.",
			   "occurred_at is missing or infinite");
	if (kind == NULL ||
		!(text_equals(kind, "interaction") || text_equals(kind, "transaction") ||
		  text_equals(kind, "customization") || text_equals(kind, "co_creation")))
		REJECT(ERRCODE_CHECK_VIOLATION, event_row_name(state, tuple, desc),
			   "kind must be 'interaction', 'transaction', 'customization' or 'co_creation'.",
			   "unknown kind \"%s\"", kind ? text_for_message(kind) : "NULL");
	if (!restoring() && !me_exists(state, me_id))
		REJECT(ERRCODE_FOREIGN_KEY_VIOLATION, event_row_name(state, tuple, desc),
			   "Add the ME first: INSERT INTO wwva.me (me_id, name) VALUES (...).",
			   "unknown ME \"%s\"", text_for_message(me_id));
	refuse_closed_event(state, tuple, desc, action(tuple, old_row));

	return PointerGetDatum(tuple);
}
