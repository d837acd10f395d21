.PHONY: deploy-core deploy-workers

deploy-core: setup ## deploy the core stack over SSH [SERVICE=all|backend|… TAG=sha-… DRY_RUN=1 FORCE_UNLOCK=1]
	$(call run,deploy-core) $(call flags,SERVICE TAG HEALTH_TIMEOUT SECRETS_PROVIDER,DRY_RUN FORCE_UNLOCK)

deploy-workers: setup ## deploy worker node(s) over SSH [NODE=all|B|C… TAG=sha-… DRY_RUN=1 FORCE_UNLOCK=1]
	$(call run,deploy-workers) $(call flags,NODE TAG HEALTH_TIMEOUT SECRETS_PROVIDER,DRY_RUN FORCE_UNLOCK)
