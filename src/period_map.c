/*-------------------------------------------------------------------------
 * period_map.c
 *	  The map from period number to pointer of the aggregate states (see
 *	  period_map.h): entries in arrival order, sorted on demand, and an
 *	  open-addressing index over them rebuilt when it fills or goes stale.
 *-------------------------------------------------------------------------
 */
#include "period_map.h"

#include "common/hashfn.h"
#include "common/pg_prng.h"

void
period_map_init(PeriodMap *map, MemoryContext context)
{
	memset(map, 0, sizeof(PeriodMap));
	map->context = context;
	map->sorted = true;
	map->seed = pg_prng_uint32(&pg_global_prng_state);
}

static inline uint32
period_hash(const PeriodMap *map, int32 period_no)
{
	return murmurhash32((uint32) period_no ^ map->seed);
}

static void
index_put(PeriodMap *map, int32 position)
{
	uint32		slot = period_hash(map, map->entries[position].period_no) & map->index_mask;

	while (map->index[slot] >= 0)
		slot = (slot + 1) & map->index_mask;
	map->index[slot] = position;
}

/* An index of every entry, at most half full. */
static void
index_build(PeriodMap *map)
{
	uint32		size = 16;

	while (size < (uint32) map->count * 2)
		size <<= 1;
	if (map->index != NULL)
		pfree(map->index);
	map->index = MemoryContextAlloc(map->context, sizeof(int32) * size);
	memset(map->index, -1, sizeof(int32) * size);
	map->index_mask = size - 1;
	for (int32 i = 0; i < map->count; i++)
		index_put(map, i);
}

/* Position of the period's entry, or -1. */
static int32
period_map_find(PeriodMap *map, int32 period_no)
{
	if (map->last < map->count && map->entries[map->last].period_no == period_no)
		return map->last;
	if (map->count == 0)
		return -1;
	if (map->index == NULL)
		index_build(map);
	for (uint32 slot = period_hash(map, period_no) & map->index_mask;;
		 slot = (slot + 1) & map->index_mask)
	{
		int32		position = map->index[slot];

		if (position < 0)
			return -1;
		if (map->entries[position].period_no == period_no)
		{
			map->last = position;
			return position;
		}
	}
}

/* Room for count entries in all. */
void
period_map_reserve(PeriodMap *map, int32 count)
{
	if (count <= map->capacity)
		return;
	map->capacity = count;
	map->entries = map->entries == NULL ?
		MemoryContextAlloc(map->context, sizeof(PeriodEntry) * map->capacity) :
		repalloc(map->entries, sizeof(PeriodEntry) * map->capacity);
}

/* Room for one more entry, doubling. */
static void
entries_reserve(PeriodMap *map)
{
	if (map->count == map->capacity)
		period_map_reserve(map, Max(8, map->capacity * 2));
}

/* The period's value, or NULL when the period is not in the map. */
void *
period_map_get(PeriodMap *map, int32 period_no)
{
	int32		position = period_map_find(map, period_no);

	return position < 0 ? NULL : map->entries[position].value;
}

/*
 * The place of the period's value, a new one holding NULL if the period
 * was not in the map.  It moves when the next period is added.
 */
void **
period_map_slot(PeriodMap *map, int32 period_no)
{
	int32		position = period_map_find(map, period_no);

	if (position < 0)
	{
		entries_reserve(map);
		position = map->count++;
		map->entries[position].period_no = period_no;
		map->entries[position].value = NULL;
		if (position > 0 && map->entries[position - 1].period_no > period_no)
			map->sorted = false;
		if (map->index == NULL || (uint32) map->count * 2 > map->index_mask + 1)
			index_build(map);
		else
			index_put(map, position);
		map->last = position;
	}
	return &map->entries[position].value;
}

/* Adds a period above every period in the map, as a reader of sorted input does. */
void
period_map_append(PeriodMap *map, int32 period_no, void *value)
{
	Assert(map->count == 0 || map->entries[map->count - 1].period_no < period_no);
	entries_reserve(map);
	map->entries[map->count].period_no = period_no;
	map->entries[map->count].value = value;
	map->count++;
	if (map->index != NULL)
	{
		/* rebuilt by the next lookup, if any: a reader never looks up */
		pfree(map->index);
		map->index = NULL;
	}
}

static int
compare_period_entries(const void *a, const void *b)
{
	int32		x = ((const PeriodEntry *) a)->period_no;
	int32		y = ((const PeriodEntry *) b)->period_no;

	return (x > y) - (x < y);
}

/* Entries in ascending period order, for whoever reads them in order. */
void
period_map_sort(PeriodMap *map)
{
	if (map->sorted)
		return;
	qsort(map->entries, map->count, sizeof(PeriodEntry), compare_period_entries);
	map->sorted = true;
	if (map->index != NULL)
	{
		pfree(map->index);
		map->index = NULL;
	}
}

/* Frees the map's own memory; the values are the caller's. */
void
period_map_free(PeriodMap *map)
{
	if (map->entries != NULL)
		pfree(map->entries);
	if (map->index != NULL)
		pfree(map->index);
	map->entries = NULL;
	map->index = NULL;
	map->count = 0;
	map->capacity = 0;
	map->last = 0;
	map->sorted = true;
}
