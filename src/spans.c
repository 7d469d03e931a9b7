/*-------------------------------------------------------------------------
 * spans.c
 *	  Plans of spans over the grid of segments (see spans.h): their check,
 *	  their flat form, and finding a span by key.
 *-------------------------------------------------------------------------
 */
#include "spans.h"

#include "libpq/pqformat.h"
#include "miscadmin.h"

#define SPAN_FIELDS 5

const char *
span_plan_problem(const SpanPlan *plan)
{
	if (plan->count < 1 || plan->count > MAX_SPAN_NO)
		return "bad span count";
	if (plan->nsegments < 1 || plan->nsegments > MAX_SPAN_NO)
		return "bad segment count";
	for (int32 i = 0; i < plan->count; i++)
	{
		const Span *span = &plan->spans[i];

		if (span->key < 1 || span->key > MAX_SPAN_NO ||
			(i > 0 && span->key <= plan->spans[i - 1].key))
			return "span keys out of order";
		if (span->first < 1 || span->first > span->last || span->last > plan->nsegments)
			return "span outside the grid";
		/* a chain may revisit a span; its walk is bounded by K, never by the chain */
		if (span->previous < -1 || span->previous >= plan->count || span->previous == i)
			return "bad previous span";
	}
	return NULL;
}

SpanPlan *
span_plan_simplified(SpanPlan *plan)
{
	if (plan->count != plan->nsegments)
		return plan;
	for (int32 i = 0; i < plan->count; i++)
	{
		const Span *span = &plan->spans[i];

		if (span->key != i + 1 || span->first != i + 1 || span->last != i + 1 ||
			span->previous != i - 1 || !span->shown)
			return plan;
	}
	return NULL;
}

SpanPlan *
span_plan_copy(const SpanPlan *plan, MemoryContext context)
{
	SpanPlan   *copy;

	if (plan == NULL)
		return NULL;
	copy = MemoryContextAlloc(context, SPAN_PLAN_SIZE(plan->count));
	memcpy(copy, plan, SPAN_PLAN_SIZE(plan->count));
	return copy;
}

bool
span_plans_equal(const SpanPlan *a, const SpanPlan *b)
{
	if (a == NULL || b == NULL)
		return a == b;
	if (a->count != b->count || a->nsegments != b->nsegments)
		return false;
	for (int32 i = 0; i < a->count; i++)
		if (a->spans[i].key != b->spans[i].key || a->spans[i].first != b->spans[i].first ||
			a->spans[i].last != b->spans[i].last ||
			a->spans[i].previous != b->spans[i].previous ||
			a->spans[i].shown != b->spans[i].shown)
			return false;
	return true;
}

int32
span_plan_find(const SpanPlan *plan, int32 key)
{
	int32		low = 0,
				high = plan->count - 1;

	while (low <= high)
	{
		int32		middle = low + (high - low) / 2;

		if (plan->spans[middle].key == key)
			return middle;
		if (plan->spans[middle].key < key)
			low = middle + 1;
		else
			high = middle - 1;
	}
	return -1;
}

void
span_plan_write(StringInfo buf, const SpanPlan *plan)
{
	if (plan == NULL)
	{
		pq_sendint32(buf, 0);
		return;
	}
	pq_sendint32(buf, plan->count);
	pq_sendint32(buf, plan->nsegments);
	for (int32 i = 0; i < plan->count; i++)
	{
		pq_sendint32(buf, plan->spans[i].key);
		pq_sendint32(buf, plan->spans[i].first);
		pq_sendint32(buf, plan->spans[i].last);
		pq_sendint32(buf, plan->spans[i].previous + 1);
		pq_sendint32(buf, plan->spans[i].shown ? 1 : 0);
	}
}

SpanPlan *
span_plan_read(StringInfo buf, MemoryContext context, const char **problem)
{
	int32		count;
	SpanPlan   *plan;

	*problem = NULL;
	if (buf->len - buf->cursor < 4)
	{
		*problem = "truncated span plan";
		return NULL;
	}
	count = pq_getmsgint(buf, 4);
	if (count == 0)
		return NULL;
	/* bounded by the bytes left before anything is sized */
	if (count < 0 || count > MAX_SPAN_NO ||
		(int64) count * SPAN_FIELDS * 4 + 4 > buf->len - buf->cursor)
	{
		*problem = "truncated span plan";
		return NULL;
	}
	plan = MemoryContextAlloc(context, SPAN_PLAN_SIZE(count));
	plan->count = count;
	plan->nsegments = pq_getmsgint(buf, 4);
	for (int32 i = 0; i < count; i++)
	{
		int32		shown;

		CHECK_FOR_INTERRUPTS();
		plan->spans[i].key = pq_getmsgint(buf, 4);
		plan->spans[i].first = pq_getmsgint(buf, 4);
		plan->spans[i].last = pq_getmsgint(buf, 4);
		plan->spans[i].previous = pq_getmsgint(buf, 4) - 1;
		shown = pq_getmsgint(buf, 4);
		if (shown != 0 && shown != 1)
		{
			*problem = "bad span flag";
			return NULL;
		}
		plan->spans[i].shown = shown == 1;
	}
	*problem = span_plan_problem(plan);
	return *problem ? NULL : plan;
}
