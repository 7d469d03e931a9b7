/*-------------------------------------------------------------------------
 * calendar_make.c
 *	  wwva.make_calendar(): a wwva.calendar value from its parts, checked
 *	  as calendar.c will read it back (the format is in calendar.h).
 *-------------------------------------------------------------------------
 */
#include "calendar.h"
#include "periods.h"

#include "catalog/pg_type.h"
#include "common/hashfn.h"
#include "libpq/pqformat.h"
#include "utils/lsyscache.h"

PG_FUNCTION_INFO_V1(wwva_make_calendar);

/* The arguments, in order: three per-ME arrays, N and K, then the periods. */
enum
{
	ME_IDS,
	TIMEZONES,
	MIN_TRANSACTIONS,
	LIFETIME_PERIODS,
	STARTS,
	ENDS,
	CALENDAR_ARGUMENTS
};

static const Oid argument_types[CALENDAR_ARGUMENTS] = {TEXTOID, TEXTOID, INT4OID, INT4OID,
DATEOID, DATEOID};
static const char *const argument_names[CALENDAR_ARGUMENTS] = {"me_ids", "timezones",
"min_transactions", "lifetime_periods", "starts", "ends"};

static void
array_argument_values(ArrayType *array, Oid element_type, const char *argument,
					  Datum **values, int *count)
{
	bool	   *nulls;
	int16		typlen;
	bool		typbyval;
	char		typalign;

	if (ARR_NDIM(array) > 1)
		ereport(ERROR,
				(errcode(ERRCODE_ARRAY_SUBSCRIPT_ERROR),
				 errmsg("wwva.make_calendar: %s must be a one-dimensional array", argument),
				 errhint("Build calendars with wwva.current_calendar().")));
	get_typlenbyvalalign(element_type, &typlen, &typbyval, &typalign);
	deconstruct_array(array, element_type, typlen, typbyval, typalign, values, &nulls, count);
	for (int i = 0; i < *count; i++)
		if (nulls[i])
			ereport(ERROR,
					(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
					 errmsg("wwva.make_calendar: %s[%d] is NULL", argument, i + 1),
					 errhint("Build calendars with wwva.current_calendar().")));
}

typedef struct MeArgument
{
	text	   *me_id;
	text	   *timezone;
	int32		min_transactions;
	int32		lifetime_periods;
} MeArgument;

static int
compare_me_arguments(const void *a, const void *b)
{
	const MeArgument *x = a;
	const MeArgument *y = b;

	return compare_me_ids(VARDATA_ANY(x->me_id), VARSIZE_ANY_EXHDR(x->me_id),
						  VARDATA_ANY(y->me_id), VARSIZE_ANY_EXHDR(y->me_id));
}

/* The checked periods of the starts and ends arrays, nstarts of each. */
static void
calendar_periods(Datum *starts, Datum *ends, int nstarts, DateADT **start_dates,
				 DateADT **end_dates)
{
	*start_dates = palloc(sizeof(DateADT) * Max(nstarts, 1));
	*end_dates = palloc(sizeof(DateADT) * Max(nstarts, 1));
	for (int i = 0; i < nstarts; i++)
	{
		(*start_dates)[i] = DatumGetDateADT(starts[i]);
		(*end_dates)[i] = DatumGetDateADT(ends[i]);
	}
	periods_check(*start_dates, *end_dates, nstarts, "wwva.make_calendar");
}

/* The MEs of the four per-ME arrays, checked and sorted by me_id. */
static MeArgument *
calendar_mes(Datum **arrays, int nmes)
{
	MeArgument *mes = palloc(sizeof(MeArgument) * Max(nmes, 1));

	for (int i = 0; i < nmes; i++)
	{
		mes[i].me_id = DatumGetTextPP(arrays[ME_IDS][i]);
		mes[i].timezone = DatumGetTextPP(arrays[TIMEZONES][i]);
		mes[i].min_transactions = DatumGetInt32(arrays[MIN_TRANSACTIONS][i]);
		mes[i].lifetime_periods = DatumGetInt32(arrays[LIFETIME_PERIODS][i]);
		me_settings_check(mes[i].min_transactions, mes[i].lifetime_periods,
						  "wwva.make_calendar");
		if (!zone_is_known(VARDATA_ANY(mes[i].timezone), VARSIZE_ANY_EXHDR(mes[i].timezone)))
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("wwva.make_calendar: ME \"%s\" has unknown time zone \"%s\"",
							text_for_message(mes[i].me_id), text_for_message(mes[i].timezone)),
					 errhint("Use a name from pg_timezone_names, such as 'Asia/Shanghai' or 'UTC'.")));
	}
	qsort(mes, nmes, sizeof(MeArgument), compare_me_arguments);
	for (int i = 1; i < nmes; i++)
		if (compare_me_arguments(&mes[i - 1], &mes[i]) == 0)
			ereport(ERROR,
					(errcode(ERRCODE_UNIQUE_VIOLATION),
					 errmsg("wwva.make_calendar: ME \"%s\" is listed twice", text_for_message(mes[i].me_id)),
					 errhint("Pass each ME once.")));
	return mes;
}

/*
 * The span plan of the spans argument, an n x 5 integer matrix of rows
 * {key, first segment, last segment, row of the previous period (0 for
 * none), shown (1) or hidden (0)}, checked against the nsegments periods.
 */
static SpanPlan *
calendar_plan(ArrayType *spans, int nsegments)
{
	Datum	   *values;
	bool	   *nulls;
	int			count;
	SpanPlan   *plan;
	const char *problem;

	if (ARR_NDIM(spans) == 0)
		return NULL;
	if (ARR_NDIM(spans) != 2 || ARR_DIMS(spans)[1] != 5)
		ereport(ERROR,
				(errcode(ERRCODE_ARRAY_SUBSCRIPT_ERROR),
				 errmsg("wwva.make_calendar: spans must be a matrix of rows {key, first, last, previous, shown}"),
				 errhint("Build calendars with wwva.current_calendar().")));
	deconstruct_array(spans, INT4OID, sizeof(int32), true, TYPALIGN_INT, &values, &nulls, &count);
	for (int i = 0; i < count; i++)
		if (nulls[i])
			ereport(ERROR,
					(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
					 errmsg("wwva.make_calendar: spans[%d][%d] is NULL", i / 5 + 1, i % 5 + 1),
					 errhint("Build calendars with wwva.current_calendar().")));
	count /= 5;
	if (count == 0)
		return NULL;
	plan = palloc(SPAN_PLAN_SIZE(count));
	plan->count = count;
	plan->nsegments = nsegments;
	for (int i = 0; i < count; i++)
	{
		plan->spans[i].key = DatumGetInt32(values[i * 5]);
		plan->spans[i].first = DatumGetInt32(values[i * 5 + 1]);
		plan->spans[i].last = DatumGetInt32(values[i * 5 + 2]);
		plan->spans[i].previous = DatumGetInt32(values[i * 5 + 3]) - 1;
		if (DatumGetInt32(values[i * 5 + 4]) != 0 && DatumGetInt32(values[i * 5 + 4]) != 1)
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("wwva.make_calendar: spans[%d] is neither shown (1) nor hidden (0)", i + 1),
					 errhint("Build calendars with wwva.current_calendar().")));
		plan->spans[i].shown = DatumGetInt32(values[i * 5 + 4]) == 1;
	}
	problem = span_plan_problem(plan);
	if (problem != NULL)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("wwva.make_calendar: spans: %s", problem),
				 errhint("Keys ascend from 1, every span is a run of the %d periods given, and a previous span is another row.",
						 nsegments)));
	return plan;
}

/* The value of checked periods, MEs and plan, its hash filled in. */
static bytea *
calendar_value(const DateADT *start_dates, const DateADT *end_dates, int nstarts,
			   const MeArgument *mes, int nmes, const SpanPlan *plan)
{
	StringInfoData buf;
	uint64		hash;
	bytea	   *result;

	pq_begintypsend(&buf);
	pq_sendint32(&buf, CALENDAR_MAGIC);
	pq_sendint64(&buf, 0);		/* the hash, filled in below */
	pq_sendint32(&buf, nstarts);
	for (int i = 0; i < nstarts; i++)
	{
		pq_sendint32(&buf, start_dates[i]);
		pq_sendint32(&buf, end_dates[i]);
	}
	pq_sendint32(&buf, nmes);
	for (int i = 0; i < nmes; i++)
	{
		pq_sendint32(&buf, mes[i].min_transactions);
		pq_sendint32(&buf, mes[i].lifetime_periods);
		pq_sendint32(&buf, VARSIZE_ANY_EXHDR(mes[i].me_id));
		pq_sendbytes(&buf, VARDATA_ANY(mes[i].me_id), VARSIZE_ANY_EXHDR(mes[i].me_id));
		pq_sendint32(&buf, VARSIZE_ANY_EXHDR(mes[i].timezone));
		pq_sendbytes(&buf, VARDATA_ANY(mes[i].timezone), VARSIZE_ANY_EXHDR(mes[i].timezone));
	}
	span_plan_write(&buf, plan);
	result = pq_endtypsend(&buf);
	hash = hash_bytes_extended((unsigned char *) VARDATA(result) + CALENDAR_HEADER,
							   VARSIZE(result) - VARHDRSZ - CALENDAR_HEADER, CALENDAR_HASH_SEED);
	hash = pg_hton64(hash);
	memcpy(VARDATA(result) + 4, &hash, sizeof(hash));
	return result;
}

/*
 * wwva.make_calendar(me_ids text[], timezones text[],
 *					  min_transactions integer[], lifetime_periods integer[],
 *					  starts date[], ends date[] [, spans integer[]])
 *	  returns wwva.calendar.  Without spans, each period stands alone and
 *	  follows the one before it (one calendar); with them, starts and ends
 *	  are the segments of the grid and spans the periods over them.
 */
Datum
wwva_make_calendar(PG_FUNCTION_ARGS)
{
	Datum	   *arrays[CALENDAR_ARGUMENTS];
	int			counts[CALENDAR_ARGUMENTS];
	int			nmes,
				nstarts;
	DateADT    *start_dates,
			   *end_dates;
	MeArgument *mes;
	SpanPlan   *plan = NULL;

	for (int i = 0; i < PG_NARGS(); i++)
		if (PG_ARGISNULL(i))
			ereport(ERROR,
					(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
					 errmsg("wwva.make_calendar: argument %d is NULL", i + 1),
					 errhint("Build calendars with wwva.current_calendar().")));
	for (int i = 0; i < CALENDAR_ARGUMENTS; i++)
		array_argument_values(PG_GETARG_ARRAYTYPE_P(i), argument_types[i], argument_names[i],
							  &arrays[i], &counts[i]);
	nmes = counts[ME_IDS];
	nstarts = counts[STARTS];
	if (counts[TIMEZONES] != nmes || counts[MIN_TRANSACTIONS] != nmes ||
		counts[LIFETIME_PERIODS] != nmes)
		ereport(ERROR,
				(errcode(ERRCODE_ARRAY_SUBSCRIPT_ERROR),
				 errmsg("wwva.make_calendar: %d ME ids but %d time zones, %d min_transactions and %d lifetime_periods",
						nmes, counts[TIMEZONES], counts[MIN_TRANSACTIONS], counts[LIFETIME_PERIODS]),
				 errhint("Pass one entry per ME in each of the four arrays.")));
	if (nstarts != counts[ENDS])
		ereport(ERROR,
				(errcode(ERRCODE_ARRAY_SUBSCRIPT_ERROR),
				 errmsg("wwva.make_calendar: %d starts but %d ends", nstarts, counts[ENDS]),
				 errhint("Pass one start and one end per period.")));

	calendar_periods(arrays[STARTS], arrays[ENDS], nstarts, &start_dates, &end_dates);
	mes = calendar_mes(arrays, nmes);
	if (PG_NARGS() > CALENDAR_ARGUMENTS)
		plan = calendar_plan(PG_GETARG_ARRAYTYPE_P(CALENDAR_ARGUMENTS), nstarts);
	if (plan != NULL)
		plan = span_plan_simplified(plan);
	PG_RETURN_BYTEA_P(calendar_value(start_dates, end_dates, nstarts, mes, nmes, plan));
}
