/*-------------------------------------------------------------------------
 * wwva.c
 *	  Module entry and small helpers shared by every concern.
 *
 * The concerns live in their own files: calendar.c (period assignment),
 * ledger_check.c (row validation triggers), money.c (exact per-user and
 * sharing arithmetic), ledger_agg.c and user_agg.c (the aggregates the
 * section views run over the ledgers).
 *-------------------------------------------------------------------------
 */
#include "wwva.h"

#include "utils/builtins.h"

PG_MODULE_MAGIC;

bool
text_equals(text *value, const char *literal)
{
	size_t		len = strlen(literal);

	return VARSIZE_ANY_EXHDR(value) == len &&
		memcmp(VARDATA_ANY(value), literal, len) == 0;
}

/* A bounded, printable copy of a text value for an error message. */
char *
text_for_message(text *value)
{
	char	   *s = text_to_cstring(value);

	if (strlen(s) > 64)
		s[64] = '\0';
	return s;
}

MemoryContext
wwva_aggregate_context(FunctionCallInfo fcinfo, const char *function_name)
{
	MemoryContext aggcontext;

	if (!AggCheckCallContext(fcinfo, &aggcontext))
		ereport(ERROR,
				(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
				 errmsg("%s called in non-aggregate context", function_name),
				 errhint("It is a support function of a wwva aggregate; call the aggregate instead.")));
	return aggcontext;
}
