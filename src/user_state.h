/*-------------------------------------------------------------------------
 * user_state.h
 *	  The state of the user aggregates: per ME its settings and per period
 *	  its users and customization count; combining states, and their flat
 *	  form (what a partial state and a stored state are).
 *-------------------------------------------------------------------------
 */
#ifndef USER_STATE_H
#define USER_STATE_H

#include "me_state.h"
#include "user_sets.h"

typedef struct PeriodUsers
{
	UserSet		users;
	int64		customizations;
} PeriodUsers;

/* A MeState whose periods hold PeriodUsers, and what their sets share. */
typedef struct UserState
{
	MeState		base;
	UserSets	sets;
} UserState;

static inline PeriodUsers *
period_at(const StateMe *me, int32 position)
{
	return (PeriodUsers *) me->periods.entries[position].value;
}

static inline bool
period_present(const PeriodUsers *period)
{
	return period->users.count > 0 || period->users.nbuffered > 0 || period->customizations > 0;
}

extern UserState *user_state_new(MemoryContext context, int nmes);
extern void user_me_settings(StateMe *me, int32 min_transactions, int32 lifetime_periods);
extern PeriodUsers *period_users(UserState *state, StateMe *me, int32 period_no);
extern void user_state_finish(UserState *state);
extern UserState *user_state_combine(UserState *state, UserState *other, MemoryContext context);
extern bytea *user_state_write(UserState *state);
extern bytea *user_state_write_period(const StateMe *me, int32 k);
extern UserState *user_state_read(bytea *flat, MemoryContext context);
/* user_spans.c: a state finished, its segments gathered into its plan's spans */
extern void user_state_fold(UserState *state, bool keep_hidden);

#endif							/* USER_STATE_H */
