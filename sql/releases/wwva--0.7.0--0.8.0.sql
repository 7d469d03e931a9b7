-- complain if script is sourced in psql, rather than via ALTER EXTENSION
\echo Use "ALTER EXTENSION wwva UPDATE TO '0.8.0'" to load this file. \quit

-- ===========================================================================
-- wwva 0.7.0 -> 0.8.0, written by hand: what BI tools, careless analysts and
-- DBAs tripped over (issue 15).  Each part below says what it changes.
-- ===========================================================================
