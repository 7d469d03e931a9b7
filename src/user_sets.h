/*-------------------------------------------------------------------------
 * user_sets.h
 *	  The distinct users of one period of one ME: a sorted array of users
 *	  and a buffer of the events that have not reached it yet.
 *-------------------------------------------------------------------------
 */
#ifndef USER_SETS_H
#define USER_SETS_H

#include "postgres.h"
#include "user_entries.h"

#define FIRST_BUFFER	8
#define MIN_BUFFER		256

/* The users of one period: sorted distinct keys, and events still to merge. */
typedef struct UserSet
{
	UserEntry  *entries;
	uint32		count;
	UserEntry  *buffer;			/* in arrival order, keys may repeat */
	uint32		nbuffered;
	uint32		buffer_size;	/* allocated */
} UserSet;

/* What the sets of one state share: their memory, and room for sorting a buffer. */
typedef struct UserSets
{
	MemoryContext context;
	bool		buffered;		/* some set may hold events still to merge */
	UserEntry  *scratch;		/* room for sorting a buffer */
	uint32		scratch_size;
} UserSets;

/* splitmix64's finaliser: a bijection, so distinct ids keep distinct keys */
static inline uint64
user_key(int64 user_id)
{
	uint64		x = (uint64) user_id;

	x ^= x >> 30;
	x *= UINT64CONST(0xbf58476d1ce4e5b9);
	x ^= x >> 27;
	x *= UINT64CONST(0x94d049bb133111eb);
	x ^= x >> 31;
	return x;
}

extern void user_set_flush(UserSet *set, UserSets *sets);
extern void user_set_finish(UserSet *set, UserSets *sets);
extern void user_set_merge(UserSet *into, UserSet *from, UserSets *sets);
extern void user_sets_release(UserSets *sets);

/* One event of a user: transactions and flags it adds.  Inline: it runs per row. */
static inline void
user_set_add(UserSet *set, UserSets *sets, uint64 key, uint32 transactions, uint8 flags)
{
	UserEntry  *event;

	sets->buffered = true;
	if (set->nbuffered == set->buffer_size)
	{
		if (set->buffer == NULL)
		{
			set->buffer_size = FIRST_BUFFER;
			set->buffer = MemoryContextAlloc(sets->context, sizeof(UserEntry) * FIRST_BUFFER);
		}
		else if (set->buffer_size < MIN_BUFFER)
		{
			/* grown with the first events, so that a pair of few events stays small */
			set->buffer_size *= 2;
			set->buffer = repalloc(set->buffer, sizeof(UserEntry) * set->buffer_size);
		}
		else
			user_set_flush(set, sets);
	}
	event = &set->buffer[set->nbuffered++];
	event->key = key;
	event->transactions = transactions;
	event->flags = flags;
}

#endif							/* USER_SETS_H */
