/*-------------------------------------------------------------------------
 * user_entries.h
 *	  Sorted arrays of users: the pure core of the distinct-user sets.
 *
 * Plain C with no PostgreSQL dependency, so test/fuzz can build it with a
 * fuzzer and sanitizers outside the server.  The caller owns all memory.
 *-------------------------------------------------------------------------
 */
#ifndef USER_ENTRIES_H
#define USER_ENTRIES_H

#include <stdint.h>

#define USER_INTERACTED	0x01
#define USER_CO_CREATED	0x02
#define USER_FLAGS		(USER_INTERACTED | USER_CO_CREATED)

/* One user in one period of one ME, or one event of it: 16 bytes. */
typedef struct UserEntry
{
	uint64_t	key;			/* a bijective mix of the user id */
	uint32_t	transactions;	/* saturates at UINT32_MAX */
	uint8_t		flags;			/* USER_* */
} UserEntry;

/* Sorts entries[0..n) by key, using scratch[0..n) as room. */
extern void user_entries_sort(UserEntry *entries, uint32_t n, UserEntry *scratch);

/* Folds runs of equal keys in sorted entries[0..n) into one; the new count. */
extern uint32_t user_entries_fold(UserEntry *entries, uint32_t n);

/*
 * The union of sorted distinct a[0..na) and b[0..nb) into out (room for
 * na + nb), equal keys folded; the count written.
 */
extern uint32_t user_entries_merge(const UserEntry *a, uint32_t na,
								   const UserEntry *b, uint32_t nb, UserEntry *out);

#endif							/* USER_ENTRIES_H */
