#!/usr/bin/env bash
# Prints NODE_OPTIONS for Pulumi's Node processes (the language host, the lab's dynamic provider): they start
# without modules they never use (pulumi-lazy-modules.cjs, next to this script), then whatever NODE_OPTIONS
# the caller already had. The one place that says it: scripts/lab.sh, the end-to-end tests and the bench
# all take it from here.
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
printf '%s\n' "--require \"$here/pulumi-lazy-modules.cjs\"${NODE_OPTIONS:+ $NODE_OPTIONS}"
