EXTENSION = wwva
EXTVERSION = $(shell grep default_version $(EXTENSION).control | sed -e "s/default_version[[:space:]]*=[[:space:]]*'\([^']*\)'/\1/")

MODULE_big = wwva
OBJS = src/wwva.o src/periods.o src/local_clock.o src/calendar.o src/calendar_make.o \
       src/ledger_check.o src/money.o src/exact_sum.o src/numeric_digits.o \
       src/period_map.o src/me_state.o src/ledger_agg.o \
       src/user_entries.o src/user_sets.o src/user_state.o src/user_counts.o \
       src/user_agg.o src/user_stored.o src/emc.o src/emc_split.o src/emc_split_agg.o \
       src/refresh.o

# The install script is assembled from one source per WWVA section, in
# dependency order: ledgers and C declarations first, then the shared
# one-pass figures, the five sections, the long-format statement, the EMC
# contracts, the materialized statement, and the finishing touches every
# script ends with.
SQL_SOURCES = sql/internal.sql sql/ledgers.sql sql/ledger_comments.sql sql/functions.sql sql/calendar.sql sql/scale_out.sql sql/figures.sql \
       sql/section1_user_resources.sql sql/section2_value_added_sharing.sql \
       sql/section3_revenues.sql sql/section4_costs.sql \
       sql/section5_marginal_income.sql sql/statement.sql sql/emc.sql \
       sql/materialize.sql sql/ledger_capture.sql sql/required_keys.sql sql/security.sql sql/finish.sql

# Released versions' scripts are committed files: the install script of
# each release, frozen, and a hand-written upgrade script from every
# release to the next.  Only the current version's install script is built.
DATA_built = sql/$(EXTENSION)--$(EXTVERSION).sql
DATA = $(filter-out $(DATA_built),$(wildcard sql/$(EXTENSION)--*.sql))

REGRESS = $(patsubst test/sql/%.sql,%,$(sort $(wildcard test/sql/*.sql)))
# pg_regress reads test/sql/*.sql and test/expected/*.out; test/expected links
# to the top-level expected/ of the design card.
REGRESS_OPTS = --inputdir=test --outputdir=test --load-extension=$(EXTENSION)

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

# The side-by-side statement benchmark (bare scans, plain SQL, wwva) on a
# throwaway cluster; WWVA_BENCH_SCALE=1 is 10M events and 2M postings.
.PHONY: bench bench-shards
bench:
	test/bench/bench.sh
# Single node against two postgres_fdw shards on this machine, same data.
bench-shards:
	test/bench/shards.sh
