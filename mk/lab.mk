# The lab: a simulated homelab on this Linux machine (lab/README.md). Test and demo infrastructure only.
.PHONY: lab-up lab-status lab-down lab-shell demo

lab-up: ## bring the lab up (installs Debian packages and compose v2 if missing; idempotent; root)
	bash lab/install-engines.sh
	bash lab/lab.sh up

lab-status: ## report each part of the lab (exit non-zero if any part is down)
	bash lab/lab.sh status

lab-down: ## remove everything the lab made (namespaces, engines, sshd, BIND, registry, mounts), nothing else
	bash lab/lab.sh down

lab-shell: ## a shell on the lab's workstation: its DNS, CA and engine; run make CONFIG=lab/config … there
	bash lab/lab.sh ws

demo: setup ## whole flow on the lab: up, build + push the sample app, deploy core + workers, list workers [KEEP_LAB=1]
	MAKE_TARGET=demo bash lab/with-lab.sh bash lab/demo.sh
