/*-------------------------------------------------------------------------
 * periods.c
 *	  wwva.period_index(): which period holds a date, and the check and
 *	  search of sorted periods that wwva.calendar uses too.
 *
 * The views pass the period boundaries as two constant arrays (evaluated
 * once per query), so assigning a row to its period is a binary search in
 * C rather than a range join per row, and the per-ME aggregation stays free
 * of joins to local tables: it can run wherever the ME's rows live.
 *-------------------------------------------------------------------------
 */
#include "periods.h"

#include "catalog/pg_type.h"
#include "fmgr.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/date.h"
#include "utils/lsyscache.h"

PG_FUNCTION_INFO_V1(wwva_period_index);

/* Boundaries of the last calendar seen by this call site. */
typedef struct PeriodBounds
{
	ArrayType  *starts_copy;	/* to recognise the same arrays again */
	ArrayType  *ends_copy;
	int			count;
	DateADT    *starts;
	DateADT    *ends;
} PeriodBounds;

static DateADT *
date_array_values(ArrayType *array, const char *argument, int *count)
{
	Datum	   *values;
	bool	   *nulls;
	DateADT    *dates;
	int			n;

	if (ARR_NDIM(array) > 1)
		ereport(ERROR,
				(errcode(ERRCODE_ARRAY_SUBSCRIPT_ERROR),
				 errmsg("wwva.period_index: %s must be a one-dimensional array", argument),
				 errhint("Pass period boundaries as date[] sorted by start.")));
	deconstruct_array(array, DATEOID, sizeof(DateADT), true, TYPALIGN_INT,
					  &values, &nulls, &n);
	dates = palloc(sizeof(DateADT) * Max(n, 1));
	for (int i = 0; i < n; i++)
	{
		if (nulls[i])
			ereport(ERROR,
					(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
					 errmsg("wwva.period_index: %s[%d] is NULL", argument, i + 1),
					 errhint("Every period needs a start and an end date.")));
		dates[i] = DatumGetDateADT(values[i]);
	}
	*count = n;
	return dates;
}

static bool
same_array(ArrayType *a, ArrayType *b)
{
	return a != NULL && VARSIZE(a) == VARSIZE(b) && memcmp(a, b, VARSIZE(a)) == 0;
}

static void
bounds_free(PeriodBounds *calendar)
{
	pfree(calendar->starts_copy);
	pfree(calendar->ends_copy);
	pfree(calendar->starts);
	pfree(calendar->ends);
	pfree(calendar);
}

static ArrayType *
array_copy(ArrayType *array)
{
	ArrayType  *copy = (ArrayType *) palloc(VARSIZE(array));

	memcpy(copy, array, VARSIZE(array));
	return copy;
}

/* Periods must be finite, non-empty, sorted and non-overlapping. */
void
periods_check(const DateADT *starts, const DateADT *ends, int count, const char *function_name)
{
	for (int i = 0; i < count; i++)
	{
		if (DATE_NOT_FINITE(starts[i]) || DATE_NOT_FINITE(ends[i]) || starts[i] >= ends[i])
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("%s: period %d is empty or unbounded", function_name, i + 1),
					 errhint("Each period is half-open [start, end) with finite start < end.")));
		if (i > 0 && starts[i] < ends[i - 1])
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("%s: period %d starts before period %d ends", function_name, i + 1, i),
					 errhint("Pass non-overlapping periods sorted by start.")));
	}
}

/* 1-based position of the checked period holding day, or 0: a binary search. */
int32
period_search(const DateADT *starts, const DateADT *ends, int count, DateADT day)
{
	int			low = 0,
				high = count;

	/* find the last period starting on or before day */
	while (low < high)
	{
		int			mid = low + (high - low) / 2;

		if (starts[mid] <= day)
			low = mid + 1;
		else
			high = mid;
	}
	if (low == 0 || day >= ends[low - 1])
		return 0;
	return low;
}

/*
 * The validated calendar for these arrays, rebuilt only when they differ
 * from the ones this call site saw last.  A calendar is cached only once it
 * is valid, so an error leaves no half-built cache behind.
 */
static PeriodBounds *
bounds_for(FunctionCallInfo fcinfo, ArrayType *starts, ArrayType *ends)
{
	PeriodBounds   *cached = (PeriodBounds *) fcinfo->flinfo->fn_extra;
	PeriodBounds   *calendar;
	MemoryContext old;
	int			nstarts,
				nends;

	if (cached != NULL && same_array(cached->starts_copy, starts) &&
		same_array(cached->ends_copy, ends))
		return cached;

	old = MemoryContextSwitchTo(fcinfo->flinfo->fn_mcxt);
	calendar = palloc0(sizeof(PeriodBounds));
	calendar->starts = date_array_values(starts, "starts", &nstarts);
	calendar->ends = date_array_values(ends, "ends", &nends);
	if (nstarts != nends)
		ereport(ERROR,
				(errcode(ERRCODE_ARRAY_SUBSCRIPT_ERROR),
				 errmsg("wwva.period_index: %d starts but %d ends", nstarts, nends),
				 errhint("Pass one start and one end per period.")));
	periods_check(calendar->starts, calendar->ends, nstarts, "wwva.period_index");
	calendar->count = nstarts;
	calendar->starts_copy = array_copy(starts);
	calendar->ends_copy = array_copy(ends);
	MemoryContextSwitchTo(old);

	if (cached != NULL)
		bounds_free(cached);
	fcinfo->flinfo->fn_extra = calendar;
	return calendar;
}

/*
 * wwva.period_index(day date, starts date[], ends date[]) returns integer
 *	  1-based position of the period [starts[i], ends[i]) holding day, or
 *	  NULL when no period holds it.
 */
Datum
wwva_period_index(PG_FUNCTION_ARGS)
{
	PeriodBounds   *calendar = bounds_for(fcinfo, PG_GETARG_ARRAYTYPE_P(1),
										PG_GETARG_ARRAYTYPE_P(2));
	int32		period_no = period_search(calendar->starts, calendar->ends, calendar->count,
										  PG_GETARG_DATEADT(0));

	if (period_no == 0)
		PG_RETURN_NULL();
	PG_RETURN_INT32(period_no);
}
