#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-only
# The receiving end of xl's migration transport on the two-host rig
# (tests/xen/rig2.sh): TEST RIG ONLY, never to be run on a real network.
# In dom0 B, the migration scenario runs
#     nc -l -p 8002 -e /xenplm/migrate-listen.sh
# which accepts one connection, from migrate-nc.sh in dom0 A, and runs
# this with the connection on stdin and stdout: `xl migrate-receive`, as
# ssh would run it.  It is an unauthenticated listener, which is why it
# listens only on the virtual link between the rig's two QEMUs, only for
# the one migration the scenario waits for.
# Notes when the connection came (dom0's uptime) in /run/migrate.accepted,
# for the scenario's timing.
read -r up _ </proc/uptime
echo "$up" >/run/migrate.accepted
exec xl migrate-receive
