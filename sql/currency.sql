-- ===========================================================================
-- Currencies (0.8.0): the codes wwva.me.currency may hold, and the minor
-- unit that says how many decimals a money line has where a rate makes
-- more digits (sharing payouts, EMC pools and shares; README "Scales").
--
-- The extension installs the ISO 4217 list (from Debian's iso-codes, minor
-- units as ISO 4217 gives them; NULL where ISO gives none: metals, units
-- of account, testing codes) and RMB, the name Haier's own documents use
-- for CNY and wwva's default since 0.1.0.  Add the units you book in that
-- are not here (shipped is then false, and pg_dump dumps your rows).
-- ===========================================================================
CREATE TABLE @extschema@.currency (
    code        text PRIMARY KEY
                CONSTRAINT currency_code_blank CHECK (code <> '' AND code !~ '\s'),
    minor_unit  smallint
                CONSTRAINT currency_minor_unit_range CHECK (minor_unit BETWEEN 0 AND 6),
    name        text NOT NULL,
    shipped     boolean NOT NULL DEFAULT false
);
COMMENT ON TABLE @extschema@.currency IS
'The currencies an ME may keep its books in: ISO 4217 codes (and RMB for CNY) with their minor units. Add your own units; rows the extension ships have shipped = true.';
COMMENT ON COLUMN @extschema@.currency.code IS 'ISO 4217 alphabetic code, or a unit you add (no blanks).';
COMMENT ON COLUMN @extschema@.currency.minor_unit IS
'Decimals of the minor unit (2 for fen or cents, 0 for yen, 3 for fils): sharing payouts, EMC pools and shares are rounded to it (half away from zero); NULL: no minor unit, kept exact.';
COMMENT ON COLUMN @extschema@.currency.name IS 'The currency''s name.';
COMMENT ON COLUMN @extschema@.currency.shipped IS 'True for the rows the extension installs (pg_dump leaves them to CREATE EXTENSION); false for yours, which pg_dump dumps.';

INSERT INTO @extschema@.currency (code, minor_unit, name) VALUES
    ('AED', 2, 'UAE Dirham'),
    ('AFN', 2, 'Afghani'),
    ('ALL', 2, 'Lek'),
    ('AMD', 2, 'Armenian Dram'),
    ('ANG', 2, 'Netherlands Antillean Guilder'),
    ('AOA', 2, 'Kwanza'),
    ('ARS', 2, 'Argentine Peso'),
    ('AUD', 2, 'Australian Dollar'),
    ('AWG', 2, 'Aruban Florin'),
    ('AZN', 2, 'Azerbaijan Manat'),
    ('BAM', 2, 'Convertible Mark'),
    ('BBD', 2, 'Barbados Dollar'),
    ('BDT', 2, 'Taka'),
    ('BGN', 2, 'Bulgarian Lev'),
    ('BHD', 3, 'Bahraini Dinar'),
    ('BIF', 0, 'Burundi Franc'),
    ('BMD', 2, 'Bermudian Dollar'),
    ('BND', 2, 'Brunei Dollar'),
    ('BOB', 2, 'Boliviano'),
    ('BOV', 2, 'Mvdol'),
    ('BRL', 2, 'Brazilian Real'),
    ('BSD', 2, 'Bahamian Dollar'),
    ('BTN', 2, 'Ngultrum'),
    ('BWP', 2, 'Pula'),
    ('BYN', 2, 'Belarusian Ruble'),
    ('BZD', 2, 'Belize Dollar'),
    ('CAD', 2, 'Canadian Dollar'),
    ('CDF', 2, 'Congolese Franc'),
    ('CHE', 2, 'WIR Euro'),
    ('CHF', 2, 'Swiss Franc'),
    ('CHW', 2, 'WIR Franc'),
    ('CLF', 4, 'Unidad de Fomento'),
    ('CLP', 0, 'Chilean Peso'),
    ('CNY', 2, 'Yuan Renminbi'),
    ('COP', 2, 'Colombian Peso'),
    ('COU', 2, 'Unidad de Valor Real'),
    ('CRC', 2, 'Costa Rican Colon'),
    ('CUC', 2, 'Peso Convertible'),
    ('CUP', 2, 'Cuban Peso'),
    ('CVE', 2, 'Cabo Verde Escudo'),
    ('CZK', 2, 'Czech Koruna'),
    ('DJF', 0, 'Djibouti Franc'),
    ('DKK', 2, 'Danish Krone'),
    ('DOP', 2, 'Dominican Peso'),
    ('DZD', 2, 'Algerian Dinar'),
    ('EGP', 2, 'Egyptian Pound'),
    ('ERN', 2, 'Nakfa'),
    ('ETB', 2, 'Ethiopian Birr'),
    ('EUR', 2, 'Euro'),
    ('FJD', 2, 'Fiji Dollar'),
    ('FKP', 2, 'Falkland Islands Pound'),
    ('GBP', 2, 'Pound Sterling'),
    ('GEL', 2, 'Lari'),
    ('GHS', 2, 'Ghana Cedi'),
    ('GIP', 2, 'Gibraltar Pound'),
    ('GMD', 2, 'Dalasi'),
    ('GNF', 0, 'Guinean Franc'),
    ('GTQ', 2, 'Quetzal'),
    ('GYD', 2, 'Guyana Dollar'),
    ('HKD', 2, 'Hong Kong Dollar'),
    ('HNL', 2, 'Lempira'),
    ('HRK', 2, 'Kuna'),
    ('HTG', 2, 'Gourde'),
    ('HUF', 2, 'Forint'),
    ('IDR', 2, 'Rupiah'),
    ('ILS', 2, 'New Israeli Sheqel'),
    ('INR', 2, 'Indian Rupee'),
    ('IQD', 3, 'Iraqi Dinar'),
    ('IRR', 2, 'Iranian Rial'),
    ('ISK', 0, 'Iceland Krona'),
    ('JMD', 2, 'Jamaican Dollar'),
    ('JOD', 3, 'Jordanian Dinar'),
    ('JPY', 0, 'Yen'),
    ('KES', 2, 'Kenyan Shilling'),
    ('KGS', 2, 'Som'),
    ('KHR', 2, 'Riel'),
    ('KMF', 0, 'Comorian Franc'),
    ('KPW', 2, 'North Korean Won'),
    ('KRW', 0, 'Won'),
    ('KWD', 3, 'Kuwaiti Dinar'),
    ('KYD', 2, 'Cayman Islands Dollar'),
    ('KZT', 2, 'Tenge'),
    ('LAK', 2, 'Lao Kip'),
    ('LBP', 2, 'Lebanese Pound'),
    ('LKR', 2, 'Sri Lanka Rupee'),
    ('LRD', 2, 'Liberian Dollar'),
    ('LSL', 2, 'Loti'),
    ('LYD', 3, 'Libyan Dinar'),
    ('MAD', 2, 'Moroccan Dirham'),
    ('MDL', 2, 'Moldovan Leu'),
    ('MGA', 2, 'Malagasy Ariary'),
    ('MKD', 2, 'Denar'),
    ('MMK', 2, 'Kyat'),
    ('MNT', 2, 'Tugrik'),
    ('MOP', 2, 'Pataca'),
    ('MRU', 2, 'Ouguiya'),
    ('MUR', 2, 'Mauritius Rupee'),
    ('MVR', 2, 'Rufiyaa'),
    ('MWK', 2, 'Malawi Kwacha'),
    ('MXN', 2, 'Mexican Peso'),
    ('MXV', 2, 'Mexican Unidad de Inversion (UDI)'),
    ('MYR', 2, 'Malaysian Ringgit'),
    ('MZN', 2, 'Mozambique Metical'),
    ('NAD', 2, 'Namibia Dollar'),
    ('NGN', 2, 'Naira'),
    ('NIO', 2, 'Cordoba Oro'),
    ('NOK', 2, 'Norwegian Krone'),
    ('NPR', 2, 'Nepalese Rupee'),
    ('NZD', 2, 'New Zealand Dollar'),
    ('OMR', 3, 'Rial Omani'),
    ('PAB', 2, 'Balboa'),
    ('PEN', 2, 'Sol'),
    ('PGK', 2, 'Kina'),
    ('PHP', 2, 'Philippine Peso'),
    ('PKR', 2, 'Pakistan Rupee'),
    ('PLN', 2, 'Zloty'),
    ('PYG', 0, 'Guarani'),
    ('QAR', 2, 'Qatari Rial'),
    ('RON', 2, 'Romanian Leu'),
    ('RSD', 2, 'Serbian Dinar'),
    ('RUB', 2, 'Russian Ruble'),
    ('RWF', 0, 'Rwanda Franc'),
    ('SAR', 2, 'Saudi Riyal'),
    ('SBD', 2, 'Solomon Islands Dollar'),
    ('SCR', 2, 'Seychelles Rupee'),
    ('SDG', 2, 'Sudanese Pound'),
    ('SEK', 2, 'Swedish Krona'),
    ('SGD', 2, 'Singapore Dollar'),
    ('SHP', 2, 'Saint Helena Pound'),
    ('SLE', 2, 'Leone'),
    ('SLL', 2, 'Leone'),
    ('SOS', 2, 'Somali Shilling'),
    ('SRD', 2, 'Surinam Dollar'),
    ('SSP', 2, 'South Sudanese Pound'),
    ('STN', 2, 'Dobra'),
    ('SVC', 2, 'El Salvador Colon'),
    ('SYP', 2, 'Syrian Pound'),
    ('SZL', 2, 'Lilangeni'),
    ('THB', 2, 'Baht'),
    ('TJS', 2, 'Somoni'),
    ('TMT', 2, 'Turkmenistan New Manat'),
    ('TND', 3, 'Tunisian Dinar'),
    ('TOP', 2, 'Pa’anga'),
    ('TRY', 2, 'Turkish Lira'),
    ('TTD', 2, 'Trinidad and Tobago Dollar'),
    ('TWD', 2, 'New Taiwan Dollar'),
    ('TZS', 2, 'Tanzanian Shilling'),
    ('UAH', 2, 'Hryvnia'),
    ('UGX', 0, 'Uganda Shilling'),
    ('USD', 2, 'US Dollar'),
    ('USN', 2, 'US Dollar (Next day)'),
    ('UYI', 0, 'Uruguay Peso en Unidades Indexadas (UI)'),
    ('UYU', 2, 'Peso Uruguayo'),
    ('UYW', 4, 'Unidad Previsional'),
    ('UZS', 2, 'Uzbekistan Sum'),
    ('VED', 2, 'Bolívar Soberano'),
    ('VES', 2, 'Bolívar Soberano'),
    ('VND', 0, 'Dong'),
    ('VUV', 0, 'Vatu'),
    ('WST', 2, 'Tala'),
    ('XAF', 0, 'CFA Franc BEAC'),
    ('XAG', NULL, 'Silver'),
    ('XAU', NULL, 'Gold'),
    ('XBA', NULL, 'Bond Markets Unit European Composite Unit (EURCO)'),
    ('XBB', NULL, 'Bond Markets Unit European Monetary Unit (E.M.U.-6)'),
    ('XBC', NULL, 'Bond Markets Unit European Unit of Account 9 (E.U.A.-9)'),
    ('XBD', NULL, 'Bond Markets Unit European Unit of Account 17 (E.U.A.-17)'),
    ('XCD', 2, 'East Caribbean Dollar'),
    ('XDR', NULL, 'SDR (Special Drawing Right)'),
    ('XOF', 0, 'CFA Franc BCEAO'),
    ('XPD', NULL, 'Palladium'),
    ('XPF', 0, 'CFP Franc'),
    ('XPT', NULL, 'Platinum'),
    ('XSU', NULL, 'Sucre'),
    ('XTS', NULL, 'Codes specifically reserved for testing purposes'),
    ('XUA', NULL, 'ADB Unit of Account'),
    ('XXX', NULL, 'The codes assigned for transactions where no currency is involved'),
    ('YER', 2, 'Yemeni Rial'),
    ('ZAR', 2, 'Rand'),
    ('ZMW', 2, 'Zambian Kwacha'),
    ('ZWL', 2, 'Zimbabwe Dollar'),
    ('RMB', 2, 'Renminbi: the customary name of CNY, wwva''s default');
UPDATE @extschema@.currency SET shipped = true;
SELECT pg_catalog.pg_extension_config_dump('@extschema@.currency', 'WHERE NOT shipped');
-- Reference data every statement reads: anyone may read it, so a reader
-- granted before this table existed keeps reading the statement (which
-- rows, sql/security.sql says).
GRANT SELECT ON @extschema@.currency TO PUBLIC;

-- wwva.me refers to these codes through its row check (wwva_internal.me_check),
-- not a foreign key: pg_restore -j loads the two tables in any order.  So
-- a code an ME books in is kept here.
CREATE FUNCTION wwva_internal.currency_check() RETURNS trigger
LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    users_of text;
BEGIN
    IF TG_OP OPERATOR(pg_catalog.=) 'DELETE' OR NEW.code IS DISTINCT FROM OLD.code THEN
        SELECT pg_catalog.string_agg(pg_catalog.format('"%s"', m.me_id), ', ' ORDER BY m.me_id)
          INTO users_of
          FROM (SELECT m.me_id FROM @extschema@.me m
                 WHERE m.currency OPERATOR(pg_catalog.=) OLD.code ORDER BY m.me_id LIMIT 5) m;
        IF users_of IS NOT NULL THEN
            RAISE EXCEPTION 'currency "%" is the currency of ME %', OLD.code, users_of
                USING ERRCODE = 'foreign_key_violation',
                      HINT = 'Give those MEs another currency first (UPDATE wwva.me SET currency = ...).';
        END IF;
    END IF;
    RETURN CASE TG_OP WHEN 'DELETE' THEN OLD ELSE NEW END;
END
$$;
COMMENT ON FUNCTION wwva_internal.currency_check() IS
'Trigger: refuses to delete or rename a currency an ME of wwva.me books in.';
CREATE TRIGGER currency_check BEFORE UPDATE OR DELETE ON @extschema@.currency
    FOR EACH ROW EXECUTE FUNCTION wwva_internal.currency_check();
