# Backups and restore (design §8; docs/backup.md, docs/runbook.md). Everything runs on the core host over SSH unless LOCAL=1.
.PHONY: backup backup-status backup-prune backup-verify restore

backup: setup ## pg_dump -Fc into <shared>/db-backups: atomic, verified, manifest last [LOCAL=1 PRUNE=1]
	$(call run,backup) $(call flags,,LOCAL PRUNE)

backup-status: setup ## newest backup's age, size, verification; exit 1 when too old (monitoring) [LOCAL=1]
	$(call run,backup-status) $(call flags,,LOCAL)

backup-prune: setup ## delete backups past backups.keep_days (never the newest; guarded) [DRY_RUN=1 LOCAL=1]
	$(call run,backup-prune) $(call flags,,DRY_RUN LOCAL)

backup-verify: setup ## restore drill: newest backup into a scratch DB, compare with its manifest [FILE= LOCAL=1]
	$(call run,backup-verify) $(call flags,FILE,LOCAL)

restore: setup ## restore a backup over the live DB (safety dump, fresh DB, check, swap) [FILE= YES=1 LOCAL=1 LIST=1]
	$(call run,restore) $(call flags,FILE DATABASE,YES LOCAL LIST SKIP_SAFETY_DUMP)
