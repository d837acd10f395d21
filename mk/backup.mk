# Backups and restore (design §8; docs/backup.md, docs/runbook.md). Everything runs on the core host over SSH unless LOCAL=1.
.PHONY: backup backup-status backup-prune backup-verify restore restore-cleanup

backup: setup ## pg_dump -Fc into <shared>/db-backups: atomic, verified, manifest last; with pitr: a base backup too [LOCAL=1 PRUNE=1 NOW=… DUMP_ONLY=1]
	$(call run,backup) $(call flags,NOW,LOCAL PRUNE DUMP_ONLY)

backup-status: setup ## every backup figure against its threshold; exit 1 when any is red (monitoring) [LOCAL=1 JSON=1]
	$(call run,backup-status) $(call flags,,LOCAL JSON)

backup-prune: setup ## delete backups past backups.keep_days (never the newest; guarded) [DRY_RUN=1 LOCAL=1 NOW=…]
	$(call run,backup-prune) $(call flags,NOW,DRY_RUN LOCAL)

backup-verify: setup ## restore drill: newest backup into a scratch DB, compare with its manifest [FILE= LOCAL=1]
	$(call run,backup-verify) $(call flags,FILE,LOCAL)

restore: setup ## restore a backup over the live DB (fresh DB, check, backend stopped, swap; the replaced copy kept); TIME=… to a moment [FILE= TIME= YES=1 LOCAL=1 LIST=1 CHECKSUMS=1]
	$(call run,restore) $(call flags,FILE DATABASE TIME,YES LOCAL LIST SKIP_SAFETY_DUMP CHECKSUMS)

restore-cleanup: setup ## drop the replaced copies of the database that restores kept (<db>_old_<stamp>) [YES=1 LIST=1 DATABASE= LOCAL=1]
	$(call run,restore-cleanup) $(call flags,DATABASE,YES LOCAL LIST)

# Recovery runbooks (design §8.4; docs/runbook.md). Each is one tree: checks first, then the same deploy/restore steps.
.PHONY: recover-worker recover-core

recover-worker: setup ## scenario A: check a rebuilt worker's shared mount, deploy it [NODE=B TAG=sha-… FORCE_UNLOCK=1]
	$(call run,recover-worker) $(call flags,NODE TAG HEALTH_TIMEOUT SECRETS_PROVIDER,FORCE_UNLOCK)

recover-core: setup ## scenario B: check shared mount + backups (sha256 now), db alone, restore newest intact, deploy all, timers [TAG=sha-… YES=1 FILE= OPS_DIR= FORCE_UNLOCK=1 HEALTH_TIMEOUT=]
	$(call run,recover-core) $(call flags,TAG FILE HEALTH_TIMEOUT SECRETS_PROVIDER OPS_DIR,YES FORCE_UNLOCK)

.PHONY: install-backup-timer
install-backup-timer: setup ## install + enable the daily backup systemd timer on the core host (what it runs checked first) [LOCAL=1 ROOT=dir OPS_DIR=/opt/ktrdr-ops]
	$(call run,install-backup-timer) $(call flags,ROOT OPS_DIR,LOCAL)
