/*-------------------------------------------------------------------------
 * user_sets.c
 *	  The distinct-user sets of the user aggregates (see user_sets.h).
 *
 * A user is kept under a 64-bit key that is a bijective mix of its id, so
 * counts stay exact.  Each ME and period keeps its users as an array sorted
 * by key, 16 bytes per user, and the events that have not reached it yet in
 * a short buffer beside it.  A full buffer is radix-sorted and merged into
 * the array in one sequential pass: with ids in random order, that is far
 * cheaper than a hash table whose every insert misses the cache once the
 * sets outgrow it.  The buffer holds at most a quarter of the array (or 256
 * events, growing from 8 with a pair's first events), so a user costs at
 * most 20 bytes and a pair with few events little more than they take.
 * Partial states travel sorted, so combining them is a linear merge too.
 *-------------------------------------------------------------------------
 */
#include "user_sets.h"

#include "utils/memutils.h"

#define MAX_SET_USERS	((uint32) (MaxAllocHugeSize / sizeof(UserEntry) / 2))

/*
 * The union of the sorted distinct arrays a and b (either may be empty) as
 * a new array; the inputs are freed.
 */
static UserEntry *
merge_sorted(UserEntry *a, uint32 na, UserEntry *b, uint32 nb, uint32 *count,
			 MemoryContext context)
{
	UserEntry  *merged;

	if ((uint64) na + nb > MAX_SET_USERS)
		ereport(ERROR,
				(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
				 errmsg("wwva.user_resource_counts: too many users in one period of one ME")));
	merged = MemoryContextAllocHuge(context, sizeof(UserEntry) * Max((Size) na + nb, 1));
	*count = user_entries_merge(a, na, b, nb, merged);
	if (a)
		pfree(a);
	if (b)
		pfree(b);
	return merged;
}

/* Sorts the buffered events and merges them into the users. */
void
user_set_flush(UserSet *set, UserSets *sets)
{
	uint32		n;
	UserEntry  *sorted;

	if (set->nbuffered == 0)
		return;
	if (sets->scratch_size < set->nbuffered)
	{
		if (sets->scratch)
			pfree(sets->scratch);
		sets->scratch_size = Max(set->buffer_size, MIN_BUFFER);
		sets->scratch = MemoryContextAllocHuge(sets->context,
											   sizeof(UserEntry) * sets->scratch_size);
	}
	user_entries_sort(set->buffer, set->nbuffered, sets->scratch);
	n = user_entries_fold(set->buffer, set->nbuffered);
	sorted = MemoryContextAllocHuge(sets->context, sizeof(UserEntry) * n);
	memcpy(sorted, set->buffer, sizeof(UserEntry) * n);
	set->entries = merge_sorted(set->entries, set->count, sorted, n, &set->count,
								sets->context);
	set->nbuffered = 0;
	/* the next buffer may hold a quarter of the users: merges stay linear overall */
	if (set->buffer_size < set->count / 4)
	{
		pfree(set->buffer);
		set->buffer_size = set->count / 4;
		set->buffer = MemoryContextAllocHuge(sets->context, sizeof(UserEntry) * set->buffer_size);
	}
}

/* Releases the buffer once no more events will come. */
void
user_set_finish(UserSet *set, UserSets *sets)
{
	user_set_flush(set, sets);
	if (set->buffer)
		pfree(set->buffer);
	set->buffer = NULL;
	set->buffer_size = 0;
}

/*
 * Adds the finished set from into the set into; from is emptied.  A set
 * much smaller than into goes through into's buffer, so that merging many
 * small states into one (the union aggregate) stays linear, not a copy of
 * the whole set per state.
 */
void
user_set_merge(UserSet *into, UserSet *from, UserSets *sets)
{
	if (from->count == 0)
		return;
	if (from->count < into->count / 4)
	{
		for (uint32 u = 0; u < from->count; u++)
			user_set_add(into, sets, from->entries[u].key, from->entries[u].transactions,
						 from->entries[u].flags);
		pfree(from->entries);
	}
	else
		into->entries = merge_sorted(into->entries, into->count, from->entries, from->count,
									 &into->count, sets->context);
	from->entries = NULL;
	from->count = 0;
}

/* Frees the sorting room, once every set is finished. */
void
user_sets_release(UserSets *sets)
{
	if (sets->scratch)
		pfree(sets->scratch);
	sets->scratch = NULL;
	sets->scratch_size = 0;
}
