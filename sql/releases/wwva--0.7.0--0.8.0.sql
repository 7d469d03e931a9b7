-- complain if script is sourced in psql, rather than via ALTER EXTENSION
\echo Use "ALTER EXTENSION wwva UPDATE TO '0.8.0'" to load this file. \quit

-- ===========================================================================
-- wwva 0.7.0 -> 0.8.0, written by hand: what BI tools, careless analysts and
-- DBAs tripped over (issue 15).  Each part below says what it changes.
-- ===========================================================================

-- ---------------------------------------------------------------------------
-- Findings 1 and 9: no row can break another ME's statement; parallel
-- restores lose nothing.  The aggregates (C) skip rows of an ME not in the
-- calendar and the row checks (C) skip the ME lookup in a restore;
-- wwva.unassigned lists the rows whose ME is missing, with a reason;
-- ledger_default loses its foreign key to wwva.me, which refused every
-- posting a parallel restore loaded before wwva.me; TRUNCATE of wwva.me
-- empties both ledgers too.
-- ---------------------------------------------------------------------------
ALTER TABLE @extschema@.ledger_default DROP CONSTRAINT ledger_default_me_id_fkey;
CREATE OR REPLACE VIEW @extschema@.unassigned AS
SELECT 'ledger'::text AS source,
       l.entry_id AS row_id,
       l.me_id,
       l.booked_on AS local_date,
       l.kind,
       l.user_id,
       l.amount,
       CASE WHEN m.me_id IS NULL THEN 'no such ME' ELSE 'no period' END AS reason
  FROM @extschema@.ledger l
  LEFT JOIN @extschema@.me m ON m.me_id = l.me_id
 WHERE m.me_id IS NULL
    OR @extschema@.period_index(l.booked_on,
                                (SELECT b.starts FROM @extschema@.period_bounds b),
                                (SELECT b.ends FROM @extschema@.period_bounds b)) IS NULL
UNION ALL
SELECT 'user_event'::text,
       e.event_id,
       e.me_id,
       (e.occurred_at AT TIME ZONE m.timezone)::date,
       e.kind,
       e.user_id,
       NULL::numeric,
       CASE WHEN m.me_id IS NULL THEN 'no such ME' ELSE 'no period' END
  FROM @extschema@.user_event e
  LEFT JOIN @extschema@.me m ON m.me_id = e.me_id
 WHERE CASE WHEN m.me_id IS NULL THEN true
            ELSE @extschema@.event_period(e.me_id, e.occurred_at,
                                          (SELECT @extschema@.current_calendar())) IS NULL
       END;
ALTER VIEW @extschema@.unassigned SET (security_invoker = true);
COMMENT ON VIEW @extschema@.unassigned IS
'Ledger postings and user events that count in no statement: their date falls in no period, or their ME is not in wwva.me (reason says which).';
COMMENT ON COLUMN @extschema@.unassigned.source IS '''ledger'' or ''user_event''.';
COMMENT ON COLUMN @extschema@.unassigned.row_id IS 'entry_id or event_id of the row.';
COMMENT ON COLUMN @extschema@.unassigned.me_id IS 'ME of the row.';
COMMENT ON COLUMN @extschema@.unassigned.local_date IS 'The date used for assignment: booked_on, or occurred_at in the ME''s time zone (NULL for an event whose ME is not in wwva.me).';
COMMENT ON COLUMN @extschema@.unassigned.kind IS 'Posting kind or event kind.';
COMMENT ON COLUMN @extschema@.unassigned.user_id IS 'User of the row, if any.';
COMMENT ON COLUMN @extschema@.unassigned.amount IS 'Amount of a posting; NULL for events.';
COMMENT ON COLUMN @extschema@.unassigned.reason IS
'''no period'' (add a period that holds local_date) or ''no such ME'' (add the ME to wwva.me, or delete the row).';
CREATE FUNCTION @extschema@.me_truncate_cascade() RETURNS trigger
LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    foreign_partition regclass;
BEGIN
    SELECT t.relid INTO foreign_partition
      FROM (SELECT p.relid FROM pg_catalog.pg_partition_tree('@extschema@.ledger'::regclass) p
            UNION ALL
            SELECT p.relid FROM pg_catalog.pg_partition_tree('@extschema@.user_event'::regclass) p) t
      JOIN pg_catalog.pg_class c ON c.oid OPERATOR(pg_catalog.=) t.relid
     WHERE c.relkind OPERATOR(pg_catalog.=) 'f'
     LIMIT 1;
    IF FOUND THEN
        RAISE EXCEPTION 'cannot truncate wwva.me: the rows of foreign partition % would be left without their ME', foreign_partition
            USING ERRCODE = 'dependent_objects_still_exist',
                  HINT = 'Empty that partition on its own server and detach it first, or DELETE the MEs one by one once their rows are gone.';
    END IF;
    -- a table this TRUNCATE already emptied is left alone (it is still open)
    IF EXISTS (SELECT FROM @extschema@.ledger) THEN
        RAISE NOTICE 'truncate cascades to table "ledger"';
        TRUNCATE @extschema@.ledger;
    END IF;
    IF EXISTS (SELECT FROM @extschema@.user_event) THEN
        RAISE NOTICE 'truncate cascades to table "user_event"';
        TRUNCATE @extschema@.user_event;
    END IF;
    RETURN NULL;
END $$;
COMMENT ON FUNCTION @extschema@.me_truncate_cascade() IS
'Trigger: TRUNCATE of wwva.me (CASCADE) empties wwva.ledger and wwva.user_event too; refused while they have a foreign partition.';
CREATE TRIGGER me_truncate_cascade AFTER TRUNCATE ON @extschema@.me
    FOR EACH STATEMENT EXECUTE FUNCTION @extschema@.me_truncate_cascade();
REVOKE EXECUTE ON FUNCTION @extschema@.me_truncate_cascade() FROM PUBLIC;
