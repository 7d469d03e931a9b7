-- ===========================================================================
-- The internal schema (0.6.0).
--
-- What wwva keeps for itself lives in wwva_internal, out of every user's
-- reach: the change traces the capture triggers write, the refresh's cache
-- and working tables, its run log, and the capture trigger functions.  No
-- role but the extension's owner has any privilege on it, so a grant on
-- "ALL TABLES IN SCHEMA wwva" cannot open it, and no loader can write a
-- trace the ledgers do not back.  Nothing here is part of the interface.
-- ===========================================================================
CREATE SCHEMA wwva_internal;
COMMENT ON SCHEMA wwva_internal IS
'Internal to wwva: change traces, the refresh''s cache, working tables and run log, and the capture triggers. Only the extension''s owner may use it; grant nothing here.';
REVOKE ALL ON SCHEMA wwva_internal FROM PUBLIC;
