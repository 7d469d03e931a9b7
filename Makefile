EXTENSION = wwva
EXTVERSION = $(shell grep -m1 default_version $(EXTENSION).control | cut -d"'" -f2)

MODULE_big = wwva
OBJS = src/wwva.o src/periods.o src/local_clock.o src/calendar.o src/calendar_make.o \
       src/ledger_check.o src/closed_periods.o src/money.o src/exact_sum.o src/numeric_digits.o \
       src/period_map.o src/spans.o src/me_state.o src/ledger_agg.o \
       src/user_entries.o src/user_sets.o src/user_state.o src/user_spans.o src/user_counts.o \
       src/user_agg.o src/user_stored.o src/emc.o src/emc_split.o src/emc_split_agg.o \
       src/refresh.o src/refresh_steps.o src/refresh_rewrite.o src/refresh_checks.o src/slices.o

# The install script is assembled from the sources in dependency order,
# one file per object family (mirroring src/) and one per WWVA section:
# the tables users fill and their checks, periods and the calendar, the
# two one-pass aggregates, exact money, the statement's arithmetic, the
# five sections, the catalogue of lines and the long statement, the EMC
# contracts, change capture, the materialized statement, closed periods,
# privileges, and
# the finishing touches every script ends with.
SQL_SOURCES = sql/internal.sql sql/currency.sql sql/ledgers.sql sql/calendar.sql sql/slices.sql \
       sql/ledger_totals.sql sql/user_resources.sql sql/money.sql sql/figures.sql \
       sql/section1_user_resources.sql sql/section2_value_added_sharing.sql \
       sql/section3_revenues.sql sql/section4_costs.sql \
       sql/section5_marginal_income.sql sql/statement_lines.sql sql/statement.sql \
       sql/emc.sql sql/capture.sql sql/materialize.sql sql/closing.sql sql/upgrades.sql sql/grants.sql \
       sql/security.sql sql/finish.sql

# Released versions' scripts are committed files in sql/releases: the
# install script of the oldest supported release, frozen, and a hand-written
# upgrade script from every release to the next (PostgreSQL reaches any
# version through that chain).  Only the current version's install script
# is built, from the sources above.
DATA_built = sql/$(EXTENSION)--$(EXTVERSION).sql
DATA = $(wildcard sql/releases/$(EXTENSION)--*.sql)

REGRESS = $(patsubst test/sql/%.sql,%,$(sort $(wildcard test/sql/*.sql)))
# pg_regress reads test/sql/*.sql and test/expected/*.out; test/expected links
# to the top-level expected/ of the design card.
REGRESS_OPTS = --inputdir=test --outputdir=test --load-extension=$(EXTENSION)

# make prove: the pgTAP files that bring their own data, against the running
# server (PGHOST, PGPORT, as make installcheck), in a scratch database it
# drops afterwards.  The ones that read the Xinchu example need test/run.sh,
# which loads its 11.6 million events once.
XINCHU_TAP = test/t/010_xinchu_table2.sql test/t/020_xinchu_parallel.sql \
       test/t/040_emc_contracts.sql test/t/110_hostile_inputs.sql
QUICK_TAP = $(filter-out $(XINCHU_TAP),$(sort $(wildcard test/t/*.sql)))

PG_CONFIG ?= pg_config
# Our code builds warning-free with -Wall -Wextra; the server headers are
# included as system headers so their unused inline parameters stay quiet.
PG_CPPFLAGS = -isystem $(shell $(PG_CONFIG) --includedir-server)
PG_CFLAGS += -Wall -Wextra
EXTRA_CLEAN = test/results test/regression.diffs test/regression.out

PGXS := $(shell $(PG_CONFIG) --pgxs)
include $(PGXS)

sql/$(EXTENSION)--$(EXTVERSION).sql: $(SQL_SOURCES) wwva.control Makefile
	( echo '-- complain if script is sourced in psql, rather than via CREATE EXTENSION'; \
	  printf '%s\n' '\echo Use "CREATE EXTENSION $(EXTENSION)" to load this file. \quit'; \
	  for f in $(SQL_SOURCES); do echo; echo "-- source: $$f"; cat $$f; done ) > $@

PG_BINDIR = $(shell $(PG_CONFIG) --bindir)
.PHONY: prove
prove:
	$(PG_BINDIR)/dropdb --if-exists wwva_prove
	$(PG_BINDIR)/createdb wwva_prove
	$(PG_BINDIR)/psql -X -q -v ON_ERROR_STOP=1 -d wwva_prove -c 'CREATE EXTENSION pgtap' -c 'CREATE EXTENSION wwva'
	pg_prove --psql-bin $(PG_BINDIR)/psql -d wwva_prove $(QUICK_TAP); rc=$$?; $(PG_BINDIR)/dropdb wwva_prove; exit $$rc

# The side-by-side statement benchmark (bare scans, plain SQL, wwva) on a
# throwaway cluster; WWVA_BENCH_SCALE=1 is 10M events and 2M postings.
.PHONY: bench bench-shards
bench:
	test/bench/bench.sh
# Single node against two postgres_fdw shards on this machine, same data.
bench-shards:
	test/bench/shards.sh
