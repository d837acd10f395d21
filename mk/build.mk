# Images and dependency locks (design §4). The KTRDR checkout is APP (default ../ktrdr, as for dev-env).
.PHONY: deps-lock deps-check build-base build-backend build-worker build-db

# One flag set for the three targets (the build script ignores what does not apply to an image).
BUILD_VALUES := APP TAG BASE_TAG BASE_IMAGE INSTALL_UV SOURCE REGISTRY_USER SECRETS_PROVIDER CACHE_FROM

deps-lock: setup ## uv lock + export APP/requirements.lock.txt (with hashes, atomic) [APP=../ktrdr]
	$(call run,deps-lock) $(call flags,APP,)

deps-check: setup ## fail when APP's uv.lock or requirements.lock.txt is stale vs pyproject.toml (CI) [APP=]
	$(call run,deps-check) $(call flags,APP,)

build-base: setup ## build ktrdr-base:py3.13-v1 [TAG= BASE_IMAGE= INSTALL_UV=0|1 PUSH=1 IF_ABSENT=1 CACHE_FROM=tag DRY_RUN=1]
	$(call run,build) --image=base $(call flags,$(BUILD_VALUES),PUSH DRY_RUN IF_ABSENT)

build-db: setup ## with pitr: the db pin + pgBackRest (templates/Dockerfile.db) as <registry>/ktrdr-db:<the pin's tag> [PUSH=1 IF_ABSENT=1 TAG= DRY_RUN=1]
	$(call run,build) --image=db $(call flags,$(BUILD_VALUES),PUSH DRY_RUN IF_ABSENT)

build-backend: setup ## build ktrdr-backend from APP [TAG=local (default sha-<HEAD>, CI only) PUSH=1 IF_ABSENT=1 CACHE_FROM=sha-… DRY_RUN=1]
	$(call run,build) --image=backend $(call flags,$(BUILD_VALUES),PUSH DRY_RUN IF_ABSENT)

build-worker: setup ## build ktrdr-worker from APP [TAG=local (default sha-<HEAD>, CI only) PUSH=1 IF_ABSENT=1 CACHE_FROM=sha-… DRY_RUN=1]
	$(call run,build) --image=worker $(call flags,$(BUILD_VALUES),PUSH DRY_RUN IF_ABSENT)
