# ktrdr-ops — every target calls a script; `make` alone lists them.
# One convention for flags: a script's --some-flag is the make variable SOME_FLAG
# (SOME_FLAG=value → --some-flag=value; boolean flags: SOME_FLAG=1 → --some-flag). ARGS="…" passes anything else.
SHELL := /bin/bash
.DEFAULT_GOAL := help
.DELETE_ON_ERROR:

SOURCES := $(shell find lib scripts -name '*.ts' -o -name '*.sh' 2>/dev/null) build.mjs
lc = $(shell printf '%s' '$(1)' | tr 'A-Z_' 'a-z-')
# A variable's text exactly as given: make never expands it, so TAG='sha-$$(x)' reaches the script as typed and
# is refused there (expanded, it would have become sha-). Quoted for bash with single quotes.
raw = $(value $(1))
sq = '$(subst ','"'"',$(1))'
# The variables given on make's command line. None of them goes into a recipe's environment: make would
# expand it on the way (TAG='$$(shell …)' would run), and the scripts take flags, not variables. KTRDR_* and
# KEEP_LAB are the exceptions: settings read from the environment (lab/README.md, docs/config.md).
ENV_SETTINGS = KTRDR_% KEEP_LAB
CLI_VARS = $(foreach v,$(.VARIABLES),$(if $(filter command line,$(origin $(v))),$(v)))
unexport $(filter-out $(ENV_SETTINGS),$(CLI_VARS))
given = $(if $(filter command line,$(origin $(1))),$(call raw,$(1)))
from_env = $(if $(filter environment,$(origin $(1))),$(call raw,$(1)))
yes = $(filter 1 yes true,$(1))
# Switches a stale `export` must never flip: they lift a guard, so they count only on the command line.
GUARDS := YES FORCE FORCE_UNLOCK SKIP_SAFETY_DUMP PRUNE
# Targets that change hosts: for them a value (TAG, NODE, …) from the environment is refused, not ignored.
CHANGING := deploy-core deploy-workers rollback retire-node recover-worker recover-core restore restore-cleanup unlock
# $(call flags,VALUE_VARS,BOOLEAN_VARS): the --flags for the make variables that were given, after refusing a
# variable the target does not know (NODES=C must never mean every node) and saying which switches came from
# the environment (DRY_RUN=1 make … is honoured, and printed as such).
flags = $(call refuse_unknown,$(1) $(2))$(call env_notes,$(1),$(2)) \
        $(foreach v,$(1) CONFIG,$(if $(call given,$(v)),--$(call lc,$(v))=$(call sq,$(call given,$(v))))) \
        $(foreach v,$(2) VERBOSE,$(if $(call yes,$(call switch,$(v))),--$(call lc,$(v)))) $(if $(filter command line,$(origin ARGS)),$(ARGS))
switch = $(or $(call given,$(1)),$(if $(filter $(1),$(GUARDS)),,$(call from_env,$(1))))
KNOWN_ALWAYS := CONFIG VERBOSE ARGS
refuse_unknown = $(foreach v,$(filter-out $(1) $(KNOWN_ALWAYS) $(ENV_SETTINGS),$(CLI_VARS)),$(error \
  $(v) is not a variable of make $@ (nothing was run); it takes: $(strip $(1) $(KNOWN_ALWAYS))))
env_notes = $(foreach v,$(2) VERBOSE,$(if $(call yes,$(call from_env,$(v))),$(if $(filter $(v),$(GUARDS)),$(error \
  $(v)=$(call from_env,$(v)) is set in the environment: a guard is lifted only on the command line \
  (make $@ … $(v)=1); unset it (unset $(v))),$(info $(v)=$(call from_env,$(v)) (from the environment))))) \
  $(foreach v,$(1) CONFIG,$(if $(and $(call from_env,$(v)),$(call env_value_counts,$(v))),$(if $(filter $@,$(CHANGING)),$(error \
  $(v) is set in the environment ($(v)=$(call from_env,$(v))): make $@ takes it only on the command line \
  (make $@ $(v)=…); unset it (unset $(v))),$(info $(v) in the environment is ignored: give it on make's command line))))
# npm sets NODE to its node binary for the scripts it runs: that is never a worker node.
env_value_counts = $(if $(and $(filter NODE,$(1)),$(findstring /,$(call from_env,$(1)))),,yes)
run = node dist/$(1).mjs

.PHONY: help setup build test typecheck lint format validate check-templates dev-env

# Each job area adds its targets in mk/<area>.mk, using $(call run,…) and $(call flags,…) from here.
-include mk/*.mk

help: ## list the targets (this text)
	@awk -f mk/help.awk Makefile $(sort $(wildcard mk/*.mk))
	@echo; echo "  Flags: a script's --some-flag is SOME_FLAG=… here (boolean: SOME_FLAG=1); CONFIG=dir picks the config set."

setup: dist/.built ## install node modules (npm ci) and precompile the scripts into dist/

node_modules/.ktrdr-installed: package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	@touch $@

dist/.built: node_modules/.ktrdr-installed $(SOURCES)
	node build.mjs
	@touch $@

build: setup ## same as setup: rebuild dist/ after editing lib/ or scripts/

typecheck: setup ## tsc --noEmit over lib, scripts, tests, bench
	npx tsc --noEmit

lint: setup ## the formatter and linter (Biome) in check mode, as make test runs them
	npx biome ci --colors=off .

format: setup ## rewrite every file in the one style (Biome), then run make lint
	npx biome format --write .

test: setup ## typecheck, lint and run the whole test suite against the lab (brought up if needed, and down after)
	npx tsc --noEmit
	npx biome ci --colors=off .
	MAKE_TARGET=test bash lab/with-lab.sh bash tests/run-suite.sh

validate: setup ## check config, print nodes, ports, services and their variables [NODE= ENVIRONMENT=]
	$(call run,validate) $(call flags,NODE ENVIRONMENT,)

check-templates: setup ## fail when templates/env.dev.example and the env contract disagree [TEMPLATE=]
	$(call run,check-templates) $(call flags,TEMPLATE,)

dev-env: setup ## write APP/.env.dev from env.dev.example + dev secrets (0600, atomic) [APP= YES=1 SECRETS_PROVIDER=]
	$(call run,dev-env) $(call flags,APP SECRETS_PROVIDER,YES)
