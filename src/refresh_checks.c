/*-------------------------------------------------------------------------
 * refresh_checks.c
 *	  What wwva.refresh() checks before it takes its snapshot: that it may
 *	  run at all, and whether the partitions leave changes untraced.
 *	  Called inside the refresh's SPI connection.
 *-------------------------------------------------------------------------
 */
#include "wwva.h"
#include "refresh_checks.h"

#include "access/xact.h"
#include "executor/spi.h"
#include "miscadmin.h"
#include "utils/acl.h"

/* The refresh would be wrong in a snapshot older than its lock, or under row-level security. */
void
refresh_preconditions(void)
{
	bool		isnull;

	if (IsolationUsesXactSnapshot())
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_TRANSACTION_STATE),
				 errmsg("wwva.refresh() must run at READ COMMITTED, not %s",
						IsolationIsSerializable() ? "SERIALIZABLE" : "REPEATABLE READ"),
				 errhint("Its snapshot must be taken after it waits for a running refresh; call it in a READ COMMITTED transaction (the default).")));
	if (SPI_execute("SELECT pg_catalog.bool_or(pg_catalog.row_security_active(t)), "
					"       NOT pg_catalog.has_schema_privilege('wwva_internal', 'USAGE') "
					"FROM pg_catalog.unnest(ARRAY['wwva.me', 'wwva.period', 'wwva.ledger', "
					"'wwva.user_event', 'wwva.target', 'wwva.sharing_rule']"
					"::pg_catalog.regclass[]) t", true, 0) != SPI_OK_SELECT)
		elog(ERROR, "wwva.refresh: could not check row-level security");
	if (DatumGetBool(SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1, &isnull)))
		ereport(ERROR,
				(errcode(ERRCODE_INSUFFICIENT_PRIVILEGE),
				 errmsg("wwva.refresh() cannot run as role \"%s\": row-level security hides ledger rows from it",
						GetUserNameFromId(GetUserId(), false)),
				 errhint("The materialized statement is every ME's: run the refresh as the extension's owner, and let analysts read wwva.materialized_statement through its policy.")));
	/* the traces and the cache are the owner's alone (sql/internal.sql) */
	if (DatumGetBool(SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 2, &isnull)))
		ereport(ERROR,
				(errcode(ERRCODE_INSUFFICIENT_PRIVILEGE),
				 errmsg("wwva.refresh() cannot run as role \"%s\": it keeps the change traces and the cache in schema wwva_internal, which only the extension's owner may use",
						GetUserNameFromId(GetUserId(), false)),
				 errhint("Run the refresh as the extension's owner (schedule the job as that role); grant nothing on wwva_internal.")));
}

/*
 * Whether partitions leave changes untraced: foreign ones (their rows are
 * written on their shards), and partitions that came or went since the
 * last refresh (wwva_internal.capture_partitions() gives the new ones the
 * capture triggers).  Run before the snapshot, which then holds whatever
 * was written before a partition had them.
 */
bool
untraced_partitions(void)
{
	int64		changed,
				foreign;
	bool		isnull;

	if (SPI_execute("SELECT wwva_internal.capture_partitions(), "
					"(SELECT count(*) FROM wwva_internal.uncaptured_partitions() u WHERE u.is_foreign)",
					false, 0) != SPI_OK_SELECT)
		elog(ERROR, "wwva.refresh: could not check the partitions' capture triggers");
	changed = DatumGetInt64(SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1, &isnull));
	foreign = DatumGetInt64(SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 2, &isnull));
	if (foreign > 0)
		ereport(NOTICE,
				(errmsg("wwva.refresh: wwva.ledger or wwva.user_event has foreign partitions, whose changes are not captured on this server; rebuilding every pair")));
	if (changed > 0)
		ereport(NOTICE,
				(errmsg("wwva.refresh: %lld partitions of wwva.ledger or wwva.user_event came, went or cannot be captured since the last refresh; rebuilding every pair",
						(long long) changed),
				 errdetail("Rows written straight into a partition are captured from the first refresh after it is created or attached on; a partition detached or dropped takes its rows out untraced.")));
	return foreign > 0 || changed > 0;
}

/*
 * Whether any table of schema wwva is a Citus table (distributed or
 * reference): its changes are then written on the workers, and the
 * refresh rewrites every line (refresh_rewrite.c).
 */
bool
citus_tables(void)
{
	bool		isnull;

	if (SPI_execute("SELECT wwva_internal.citus_tables()", true, 0) != SPI_OK_SELECT)
		elog(ERROR, "wwva.refresh: could not look for Citus tables");
	return DatumGetBool(SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1, &isnull));
}
