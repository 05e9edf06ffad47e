#!/usr/bin/env bash
# Installs the calicolab package's provider plugin (package/), and the plugin of the lab's steps it uses
# (calicolab-steps, scripts/offline/steps-provider.sh), into Pulumi's plugin folder ($PULUMI_HOME,
# the offline build's when its env.sh is there), so that any Pulumi program on this machine, in any
# language, can use calicolab:index:CalicoLab. The plugin installed is a launcher of this checkout's
# package/pulumi-resource-calicolab: run this again after moving the checkout.
# Usage: scripts/package/install.sh   (npm run package:install)
set -euo pipefail
repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
cache=${CALICO_LAB_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/calico-lab}
# The offline toolchain, unless PATH already has a Pulumi CLI or the caller chose a PULUMI_HOME.
if ! command -v pulumi >/dev/null && [[ -f $cache/env.sh ]]; then
  keep_home=${PULUMI_HOME:-}
  # shellcheck source=/dev/null
  source "$cache/env.sh"
  [[ -z $keep_home ]] || export PULUMI_HOME=$keep_home
fi
version=$(node -p 'require(process.argv[1]).version' "$repo/package/package.json")
launcher_dir=$(mktemp -d)
trap 'rm -rf "$launcher_dir"' EXIT
printf '#!/usr/bin/env bash\nexec %q "$@"\n' "$repo/package/pulumi-resource-calicolab" >"$launcher_dir/pulumi-resource-calicolab"
chmod 0755 "$launcher_dir/pulumi-resource-calicolab"
pulumi plugin rm resource calicolab "$version" --yes >/dev/null 2>&1 || true
pulumi plugin install resource calicolab "$version" --file "$launcher_dir/pulumi-resource-calicolab"
echo "calicolab $version: installed for PULUMI_HOME=${PULUMI_HOME:-~/.pulumi}, running $repo/package"
# The lab's steps run on the calicolab-steps provider plugin (Go, providers/steps): built if needed, installed there too.
PULUMI_HOME="${PULUMI_HOME:-$HOME/.pulumi}" bash "$repo/scripts/offline/steps-provider.sh"
