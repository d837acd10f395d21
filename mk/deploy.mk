.PHONY: deploy-core deploy-workers

deploy-core: setup ## deploy the core stack over SSH [SERVICE=all|backend|… TAG=sha-… DRY_RUN=1 FORCE_UNLOCK=1]
	$(call run,deploy-core) $(call flags,SERVICE TAG HEALTH_TIMEOUT SECRETS_PROVIDER,DRY_RUN FORCE_UNLOCK)

deploy-workers: setup ## deploy worker node(s) over SSH, draining busy workers first [NODE=all|B|C… TAG=sha-… DRAIN_TIMEOUT=10m FORCE=1 YES=1 DRY_RUN=1 FORCE_UNLOCK=1]
	$(call run,deploy-workers) $(call flags,NODE TAG HEALTH_TIMEOUT SECRETS_PROVIDER DRAIN_TIMEOUT,DRY_RUN FORCE_UNLOCK FORCE YES)

.PHONY: status logs
status: setup ## what runs where, and drift from each host's deploy record; non-zero on drift [NODE=all|core|B TAG= JSON=1 SECRETS=1]
	$(call run,status) $(call flags,NODE TAG,JSON SECRETS)

logs: setup ## recent logs of a service from the workstation [NODE=core|B|C SERVICE=backend|worker|… TAIL=200]
	$(call run,logs) $(call flags,NODE SERVICE TAIL,)

.PHONY: doctor
doctor: setup ## check the workstation and every host for what a deploy needs, each failure with its fix [SECRETS_PROVIDER=]
	$(call run,doctor) $(call flags,SECRETS_PROVIDER,)

.PHONY: rollback deploys
rollback: setup ## return a stack to an earlier deploy record on its host [NODE=B|all|core SERVICE=all|backend TO=<n>|sha-…]
	$(call run,rollback) $(call flags,NODE SERVICE TO HEALTH_TIMEOUT SECRETS_PROVIDER,FORCE_UNLOCK)

deploys: setup ## list the deploy records each host keeps, newest first [NODE=all|core|B]
	$(call run,deploys) $(call flags,NODE,)

.PHONY: retire-node
retire-node: setup ## stop and remove a worker node's stack, records and lock, before its entry leaves worker-nodes.yml [NODE=D YES=1]
	$(call run,retire-node) $(call flags,NODE,YES FORCE_UNLOCK)
