/*
 * A test-only module that makes wwva's aggregate-state deserializers
 * reachable from SQL, for fuzzing (test/t/072_fuzz_states.sh).  PostgreSQL
 * itself only deserializes states it serialized; this module hands them any
 * bytes, inside a stand-in aggregate context.
 *
 *   wwva_fuzz_state(aggregate text, state bytea) returns bytea
 *	   aggregate is 'user_resource_counts', 'ledger_totals' or 'split'.
 *	   With a NULL state: a valid serialized state built by the real
 *	   transition functions (a seed).  With bytes: deserialize them twice,
 *	   combine the two states, serialize the result and deserialize that
 *	   again; returns the re-serialized state.  Malformed bytes must end in
 *	   an error, never in a crash.
 */
#include "postgres.h"

#include "executor/executor.h"
#include "fmgr.h"
#include "nodes/execnodes.h"
#include "utils/builtins.h"
#include "utils/numeric.h"

PG_MODULE_MAGIC;

PG_FUNCTION_INFO_V1(wwva_fuzz_state);

typedef struct StateFunctions
{
	PGFunction	transition;
	PGFunction	combine;
	PGFunction	serialize;
	PGFunction	deserialize;
} StateFunctions;

static PGFunction
wwva_function(const char *prefix, const char *suffix)
{
	char		name[128];

	snprintf(name, sizeof(name), "wwva_%s_%s", prefix, suffix);
	return load_external_function("$libdir/wwva", name, true, NULL);
}

static Datum
call(PGFunction fn, AggState *agg, int nargs, Datum *args, bool *nulls)
{
	LOCAL_FCINFO(fcinfo, 8);
	Datum		result;

	InitFunctionCallInfoData(*fcinfo, NULL, nargs, InvalidOid, (Node *) agg, NULL);
	for (int i = 0; i < nargs; i++)
	{
		fcinfo->args[i].value = args[i];
		fcinfo->args[i].isnull = nulls[i];
	}
	result = fn(fcinfo);
	if (fcinfo->isnull)
		elog(ERROR, "wwva_fuzz_state: a support function returned NULL");
	return result;
}

static Datum
numeric_datum(const char *text)
{
	return DirectFunctionCall3(numeric_in, CStringGetDatum(text), ObjectIdGetDatum(InvalidOid),
							   Int32GetDatum(-1));
}

/* A state built by the real transition function from a few rows. */
static Datum
seed_state(const char *aggregate, StateFunctions *f, AggState *agg)
{
	Datum		state = (Datum) 0;
	bool		state_null = true;

	for (int row = 0; row < 6; row++)
	{
		Datum		args[8];
		bool		nulls[8] = {false};

		args[0] = state;
		nulls[0] = state_null;
		if (strcmp(aggregate, "user_resource_counts") == 0)
		{
			static const char *kinds[] = {"interaction", "transaction", "co_creation", "customization"};

			args[1] = Int64GetDatum(row % 4);
			args[2] = CStringGetTextDatum(kinds[row % 4]);
			args[3] = Int32GetDatum(1 + row % 3);
			args[4] = Int32GetDatum(1);
			args[5] = Int32GetDatum(2);
			state = call(f->transition, agg, 6, args, nulls);
		}
		else if (strcmp(aggregate, "ledger_totals") == 0)
		{
			args[1] = CStringGetTextDatum(row % 2 ? "hardware" : "ecosystem");
			args[2] = CStringGetTextDatum(row % 3 ? "cost" : "revenue");
			args[3] = CStringGetTextDatum(row % 2 ? "variable" : "fixed");
			args[4] = numeric_datum(row % 2 ? "12.5" : "-0.25");
			state = call(f->transition, agg, 5, args, nulls);
		}
		else
		{
			char		member[16];

			snprintf(member, sizeof(member), "m%d", row);
			args[1] = CStringGetTextDatum(member);
			args[2] = numeric_datum(row % 2 ? "1" : "2.5");
			args[3] = numeric_datum("0");
			nulls[4] = row % 2;
			args[4] = numeric_datum("40");
			args[5] = numeric_datum("100");
			args[6] = Int32GetDatum(2);
			state = call(f->transition, agg, 7, args, nulls);
		}
		state_null = false;
	}
	return state;
}

Datum
wwva_fuzz_state(PG_FUNCTION_ARGS)
{
	char	   *aggregate = text_to_cstring(PG_GETARG_TEXT_PP(0));
	const char *prefix;
	StateFunctions f;
	AggState   *agg = makeNode(AggState);
	Datum		args[2];
	bool		nulls[2] = {false, false};
	Datum		first,
				second,
				combined,
				flat;

	if (strcmp(aggregate, "user_resource_counts") == 0)
		prefix = "user_counts";
	else if (strcmp(aggregate, "ledger_totals") == 0)
		prefix = "ledger_totals";
	else if (strcmp(aggregate, "split") == 0)
		prefix = "split";
	else
		ereport(ERROR, (errmsg("wwva_fuzz_state: unknown aggregate \"%s\"", aggregate)));
	f.transition = wwva_function(prefix, "transition");
	f.combine = wwva_function(prefix, "combine");
	f.serialize = wwva_function(prefix, "serialize");
	f.deserialize = wwva_function(prefix, "deserialize");
	agg->curaggcontext = CreateStandaloneExprContext();

	if (PG_ARGISNULL(1))
		first = seed_state(aggregate, &f, agg);
	else
	{
		args[0] = PG_GETARG_DATUM(1);
		nulls[1] = true;
		first = call(f.deserialize, agg, 2, args, nulls);
		second = call(f.deserialize, agg, 2, args, nulls);
		args[0] = first;
		args[1] = second;
		nulls[1] = false;
		combined = call(f.combine, agg, 2, args, nulls);
		first = combined;
	}
	args[0] = first;
	flat = call(f.serialize, agg, 1, args, nulls);
	flat = PointerGetDatum(DatumGetByteaPCopy(flat));
	/* what serialize wrote must read back */
	args[0] = flat;
	nulls[1] = true;
	(void) call(f.deserialize, agg, 2, args, nulls);
	FreeExprContext(agg->curaggcontext, true);
	PG_RETURN_DATUM(flat);
}
