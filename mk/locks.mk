# Locks on the hosts (lib/job/lock.sh; docs/runbook.md, "A stale lock"). Read, and release, without deploying.
.PHONY: lock-status unlock

lock-status: setup ## per host: every lock held, by whom, since when, tag, whether that run is alive [NODE=all|core|B]
	$(call run,lock-status) $(call flags,NODE,)

unlock: setup ## stop the job holding NODE's lock (refused while its run is alive unless FORCE=1; audited) [NODE=B|core]
	$(call run,unlock) $(call flags,NODE,FORCE)
