/*-------------------------------------------------------------------------
 * closed_periods.c
 *	  The closed periods of each ME, as the row checks of the ledgers
 *	  (ledger_check.c) ask for them: is this day closed for this ME?
 *
 * A posting is closed when its booking day falls in a closed period of its
 * ME, in any calendar.  An event is closed when its day in the ME's time
 * zone falls in a closed period or in the K-1 periods before it in the
 * same calendar, whose events count in its lifetime users.
 *
 * wwva.close_period() locks the ledgers in SHARE mode, so it waits for the
 * writers in flight, and those that come after wait for it.  They then
 * read the closes with the latest snapshot, not their own: a REPEATABLE
 * READ writer whose snapshot predates the close sees it too.  Each ME's
 * closes are read once per statement.
 *-------------------------------------------------------------------------
 */
#include "wwva.h"
#include "closed_periods.h"

#include "access/htup_details.h"
#include "catalog/pg_class.h"
#include "catalog/pg_type.h"
#include "funcapi.h"
#include "miscadmin.h"
#include "executor/spi.h"
#include "utils/builtins.h"
#include "utils/date.h"
#include "utils/hsearch.h"
#include "catalog/namespace.h"
#include "utils/lsyscache.h"
#include "utils/snapmgr.h"
#include "utils/syscache.h"
#include "utils/timestamp.h"
#include "utils/tuplestore.h"

PG_FUNCTION_INFO_V1(wwva_closes);

#define ME_KEY_LEN 64

/* The closes of one ME. */
typedef struct MeClosures
{
	char		key[ME_KEY_LEN];
	int			count;
	Closure    *closures;
	text	   *timezone;		/* the ME's, for events' days */
} MeClosures;

struct ClosedPeriods
{
	MemoryContext context;
	HTAB	   *by_me;
	Oid			schema;
};

/* The lookup, planned once per backend (for the schema it was planned for). */
static SPIPlanPtr closures_plan = NULL;
static Oid	closures_plan_schema = InvalidOid;

ClosedPeriods *
closed_periods_create(MemoryContext context, Oid schema)
{
	ClosedPeriods *closed = MemoryContextAllocZero(context, sizeof(ClosedPeriods));
	HASHCTL		ctl;

	closed->context = context;
	closed->schema = schema;
	memset(&ctl, 0, sizeof(ctl));
	ctl.keysize = ME_KEY_LEN;
	ctl.entrysize = sizeof(MeClosures);
	ctl.hcxt = context;
	closed->by_me = hash_create("wwva closed periods", 16, &ctl,
								HASH_ELEM | HASH_STRINGS | HASH_CONTEXT);
	return closed;
}

/*
 * The closes of an ME ($1; every ME's when NULL): the ME, the period, its
 * days, the first day whose events count in it (that of the K-1 periods
 * before it, same calendar), who closed it and when, and the ME's time
 * zone.
 */
static SPIPlanPtr
closures_lookup(Oid schema)
{
	const char *s = quote_identifier(get_namespace_name(schema));
	Oid			argtypes[1] = {TEXTOID};

	if (closures_plan != NULL && closures_plan_schema == schema)
		return closures_plan;
	if (closures_plan != NULL)
		SPI_freeplan(closures_plan);
	closures_plan = SPI_prepare(psprintf(
		"SELECT c.me_id, c.period_id, p.starts_on, p.ends_on, "
		"       COALESCE((SELECT pg_catalog.min(b.starts_on) "
		"                   FROM (SELECT e.starts_on FROM %s.period e "
		"                          WHERE e.calendar OPERATOR(pg_catalog.=) p.calendar "
		"                            AND e.starts_on OPERATOR(pg_catalog.<) p.starts_on "
		"                          ORDER BY e.starts_on DESC "
		"                          LIMIT m.lifetime_periods OPERATOR(pg_catalog.-) 1) b), "
		"                p.starts_on), "
		"       p.calendar, c.closed_by, c.closed_at, m.timezone "
		"  FROM %s.closed_period c "
		"  JOIN %s.period p ON p.period_id OPERATOR(pg_catalog.=) c.period_id "
		"  JOIN %s.me m ON m.me_id OPERATOR(pg_catalog.=) c.me_id "
		" WHERE $1 IS NULL OR c.me_id OPERATOR(pg_catalog.=) $1",
		s, s, s, s), 1, argtypes);
	if (closures_plan == NULL)
		elog(ERROR, "wwva: could not prepare the lookup of closed periods");
	SPI_keepplan(closures_plan);
	closures_plan_schema = schema;
	return closures_plan;
}

/*
 * Runs the lookup for me_id (NULL: every ME) inside SPI, with the latest
 * snapshot and as the owner of wwva.closed_period, as PostgreSQL runs
 * foreign key checks: a writer's row-level security must not hide a
 * close from the check of its rows.
 */
static bool
read_closures(Oid schema, text *me_id)
{
	Datum		values[1] = {PointerGetDatum(me_id)};
	Oid			table = get_relname_relid("closed_period", schema);
	HeapTuple	class;
	Oid			owner,
				saved_user;
	int			saved_context;
	Snapshot	latest;

	/* the objects of a release before 0.11.0, not yet updated: no closes */
	if (!OidIsValid(table))
		return false;
	class = SearchSysCache1(RELOID, ObjectIdGetDatum(table));
	if (!HeapTupleIsValid(class))
		elog(ERROR, "wwva: cache lookup failed for relation %u", table);
	owner = ((Form_pg_class) GETSTRUCT(class))->relowner;
	ReleaseSysCache(class);

	GetUserIdAndSecContext(&saved_user, &saved_context);
	SetUserIdAndSecContext(owner, saved_context | SECURITY_LOCAL_USERID_CHANGE |
						   SECURITY_NOFORCE_RLS);
	latest = RegisterSnapshot(GetLatestSnapshot());
	if (SPI_execute_snapshot(closures_lookup(schema), values, me_id == NULL ? "n" : NULL, latest,
							 InvalidSnapshot, true, false, 0) != SPI_OK_SELECT)
		elog(ERROR, "wwva: the lookup of closed periods failed");
	UnregisterSnapshot(latest);
	SetUserIdAndSecContext(saved_user, saved_context);
	return true;
}

/* A text column, as a C string in the current memory context. */
static char *
copied_text(HeapTuple tuple, TupleDesc desc, int col)
{
	bool		isnull;
	Datum		value = SPI_getbinval(tuple, desc, col, &isnull);

	return isnull ? NULL : TextDatumGetCString(value);
}

static DateADT
date_value(HeapTuple tuple, TupleDesc desc, int col)
{
	bool		isnull;

	return DatumGetDateADT(SPI_getbinval(tuple, desc, col, &isnull));
}

/* The closes of me_id, read with the latest snapshot on first use. */
static MeClosures *
closures_of(ClosedPeriods *closed, text *me_id)
{
	char	   *id = text_to_cstring(me_id);
	/* an id longer than the key is looked up each time, never cached */
	bool		cacheable = strlen(id) < ME_KEY_LEN;
	MeClosures *entry = cacheable ? hash_search(closed->by_me, id, HASH_FIND, NULL) : NULL;
	MemoryContext old;
	bool		found;

	if (entry != NULL)
		return entry;

	if (SPI_connect() != SPI_OK_CONNECT)
		elog(ERROR, "wwva: SPI_connect failed");
	found = read_closures(closed->schema, me_id);

	old = MemoryContextSwitchTo(closed->context);
	entry = cacheable ? hash_search(closed->by_me, id, HASH_ENTER, NULL) : palloc(sizeof(MeClosures));
	entry->count = found ? (int) SPI_processed : 0;
	entry->closures = palloc(sizeof(Closure) * Max(entry->count, 1));
	entry->timezone = NULL;
	for (int i = 0; i < entry->count; i++)
	{
		HeapTuple	tuple = SPI_tuptable->vals[i];
		TupleDesc	desc = SPI_tuptable->tupdesc;
		Closure    *c = &entry->closures[i];
		bool		isnull;

		c->period_id = copied_text(tuple, desc, 2);
		c->starts_on = date_value(tuple, desc, 3);
		c->ends_on = date_value(tuple, desc, 4);
		c->events_from = date_value(tuple, desc, 5);
		c->closed_by = SPI_getvalue(tuple, desc, 7);	/* a name */
		c->closed_at = DatumGetTimestampTz(SPI_getbinval(tuple, desc, 8, &isnull));
		if (entry->timezone == NULL)
			entry->timezone = cstring_to_text(copied_text(tuple, desc, 9));
	}
	MemoryContextSwitchTo(old);
	SPI_finish();
	return entry;
}

const Closure *
closure_of_posting(ClosedPeriods *closed, text *me_id, DateADT booked_on)
{
	MeClosures *entry = closures_of(closed, me_id);

	for (int i = 0; i < entry->count; i++)
		if (booked_on >= entry->closures[i].starts_on && booked_on < entry->closures[i].ends_on)
			return &entry->closures[i];
	return NULL;
}

const Closure *
closure_of_event(ClosedPeriods *closed, text *me_id, TimestampTz occurred_at, bool *looked_back)
{
	MeClosures *entry = closures_of(closed, me_id);
	DateADT		day;

	if (entry->count == 0)
		return NULL;
	day = DatumGetDateADT(DirectFunctionCall1(timestamp_date,
											  DirectFunctionCall2(timestamptz_zone,
																  PointerGetDatum(entry->timezone),
																  TimestampTzGetDatum(occurred_at))));
	for (int i = 0; i < entry->count; i++)
		if (day >= entry->closures[i].events_from && day < entry->closures[i].ends_on)
		{
			*looked_back = day < entry->closures[i].starts_on;
			return &entry->closures[i];
		}
	return NULL;
}

/*
 * wwva_internal.closes(me_id): the closes of an ME (every ME's when NULL)
 * as they stand now, whatever the caller's snapshot: what the checks of
 * the tables a close freezes (sql/closing.sql) read.
 */
Datum
wwva_closes(PG_FUNCTION_ARGS)
{
	ReturnSetInfo *rsinfo = (ReturnSetInfo *) fcinfo->resultinfo;
	MemoryContext caller;
	TupleDesc	desc;
	Tuplestorestate *store;

	if (rsinfo == NULL || !IsA(rsinfo, ReturnSetInfo) ||
		(rsinfo->allowedModes & SFRM_Materialize) == 0)
		ereport(ERROR,
				(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
				 errmsg("wwva_internal.closes must be called where a set is accepted")));
	if (get_call_result_type(fcinfo, NULL, &desc) != TYPEFUNC_COMPOSITE)
		elog(ERROR, "wwva_internal.closes must return a composite type");
	caller = MemoryContextSwitchTo(rsinfo->econtext->ecxt_per_query_memory);
	desc = CreateTupleDescCopy(desc);
	store = tuplestore_begin_heap(true, false, work_mem);
	MemoryContextSwitchTo(caller);

	if (SPI_connect() != SPI_OK_CONNECT)
		elog(ERROR, "wwva: SPI_connect failed");
	if (!read_closures(get_namespace_oid("wwva", false), PG_ARGISNULL(0) ? NULL : PG_GETARG_TEXT_PP(0)))
		elog(ERROR, "wwva: table wwva.closed_period is missing");
	for (uint64 i = 0; i < SPI_processed; i++)
	{
		Datum		values[8];
		bool		nulls[8];

		/* all but the time zone, column by column */
		for (int col = 0; col < 8; col++)
			values[col] = SPI_getbinval(SPI_tuptable->vals[i], SPI_tuptable->tupdesc, col + 1, &nulls[col]);
		tuplestore_putvalues(store, desc, values, nulls);
	}
	SPI_finish();
	rsinfo->returnMode = SFRM_Materialize;
	rsinfo->setResult = store;
	rsinfo->setDesc = desc;
	return (Datum) 0;
}
