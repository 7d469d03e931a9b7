-- ===========================================================================
-- Names kept for one release (0.8.0; removed in 0.9.0).
--
-- Up to 0.7.0 the building blocks of wwva.figures lived in schema wwva
-- beside the interface, and the README listed them.  They moved to
-- wwva_internal; these views keep the old names working meanwhile, with
-- the same columns.  Read wwva.figures (or the section views) instead.
-- ===========================================================================
CREATE VIEW @extschema@.money_figures AS SELECT * FROM wwva_internal.money_figures;
COMMENT ON VIEW @extschema@.money_figures IS
'Deprecated since 0.8.0, removed in 0.9.0: the six money sums per ME and period, now wwva_internal.money_figures. Read wwva.figures or wwva.revenues and wwva.costs instead.';

CREATE VIEW @extschema@.user_figures AS SELECT * FROM wwva_internal.user_figures;
COMMENT ON VIEW @extschema@.user_figures IS
'Deprecated since 0.8.0, removed in 0.9.0: the section 1 counts per ME and period, now wwva_internal.user_figures. Read wwva.user_resources instead.';

CREATE VIEW @extschema@.profit_figures AS SELECT * FROM wwva_internal.profit_figures;
COMMENT ON VIEW @extschema@.profit_figures IS
'Deprecated since 0.8.0, removed in 0.9.0: the money lines per ME and period, now wwva_internal.profit_figures. Read wwva.figures instead.';

-- Their columns say what the moved views' columns say.
DO $$
DECLARE
    col record;
BEGIN
    FOR col IN
        SELECT a.attrelid::regclass AS alias, a.attname, pg_catalog.col_description(b.attrelid, b.attnum) AS comment
          FROM pg_catalog.pg_attribute a
          JOIN pg_catalog.pg_class c ON c.oid OPERATOR(pg_catalog.=) a.attrelid
          JOIN pg_catalog.pg_attribute b
            ON b.attrelid OPERATOR(pg_catalog.=) pg_catalog.format('wwva_internal.%I', c.relname)::regclass
           AND b.attname OPERATOR(pg_catalog.=) a.attname
         WHERE c.relnamespace OPERATOR(pg_catalog.=) '@extschema@'::regnamespace
           AND c.relname OPERATOR(pg_catalog.=) ANY (ARRAY['money_figures', 'user_figures', 'profit_figures']::name[])
           AND a.attnum OPERATOR(pg_catalog.>) 0
    LOOP
        EXECUTE pg_catalog.format('COMMENT ON COLUMN %s.%I IS %L', col.alias, col.attname, col.comment);
    END LOOP;
END
$$;
