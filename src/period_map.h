/*-------------------------------------------------------------------------
 * period_map.h
 *	  PeriodMap: the periods of one ME in an aggregate state.
 *-------------------------------------------------------------------------
 */
#ifndef PERIOD_MAP_H
#define PERIOD_MAP_H

#include "postgres.h"

/*
 * A map from period number to a pointer, for the per-ME periods of the
 * aggregate states: its memory follows the periods present, never the
 * largest period number, so a state naming period 1,000,000 costs what one
 * naming period 1 does.  Entries are kept in arrival order and sorted on
 * demand; a lookup is a hash probe (with a seed of its own, so no input
 * can be crafted to collide), the previous hit tried first.
 */
typedef struct PeriodEntry
{
	int32		period_no;
	void	   *value;
} PeriodEntry;

typedef struct PeriodMap
{
	MemoryContext context;
	int32		count;
	int32		capacity;
	PeriodEntry *entries;		/* ascending by period_no when sorted */
	bool		sorted;
	int32	   *index;			/* position in entries by hash, -1 empty; NULL when stale */
	uint32		index_mask;
	uint32		seed;
	int32		last;			/* position found by the previous lookup */
} PeriodMap;

extern void period_map_init(PeriodMap *map, MemoryContext context);
extern void *period_map_get(PeriodMap *map, int32 period_no);
extern void **period_map_slot(PeriodMap *map, int32 period_no);
extern void period_map_reserve(PeriodMap *map, int32 count);
extern void period_map_append(PeriodMap *map, int32 period_no, void *value);
extern void period_map_sort(PeriodMap *map);
extern void period_map_free(PeriodMap *map);

#endif							/* PERIOD_MAP_H */
