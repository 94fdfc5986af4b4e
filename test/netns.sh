#!/bin/sh
# Runs a command in a private network namespace with a veth pair (10.99.0.1 <-> 10.99.0.2) that
# exists only inside it: Chromium never uses 127.0.0.1 for WebRTC, and nothing here can leave the
# machine. Needs root (CI runs as root); `npm test` wraps Playwright in it.
exec unshare -n sh -c 'ip link set lo up; ip link add v0 type veth peer name v1; ip addr add 10.99.0.1/24 dev v0; ip addr add 10.99.0.2/24 dev v1; ip link set v0 up; ip link set v1 up; ip route add default via 10.99.0.2 dev v0; exec "$@"' sh "$@"
