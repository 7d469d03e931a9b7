/*-------------------------------------------------------------------------
 * me_state.h
 *	  The skeleton the ledger and user aggregates share: a state of MEs in
 *	  me_id order, each with its periods (a PeriodMap of the aggregate's
 *	  own per-period values); the combining of two such states; the reader
 *	  of their flat forms; the rows of their per-ME and by-period finals.
 *-------------------------------------------------------------------------
 */
#ifndef ME_STATE_H
#define ME_STATE_H

#include "wwva.h"
#include "period_map.h"
#include "spans.h"

/* Period numbers in a state run from 1 to this; a number outside is an error. */
#define MAX_PERIOD_NO	1000000

typedef struct StateMe
{
	char	   *me_id;			/* NULL until the ME has a row */
	int			me_id_len;
	int32		min_transactions;	/* N and K of a user state; 0 in a ledger state */
	int32		lifetime_periods;
	PeriodMap	periods;		/* period number -> the aggregate's value, for those present */
} StateMe;

typedef struct MeState
{
	int			nmes;
	StateMe    *mes;			/* sorted by me_id */
	uint64		calendar_hash;	/* of the calendar the rows came with */
	int			last_me;		/* where the previous row went */
	SpanPlan   *plan;			/* the calendar's spans over the segments, or NULL (spans.h) */
	bool		folded;			/* periods are the plan's spans now, no longer segments */
} MeState;

extern void me_state_init(MeState *state, int nmes, MemoryContext context);
extern void state_me_init(StateMe *me, const char *me_id, int me_id_len, MemoryContext context);
extern int	state_me_compare(const StateMe *a, const StateMe *b);
extern int32 me_state_count_mes(const MeState *state);

/*
 * Combining: the MEs of other joined into state in me_id order, in
 * context.  An ME of both goes through merge(into, from), one of other
 * only through adopt(into, from) with into zeroed; MEs without rows drop.
 */
typedef void (*StateMeMerge) (StateMe *into, StateMe *from, void *arg);

extern void me_state_combine(MeState *state, MeState *other, MemoryContext context,
							 StateMeMerge merge, StateMeMerge adopt, void *arg);

/*
 * Reading a flat state: the checks every state shares, each refusal an
 * ERRCODE_DATA_CORRUPTED error "<malformed> (<n> bytes): <what>" with the
 * reader's hint.
 */
typedef struct MeStateReader
{
	StringInfoData buf;
	const char *malformed;		/* the message's start, naming the state */
	const char *hint;
	bool		with_plan;		/* a span plan follows the MEs */
} MeStateReader;

/*
 * A state with a span plan is written with magic + 1 and the plan after
 * its MEs; one without, as before plans existed (so stored states stay
 * readable).  The writer calls me_state_write_magic first and
 * me_state_write_plan last.
 */
extern void me_state_write_magic(StringInfo buf, const MeState *state, int32 magic);
extern void me_state_write_plan(StringInfo buf, const MeState *state);
extern int32 me_state_read_begin(MeStateReader *reader, bytea *flat, int32 magic,
								 int min_me_bytes, const char *malformed, const char *hint);
extern void me_state_corrupt(const MeStateReader *reader, const char *what);
extern int32 me_state_read_int32(MeStateReader *reader, const char *what);
extern const char *me_state_read_me_id(MeStateReader *reader, int *len);
extern int32 me_state_read_period_count(MeStateReader *reader);
extern int32 me_state_read_period_no(MeStateReader *reader);
extern void me_state_read_end(MeStateReader *reader, MeState *state, MemoryContext context);

/* The values of the period at position k of a sorted ME; false leaves it out. */
typedef bool (*PeriodValues) (StateMe *me, int32 k, Datum *values, void *arg);

extern ArrayType *me_state_rows(MeState *state, CompositeArrayBuilder *builder, bool with_me_id,
								PeriodValues period_values, void *arg);
extern StateMe *me_state_only_me(MeState *state, const char *function_name);
extern ArrayType *by_period_matrix(StateMe *me, int nvalues, Oid element_type,
								   PeriodValues period_values, void *arg);

#endif							/* ME_STATE_H */
