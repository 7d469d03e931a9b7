/*-------------------------------------------------------------------------
 * ledger_check.c
 *	  Row validation triggers for wwva.ledger and wwva.user_event.
 *
 * These tables take tens of millions of rows, so the checks run in C and
 * look each ME up once per statement (a foreign key would run a query per
 * row).  An ME that still has rows cannot be deleted: wwva.me's own trigger
 * refuses it after waiting for in-flight writers.
 *-------------------------------------------------------------------------
 */
#include "wwva.h"

#include "access/htup_details.h"
#include "catalog/pg_type.h"
#include "commands/trigger.h"
#include "executor/spi.h"
#include "utils/builtins.h"
#include "utils/date.h"
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

#define MAX_CHECKED_COLUMNS 8

typedef struct CheckState
{
	HTAB	   *known_me;
	char	   *me_query;
	/* attribute numbers by column name literal, looked up once */
	const char *column_names[MAX_CHECKED_COLUMNS];
	int			column_attnums[MAX_CHECKED_COLUMNS];
	int			ncolumns;
} CheckState;

/* The state of the trigger call in progress (triggers do not nest here). */
static CheckState *current_state;

/* The row a BEFORE INSERT OR UPDATE row trigger checks: the new version. */
static HeapTuple
checked_row(FunctionCallInfo fcinfo, const char *name, Relation *rel)
{
	TriggerData *trigdata = (TriggerData *) fcinfo->context;

	if (!CALLED_AS_TRIGGER(fcinfo) ||
		!TRIGGER_FIRED_BEFORE(trigdata->tg_event) ||
		!TRIGGER_FIRED_FOR_ROW(trigdata->tg_event) ||
		TRIGGER_FIRED_BY_DELETE(trigdata->tg_event))
		ereport(ERROR,
				(errcode(ERRCODE_E_R_I_E_TRIGGER_PROTOCOL_VIOLATED),
				 errmsg("%s must be a BEFORE INSERT OR UPDATE row trigger", name),
				 errhint("The extension creates this trigger itself; do not attach the function elsewhere.")));
	*rel = trigdata->tg_relation;
	return TRIGGER_FIRED_BY_UPDATE(trigdata->tg_event) ? trigdata->tg_newtuple : trigdata->tg_trigtuple;
}

static CheckState *
check_state(FunctionCallInfo fcinfo)
{
	CheckState *state = (CheckState *) fcinfo->flinfo->fn_extra;

	if (state == NULL)
	{
		MemoryContext old = MemoryContextSwitchTo(fcinfo->flinfo->fn_mcxt);
		HASHCTL		ctl;
		/* the extension's schema, which a user's partition need not share */
		char	   *schema = get_namespace_name(get_func_namespace(fcinfo->flinfo->fn_oid));

		state = palloc0(sizeof(CheckState));
		memset(&ctl, 0, sizeof(ctl));
		ctl.keysize = ME_ID_KEY_LEN;
		ctl.entrysize = sizeof(KnownMe);
		ctl.hcxt = fcinfo->flinfo->fn_mcxt;
		state->known_me = hash_create("wwva known MEs", 64, &ctl,
									  HASH_ELEM | HASH_STRINGS | HASH_CONTEXT);
		state->me_query = psprintf("SELECT 1 FROM %s.me WHERE me_id OPERATOR(pg_catalog.=) $1",
								   quote_identifier(schema));
		MemoryContextSwitchTo(old);
		fcinfo->flinfo->fn_extra = state;
	}
	current_state = state;
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

/* Column by name; the names are literals, so their addresses identify them. */
static Datum
column(HeapTuple tuple, TupleDesc desc, const char *name, bool *isnull)
{
	CheckState *state = current_state;
	int			attnum = 0;

	for (int i = 0; i < state->ncolumns; i++)
		if (state->column_names[i] == name)
			attnum = state->column_attnums[i];
	if (attnum == 0)
	{
		attnum = SPI_fnumber(desc, name);
		if (attnum <= 0)
			elog(ERROR, "wwva: column \"%s\" is missing from the checked table", name);
		if (state->ncolumns < MAX_CHECKED_COLUMNS)
		{
			state->column_names[state->ncolumns] = name;
			state->column_attnums[state->ncolumns++] = attnum;
		}
	}
	return heap_getattr(tuple, attnum, desc, isnull);
}

static text *
text_column(HeapTuple tuple, TupleDesc desc, const char *name)
{
	bool		isnull;
	Datum		value = column(tuple, desc, name, &isnull);

	return isnull ? NULL : DatumGetTextPP(value);
}

/* "entry 17 (ME "xinchu", booked on 2016-03-01)": names the offending row. */
static char *
ledger_row_name(HeapTuple tuple, TupleDesc desc)
{
	bool		id_null,
				day_null;
	Datum		id = column(tuple, desc, "entry_id", &id_null);
	Datum		day = column(tuple, desc, "booked_on", &day_null);
	text	   *me_id = text_column(tuple, desc, "me_id");

	return psprintf("wwva.ledger entry %s (ME \"%s\", booked on %s)",
					id_null ? "without id" : psprintf(INT64_FORMAT, DatumGetInt64(id)),
					me_id ? text_for_message(me_id) : "NULL",
					day_null ? "NULL" : DatumGetCString(DirectFunctionCall1(date_out, day)));
}

static char *
event_row_name(HeapTuple tuple, TupleDesc desc)
{
	bool		id_null,
				user_null,
				at_null;
	Datum		id = column(tuple, desc, "event_id", &id_null);
	Datum		user_id = column(tuple, desc, "user_id", &user_null);
	Datum		at = column(tuple, desc, "occurred_at", &at_null);
	text	   *me_id = text_column(tuple, desc, "me_id");

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
			 errmsg("%s: ME \"%s\" is kept in foreign partition %s.%s",
					row_name, text_for_message(me_id),
					quote_identifier(get_namespace_name(RelationGetNamespace(rel))),
					quote_identifier(RelationGetRelationName(rel))),
			 errhint("Write the rows of an ME kept on a shard on that shard's server, into its wwva.ledger and wwva.user_event; this server reads them from there.")));
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
	HeapTuple	tuple = checked_row(fcinfo, "wwva.ledger_check", &rel);
	TupleDesc	desc = RelationGetDescr(rel);
	CheckState *state = check_state(fcinfo);
	text	   *me_id = text_column(tuple, desc, "me_id");
	text	   *stream = text_column(tuple, desc, "stream");
	text	   *kind = text_column(tuple, desc, "kind");
	text	   *behavior = text_column(tuple, desc, "behavior");
	bool		isnull;
	Datum		booked_on = column(tuple, desc, "booked_on", &isnull);
	Datum		amount;
	bool		is_cost;

	if (me_id == NULL)
		REJECT(ERRCODE_NOT_NULL_VIOLATION, ledger_row_name(tuple, desc),
			   "Give the me_id of an ME in wwva.me.", "no me_id");
	refuse_foreign_partition(rel, ledger_row_name(tuple, desc), me_id);
	if (isnull || DATE_NOT_FINITE(DatumGetDateADT(booked_on)))
		REJECT(ERRCODE_CHECK_VIOLATION, ledger_row_name(tuple, desc),
			   "booked_on is the finite booking date that assigns the posting to a period.",
			   "booked_on is missing or infinite");
	if (stream == NULL || !(text_equals(stream, "hardware") || text_equals(stream, "ecosystem")))
		REJECT(ERRCODE_CHECK_VIOLATION, ledger_row_name(tuple, desc),
			   "stream must be 'hardware' (own networked appliances) or 'ecosystem' (differential income from partners' services).",
			   "unknown stream \"%s\"", stream ? text_for_message(stream) : "NULL");
	if (kind == NULL || !(text_equals(kind, "revenue") || text_equals(kind, "cost")))
		REJECT(ERRCODE_CHECK_VIOLATION, ledger_row_name(tuple, desc),
			   "kind must be 'revenue' or 'cost'.",
			   "unknown kind \"%s\"", kind ? text_for_message(kind) : "NULL");
	is_cost = text_equals(kind, "cost");
	if (behavior != NULL && !(text_equals(behavior, "variable") || text_equals(behavior, "fixed")))
		REJECT(ERRCODE_CHECK_VIOLATION, ledger_row_name(tuple, desc),
			   "behavior must be 'variable' or 'fixed' for a cost, and NULL for revenue.",
			   "unknown behavior \"%s\"", text_for_message(behavior));
	if (is_cost && behavior == NULL)
		REJECT(ERRCODE_CHECK_VIOLATION, ledger_row_name(tuple, desc),
			   "Set behavior to 'variable' or 'fixed': marginal cost and income use only the variable part.",
			   "cost without behavior");
	if (!is_cost && behavior != NULL)
		REJECT(ERRCODE_CHECK_VIOLATION, ledger_row_name(tuple, desc),
			   "Leave behavior NULL on revenue; it classifies costs only.",
			   "revenue with behavior \"%s\"", text_for_message(behavior));
	amount = column(tuple, desc, "amount", &isnull);
	if (isnull)
		REJECT(ERRCODE_NOT_NULL_VIOLATION, ledger_row_name(tuple, desc),
			   "Book the amount in the ME's currency unit; use a reversing entry rather than NULL.",
			   "amount is NULL");
	if (!numeric_is_finite(DatumGetNumeric(amount)))
		REJECT(ERRCODE_CHECK_VIOLATION, ledger_row_name(tuple, desc),
			   "Book a finite amount in the ME's currency unit; NaN and Infinity cannot be summed into a statement.",
			   "amount is %s", numeric_is_nan(DatumGetNumeric(amount)) ? "NaN" : "infinite");
	if (!me_exists(state, me_id))
		REJECT(ERRCODE_FOREIGN_KEY_VIOLATION, ledger_row_name(tuple, desc),
			   "Add the ME first: INSERT INTO wwva.me (me_id, name) VALUES (...).",
			   "unknown ME \"%s\"", text_for_message(me_id));

	return PointerGetDatum(tuple);
}

Datum
wwva_user_event_check(PG_FUNCTION_ARGS)
{
	Relation	rel;
	HeapTuple	tuple = checked_row(fcinfo, "wwva.user_event_check", &rel);
	TupleDesc	desc = RelationGetDescr(rel);
	CheckState *state = check_state(fcinfo);
	text	   *me_id = text_column(tuple, desc, "me_id");
	text	   *kind = text_column(tuple, desc, "kind");
	bool		isnull;
	Datum		occurred_at;

	if (me_id == NULL)
		REJECT(ERRCODE_NOT_NULL_VIOLATION, event_row_name(tuple, desc),
			   "Give the me_id of an ME in wwva.me.", "no me_id");
	refuse_foreign_partition(rel, event_row_name(tuple, desc), me_id);
	(void) column(tuple, desc, "user_id", &isnull);
	if (isnull)
		REJECT(ERRCODE_NOT_NULL_VIOLATION, event_row_name(tuple, desc),
			   "Every event belongs to the user who acted; give user_id.", "no user_id");
	occurred_at = column(tuple, desc, "occurred_at", &isnull);
	if (isnull || TIMESTAMP_NOT_FINITE(DatumGetTimestampTz(occurred_at)))
		REJECT(ERRCODE_CHECK_VIOLATION, event_row_name(tuple, desc),
			   "occurred_at is the finite time of the action; its date in the ME's time zone picks the period.",
			   "occurred_at is missing or infinite");
	if (kind == NULL ||
		!(text_equals(kind, "interaction") || text_equals(kind, "transaction") ||
		  text_equals(kind, "customization") || text_equals(kind, "co_creation")))
		REJECT(ERRCODE_CHECK_VIOLATION, event_row_name(tuple, desc),
			   "kind must be 'interaction', 'transaction', 'customization' or 'co_creation'.",
			   "unknown kind \"%s\"", kind ? text_for_message(kind) : "NULL");
	if (!me_exists(state, me_id))
		REJECT(ERRCODE_FOREIGN_KEY_VIOLATION, event_row_name(tuple, desc),
			   "Add the ME first: INSERT INTO wwva.me (me_id, name) VALUES (...).",
			   "unknown ME \"%s\"", text_for_message(me_id));

	return PointerGetDatum(tuple);
}
