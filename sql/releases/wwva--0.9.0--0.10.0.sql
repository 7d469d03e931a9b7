-- complain if script is sourced in psql, rather than via ALTER EXTENSION
\echo Use "ALTER EXTENSION wwva UPDATE TO '0.10.0'" to load this file. \quit

-- ===========================================================================
-- wwva 0.9.0 -> 0.10.0, written by hand.
--
-- Citus (issue 17): the default partitions' keys hold the ME, the
-- distribution column, so create_distributed_table() accepts the ledgers.
-- ===========================================================================
ALTER TABLE @extschema@.ledger_default
    DROP CONSTRAINT ledger_default_pkey,
    ADD CONSTRAINT ledger_default_pkey PRIMARY KEY (me_id, entry_id);
ALTER TABLE @extschema@.user_event_default
    DROP CONSTRAINT user_event_default_pkey,
    ADD CONSTRAINT user_event_default_pkey PRIMARY KEY (me_id, event_id);
