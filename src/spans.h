/*-------------------------------------------------------------------------
 * spans.h
 *	  Periods of several calendars over one grid of days (spans.c).
 *
 * Months, quarters and years may overlap, so the aggregates do not assign
 * a row to a period: they assign it to a segment of the grid, the days
 * between two consecutive boundaries of any period, which no two periods
 * cut.  Each row lands in exactly one segment, as cheaply as before.  A
 * period, or a to-date span, is a run of segments [first, last]: the
 * finals add up its segments' sums and unite their users.
 *
 * A plan lists the spans the finals report, by key (the number the rows
 * carry: a period_no), with the span that is "the previous period" for
 * lifetime users.  Hidden spans are reported by no row; they are there to
 * be previous periods.  No plan (NULL) means each segment is its own
 * period and the previous period of p is p - 1: one calendar, as before.
 *-------------------------------------------------------------------------
 */
#ifndef SPANS_H
#define SPANS_H

#include "postgres.h"
#include "lib/stringinfo.h"

/* Span numbers, keys and segment numbers all run from 1 to this. */
#define MAX_SPAN_NO		1000000

typedef struct Span
{
	int32		key;			/* reported as period_no; ascending in a plan */
	int32		first;			/* first and last segment, 1-based */
	int32		last;
	int32		previous;		/* position in the plan of the previous period, or -1 */
	bool		shown;			/* reported; a hidden span only serves as a previous period */
} Span;

typedef struct SpanPlan
{
	int32		count;
	int32		nsegments;		/* the grid the segments number */
	Span		spans[FLEXIBLE_ARRAY_MEMBER];
} SpanPlan;

#define SPAN_PLAN_SIZE(count) (offsetof(SpanPlan, spans) + sizeof(Span) * (count))

/* What is wrong with a plan over nsegments segments, or NULL. */
extern const char *span_plan_problem(const SpanPlan *plan);
/* NULL when the plan says what no plan says: each segment a period, in a row. */
extern SpanPlan *span_plan_simplified(SpanPlan *plan);
extern SpanPlan *span_plan_copy(const SpanPlan *plan, MemoryContext context);
extern bool span_plans_equal(const SpanPlan *a, const SpanPlan *b);
/* Position of the span with this key, or -1. */
extern int32 span_plan_find(const SpanPlan *plan, int32 key);

/*
 * Flat form, at the end of a state or calendar: the number of spans (0 for
 * no plan), the number of segments, then per span key, first, last,
 * previous + 1 and shown, as int32s.  The reader checks what it reads and
 * returns NULL with *problem set when it is wrong.
 */
extern void span_plan_write(StringInfo buf, const SpanPlan *plan);
extern SpanPlan *span_plan_read(StringInfo buf, MemoryContext context, const char **problem);

#endif							/* SPANS_H */
