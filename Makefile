# ktrdr-ops — every target calls a script; `make` alone lists them.
# One convention for flags: a script's --some-flag is the make variable SOME_FLAG
# (SOME_FLAG=value → --some-flag=value; boolean flags: SOME_FLAG=1 → --some-flag). ARGS="…" passes anything else.
SHELL := /bin/bash
.DEFAULT_GOAL := help
.DELETE_ON_ERROR:

SOURCES := $(shell find lib scripts -name '*.ts' -o -name '*.sh' 2>/dev/null) build.mjs
lc = $(shell printf '%s' '$(1)' | tr 'A-Z_' 'a-z-')
# Only variables given on make's command line count: the environment is full of strays (npm sets NODE).
given = $(if $(filter command line,$(origin $(1))),$($(1)))
# $(call flags,VALUE_VARS,BOOLEAN_VARS): the --flags for the make variables that were given.
flags = $(foreach v,$(1) CONFIG,$(if $(call given,$(v)),--$(call lc,$(v))='$(call given,$(v))')) \
        $(foreach v,$(2) VERBOSE,$(if $(filter 1 yes true,$(call given,$(v))),--$(call lc,$(v)))) $(call given,ARGS)
run = node dist/$(1).mjs

.PHONY: help setup build test typecheck lint format validate check-templates dev-env

# Each job area adds its targets in mk/<area>.mk, using $(call run,…) and $(call flags,…) from here.
-include mk/*.mk

help: ## list the targets (this text)
	@awk 'BEGIN{FS=":.*## "} /^[a-z][a-z-]*:.*## /{printf "  make %-22s %s\n", $$1, $$2}' Makefile $(sort $(wildcard mk/*.mk))
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
	MAKE_TARGET=test bash lab/with-lab.sh node_modules/.bin/tsx node_modules/uvu/bin.js tests '\.test\.ts$$'

validate: setup ## check config, print nodes, ports, services and their variables [NODE= ENVIRONMENT=]
	$(call run,validate) $(call flags,NODE ENVIRONMENT,)

check-templates: setup ## fail when templates/env.dev.example and the env contract disagree [TEMPLATE=]
	$(call run,check-templates) $(call flags,TEMPLATE,)

dev-env: setup ## write APP/.env.dev from env.dev.example + dev secrets (0600, atomic) [APP= YES=1 SECRETS_PROVIDER=]
	$(call run,dev-env) $(call flags,APP SECRETS_PROVIDER,YES)
