-- ===========================================================================
-- Change capture on the two large tables (0.4.0; on their partitioned
-- parents since 0.5.0).
--
-- Statement-level triggers on the parent see every row written through it,
-- whichever local partition the row lands in.  PostgreSQL cannot collect
-- transition rows from a foreign partition, so rows of an ME kept on a
-- shard are written on the shard (the row checks say so).
-- ===========================================================================

CREATE TRIGGER capture_insert AFTER INSERT ON @extschema@.ledger
    REFERENCING NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION wwva_internal.capture_postings();
CREATE TRIGGER capture_update AFTER UPDATE ON @extschema@.ledger
    REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION wwva_internal.capture_postings();
CREATE TRIGGER capture_delete AFTER DELETE ON @extschema@.ledger
    REFERENCING OLD TABLE AS old_rows
    FOR EACH STATEMENT EXECUTE FUNCTION wwva_internal.capture_postings();
CREATE TRIGGER capture_truncate AFTER TRUNCATE ON @extschema@.ledger
    FOR EACH STATEMENT EXECUTE FUNCTION wwva_internal.capture_change();

CREATE TRIGGER capture_insert AFTER INSERT ON @extschema@.user_event
    REFERENCING NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION wwva_internal.capture_events();
CREATE TRIGGER capture_update AFTER UPDATE ON @extschema@.user_event
    REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION wwva_internal.capture_events();
CREATE TRIGGER capture_delete AFTER DELETE ON @extschema@.user_event
    REFERENCING OLD TABLE AS old_rows
    FOR EACH STATEMENT EXECUTE FUNCTION wwva_internal.capture_events();
CREATE TRIGGER capture_truncate AFTER TRUNCATE ON @extschema@.user_event
    FOR EACH STATEMENT EXECUTE FUNCTION wwva_internal.capture_change();

