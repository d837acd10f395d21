.PHONY: snapshot snapshot-list snapshot-prune snapshot-copy

snapshot: setup ## read-only snapshot of the shared storage, named by UTC time [LOCAL=1 NOW=… DRY_RUN=1]
	$(call run,snapshot) $(call flags,NOW,LOCAL DRY_RUN)

snapshot-list: setup ## list snapshots: name, time, age, keep/remove under the policy [LOCAL=1 NOW=…]
	$(call run,snapshot-list) $(call flags,NOW,LOCAL)

snapshot-prune: setup ## delete snapshots the policy does not keep, never the newest [DRY_RUN=1 LOCAL=1 NOW=…]
	$(call run,snapshot-prune) $(call flags,NOW,LOCAL DRY_RUN)

snapshot-copy: setup ## copy the newest snapshot to snapshots.copy_to, then prune the copies there [TO=… DRY_RUN=1 LOCAL=1 NOW=…]
	$(call run,snapshot-copy) $(call flags,TO NOW,LOCAL DRY_RUN)

.PHONY: install-snapshot-timer
install-snapshot-timer: setup ## install + enable the hourly snapshot systemd timer on the core host (what it runs checked first) [LOCAL=1 ROOT=dir OPS_DIR=/opt/ktrdr-ops]
	$(call run,install-snapshot-timer) $(call flags,ROOT OPS_DIR,LOCAL)
