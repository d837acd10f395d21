#!/usr/bin/env bash
# The root of one lab host (or of the workstation): run by `unshare --mount --uts` inside its network
# namespace (lab/parts/net.sh anchor_up). It gives the host what an LXC has of its own, then holds the
# namespaces as `sleep infinity`; its pid, in DIR/anchor.pid, is how everything else enters them.
#
#   anchor.sh host|ws NAME DIR [SRC DST]…
#
# host: hostname, /run, /tmp, /dev/shm (tmpfs), /opt and /root (DIR/opt, DIR/home), /etc/docker (DIR/etc-docker:
#       its engine's key and the lab CA under certs.d), /etc/resolv.conf (the lab's BIND), /mnt and /srv (tmpfs),
#       and each SRC bind-mounted at DST (lab/parts/shared.sh: the export at shared.host_path, on the core also
#       at shared.export_path, and its snapshot directory): this kernel has no NFS client, so a bind mount in
#       the host's own mount namespace stands in for the NFS mount.
# ws:   hostname, /run (its engine's socket), /etc/docker and /etc/resolv.conf; the rest is this machine's (the
#       repository, node, /tmp): it is the operator's workstation.
set -euo pipefail
kind=$1 name=$2 dir=$3
shift 3

hostname "$name"
mount -t tmpfs -o mode=0755,size=256m "ktrdr-run-$name" /run
install -d -m 0755 /run/sshd /run/lock
mount --bind "$dir/resolv.conf" /etc/resolv.conf
mount --bind "$dir/etc-docker" /etc/docker
if [[ $kind == host ]]; then
  mount -t tmpfs -o mode=1777 "ktrdr-tmp-$name" /tmp
  mount -t tmpfs -o mode=1777 "ktrdr-shm-$name" /dev/shm
  mount --bind "$dir/opt" /opt
  mount --bind "$dir/home" /root
  mount -t tmpfs -o mode=0755 "ktrdr-mnt-$name" /mnt
  mount -t tmpfs -o mode=0755 "ktrdr-srv-$name" /srv
  while (($# >= 2)); do
    install -d -m 0755 "$2"
    mount --bind "$1" "$2"
    shift 2
  done
fi
echo $$ >"$dir/anchor.pid.new"
mv "$dir/anchor.pid.new" "$dir/anchor.pid"
exec sleep infinity
