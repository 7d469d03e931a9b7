/*-------------------------------------------------------------------------
 * user_counts.h
 *	  Section 1 counts of a user state: per ME and period, interactive,
 *	  active and lifetime users, and user-maker events.
 *-------------------------------------------------------------------------
 */
#ifndef USER_COUNTS_H
#define USER_COUNTS_H

#include "user_state.h"

/* The counts of a period, in the column order of the result rows. */
enum
{
	INTERACTIVE_USERS,
	ACTIVE_USERS,
	LIFETIME_USERS,
	USER_MAKERS,
	USER_COUNTS
};

extern bool period_count_values(StateMe *me, int32 k, Datum *values, void *arg);
extern ArrayType *counts_array(UserState *state, FunctionCallInfo fcinfo, bool with_me_id,
							   const char *function_name);

#endif							/* USER_COUNTS_H */
