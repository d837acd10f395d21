#!/usr/bin/env bash
# Install the lab's engines from Debian packages, only what is missing.
# Compose v2 comes from Debian trixie (a static binary), fetched through a separate
# apt list in /tmp so the machine's own sources are left untouched.
set -euo pipefail

if [[ $(id -u) -ne 0 ]]; then
  echo "install-engines: must run as root; run: sudo $0" >&2
  exit 1
fi

export DEBIAN_FRONTEND=noninteractive
PACKAGES=(docker.io openssh-server docker-registry bind9 bind9-dnsutils shellcheck systemd mmdebstrap btrfs-progs
  postgresql-client iproute2 jq curl openssl)
PLUGIN=/usr/libexec/docker/cli-plugins/docker-compose

installed() { [[ $(dpkg-query -W -f='${Status}' "$1" 2>/dev/null) == "install ok installed" ]]; }

missing=()
for p in "${PACKAGES[@]}"; do installed "$p" || missing+=("$p"); done

if ((${#missing[@]})); then
  echo "install-engines: installing ${missing[*]}"
  # Never let package scripts start services (a system sshd on :22 would clash with the lab's).
  own_policy=""
  if [[ ! -e /usr/sbin/policy-rc.d ]]; then
    printf '#!/bin/sh\nexit 101\n' >/usr/sbin/policy-rc.d
    chmod 0755 /usr/sbin/policy-rc.d
    own_policy=1
  fi
  # Third-party sources may be unreachable here; the Debian archive is what matters.
  apt-get update -q || echo "install-engines: apt-get update reported errors (continuing)" >&2
  apt-get install -y -q --no-install-recommends "${missing[@]}"
  [[ -n $own_policy ]] && rm -f /usr/sbin/policy-rc.d
else
  echo "install-engines: Debian packages present"
fi

if [[ ! -x $PLUGIN ]]; then
  echo "install-engines: fetching compose v2 from Debian trixie"
  URI=$(awk '/^URIs:/{print $2; exit}' /etc/apt/sources.list.d/*.sources)
  work=$(mktemp -d /tmp/ktrdr-compose.XXXXXX)
  trap 'rm -rf "$work"' EXIT
  chmod 0755 "$work" # apt's _apt user downloads into it
  cat >/tmp/trixie.sources <<X
Types: deb
URIs: $URI
Suites: trixie
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg
X
  A=(-o Dir::Etc::SourceList=/tmp/trixie.sources -o Dir::Etc::SourceParts=/dev/null
    -o Dir::State::Lists=/tmp/trixie-lists)
  mkdir -p /tmp/trixie-lists/partial
  apt-get "${A[@]}" update -q
  (cd "$work" && apt-get "${A[@]}" download docker-compose)
  dpkg -x "$work"/docker-compose_*.deb "$work/root"
  install -D -m 0755 "$work/root/usr/libexec/docker/cli-plugins/docker-compose" "$PLUGIN"
fi

client=$(docker version --format '{{.Client.Version}}' 2>/dev/null || true)
echo "install-engines: docker CLI ${client:-?} at $(command -v docker)"
echo "install-engines: $(docker compose version)"
