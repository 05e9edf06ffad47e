#!/usr/bin/env bash
# Builds the Pulumi toolchain from the Go module proxy (nothing else is downloaded) into
# $CALICO_LAB_CACHE, so that `pulumi up` of the project's TypeScript programs runs offline:
#   bin/pulumi                          Pulumi CLI v3.248.0 (= the project's pinned @pulumi/pulumi)
#   bin/pulumi-language-nodejs          Node.js language host
#   bin/pulumi-resource-pulumi-nodejs   shim that runs dynamic providers (copied from the sdk module)
#   bin/pulumi-language-yaml            Pulumi YAML language host (pulumi-yaml v1.25.0)
#   pulumi-home/plugins/...command-v1.2.1  command provider (what @pulumi/command 1.2.1 asks for)
#   env.sh                              PATH, PULUMI_HOME and the no-download settings
# Idempotent: every piece records what it was built from in $CALICO_LAB_CACHE/stamps and is
# skipped while its output and stamp are unchanged, so a second run takes seconds.
#
# Usage: scripts/offline/pulumi-toolchain.sh [--check] [--require-command]
#   --check            build nothing; print what is installed; exit 1 if a piece is missing or wrong
#   --require-command  treat a missing command provider as a failure (exit 3; with --check, exit 1).
#                      Without it the command provider is optional: the bird lab runs its host steps
#                      through its own dynamic provider; only the kind scenarios (kdd, calico-vpp) need it.
#
# What the Go module proxy serves (checked 2026-11-23; the proxy refuses version lists, so every
# version below is an exact one):
# - github.com/pulumi/pulumi/pkg/v3@v3.248.0 is served, but the checksum database behind the proxy
#   has no record of it (lookup 404), so that one module is exempted with GONOSUMDB and verified
#   instead against the go.sum lines pinned below. Those hashes are what the proxy served; the
#   zip's files were compared blob by blob with the git tree of tag pkg/v3.248.0 (dc7edd58) and
#   matched. Every other module is checked against the checksum database as usual.
# - pulumi-language-nodejs/v3 has no tags; its pseudo-version at the v3.248.0 release commit
#   (a88168d8, tags v3.248.0 and sdk/v3.248.0) is refused (403), as is every other form tried
#   (commit hash, other release commits). It is tried first all the same; when refused, the
#   language host is built from sdk/v3@v3.68.0, the last sdk release whose module still contained
#   nodejs/cmd/pulumi-language-nodejs (it became its own module in v3.69.0). The v3.248.0 CLI
#   talks to such an older host through its documented fallbacks (GetRequiredPlugins instead of
#   GetRequiredPackages, no Handshake); the Node.js program itself runs on the npm SDK 3.248.0.
# - github.com/pulumi/pulumi-command/provider has no tags either; its pseudo-version at the
#   v1.2.1 tag commit (7f3eb6f3) is refused (403), so the command provider can't be built here.
#   The script still tries it first (a proxy that serves it one day makes it work) and otherwise
#   says so, and fails only with --require-command.
source "$(dirname "$0")/lib.sh"

PULUMI_VERSION=v3.248.0
# github.com/pulumi/pulumi tag v3.248.0 (= sdk/v3.248.0); pkg/v3.248.0 is the next-but-one commit
# dc7edd58 ("Changelog and go.mod updates for v3.248.0").
PULUMI_RELEASE_COMMIT=a88168d865b7fd428e5a929cc54aeceaf72d203f
LANGHOST_MODULE=github.com/pulumi/pulumi/sdk/nodejs/cmd/pulumi-language-nodejs/v3
LANGHOST_PSEUDO=v3.0.0-20260624120734-a88168d865b7
LANGHOST_FALLBACK_SDK=v3.68.0
COMMAND_VERSION=1.2.1
# github.com/pulumi/pulumi-command tag v1.2.1
COMMAND_COMMIT=7f3eb6f3b77cd0fa3895ba437a695dd393f7dd25
COMMAND_MODULE=github.com/pulumi/pulumi-command/provider
COMMAND_PSEUDO=v0.0.0-20260303235922-7f3eb6f3b77c
# pkg/v3@v3.248.0 replaces atotto/clipboard; the wrapper copies that pin.
CLIPBOARD_REPLACE='github.com/atotto/clipboard => github.com/tgummerer/clipboard v0.0.0-20241001131231-d02d263e614e'
PKG_SUMS='github.com/pulumi/pulumi/pkg/v3 v3.248.0 h1:MkvI29cYE3QUEvSl+7kZrV5lQ6CBIt54WjYt2HEXDSg=
github.com/pulumi/pulumi/pkg/v3 v3.248.0/go.mod h1:NBqXwZgQ9XVbqBQrxzrPPHttFCXg2Qe9rIZP/0NGMOk='
VERSION_PKG=github.com/pulumi/pulumi/sdk/v3/go/common/version.Version

BIN="$CALICO_LAB_CACHE/bin"
STAMPS="$CALICO_LAB_CACHE/stamps"
WRAPPERS="$CALICO_LAB_CACHE/wrappers"
export PULUMI_HOME="$CALICO_LAB_CACHE/pulumi-home"
export PULUMI_SKIP_UPDATE_CHECK=true
export PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION=true
export CGO_ENABLED=0
mkdir -p "$STAMPS" "$WRAPPERS" "$PULUMI_HOME"

check=false
require_command=false
for arg in "$@"; do
  case $arg in
    --check) check=true ;;
    --require-command) require_command=true ;;
    *) echo "usage: $0 [--check] [--require-command]" >&2; exit 2 ;;
  esac
done

go_build_env
# The recipes (stamps/NAME.stamp, lib.sh's stamp_ok) hold every input: module@version, ldflags,
# cgo, Go and the wrapper's go.mod (gomod_sum).
gomod_sum() { printf '%s\n' "$1" | sha256sum | cut -c1-16; }

# Stamps written before the recipe held Go and the wrapper's go.mod (stamps/NAME, the recipe
# without those fields) are taken over without a rebuild when nothing changed: the binary says
# this Go built it and the wrapper's go.mod.in is the current text.
legacy_stamp_same() { # name legacy-recipe binary wrapper-dir gomod
  [[ -f $STAMPS/$1 && "$(cat "$STAMPS/$1")" == "$2" && -e $3 ]] || return 1
  [[ "$(go version "$3" 2>/dev/null)" == "$3: $GO_VERSION" ]] || return 1
  [[ -f $4/go.mod.in && "$(cat "$4/go.mod.in")" == "$5" ]] || return 1
}
legacy_stamp_adopt() { # name legacy-recipe recipe binary wrapper-dir gomod
  legacy_stamp_same "$1" "$2" "$4" "$5" "$6" || return 1
  stamp_set "$STAMPS/$1.stamp" "$3"
  echo "    $1: stamp taken over from $STAMPS/$1 (same inputs, now with Go and go.mod recorded)"
}

# go_build WRAPPERDIR OUT PACKAGE LDFLAGS: builds into OUT.tmp, then renames (no half binaries).
go_build() {
  (cd "$1" && go build -trimpath -ldflags "$4" -o "$2.tmp" "$3") && mv -f "$2.tmp" "$2"
}

# write_gomod DIR CONTENT: (re)writes DIR/go.mod only when it changed, so go's additions survive.
write_gomod() {
  mkdir -p "$1"
  if [[ ! -f $1/go.mod.in || "$(cat "$1/go.mod.in")" != "$2" ]]; then
    printf '%s\n' "$2" >"$1/go.mod.in"
    printf '%s\n' "$2" >"$1/go.mod"
    rm -f "$1/go.sum"
  fi
}

# --- 1. Pulumi CLI --------------------------------------------------------------------------------
CLI_DIR="$WRAPPERS/pulumi-cli"
CLI_GOMOD="module calico-lab/pulumi-toolchain

go 1.25.11

require (
	github.com/pulumi/pulumi/pkg/v3 $PULUMI_VERSION
	github.com/pulumi/pulumi/sdk/v3 $PULUMI_VERSION
)

replace $CLIPBOARD_REPLACE"
CLI_LDFLAGS="-s -w -X $VERSION_PKG=$PULUMI_VERSION"
CLI_RECIPE_V1="github.com/pulumi/pulumi/pkg/v3/cmd/pulumi@$PULUMI_VERSION ldflags=$CLI_LDFLAGS cgo=0"
CLI_RECIPE="$CLI_RECIPE_V1 go=$GO_VERSION gomod=$(gomod_sum "$CLI_GOMOD")"

cli_prepare() {
  write_gomod "$CLI_DIR" "$CLI_GOMOD"
  touch "$CLI_DIR/go.sum"
  while IFS= read -r line; do
    grep -qxF "$line" "$CLI_DIR/go.sum" || printf '%s\n' "$line" >>"$CLI_DIR/go.sum"
  done <<<"$PKG_SUMS"
  (cd "$CLI_DIR" && export GONOSUMDB=github.com/pulumi/pulumi/pkg/v3 &&
    go mod download github.com/pulumi/pulumi/pkg/v3 github.com/pulumi/pulumi/sdk/v3)
}

cli_build() {
  (export GONOSUMDB=github.com/pulumi/pulumi/pkg/v3
    go_build "$CLI_DIR" "$BIN/pulumi" github.com/pulumi/pulumi/pkg/v3/cmd/pulumi "$CLI_LDFLAGS")
}

build_cli() {
  if stamp_ok "$STAMPS/pulumi-cli.stamp" "$CLI_RECIPE" "$BIN/pulumi" ||
    legacy_stamp_adopt pulumi-cli "$CLI_RECIPE_V1" "$CLI_RECIPE" "$BIN/pulumi" "$CLI_DIR" "$CLI_GOMOD"; then
    echo "==> pulumi-cli: up to date ($("$BIN/pulumi" version))"
    return
  fi
  step pulumi-cli-download cli_prepare
  step pulumi-cli-build cli_build
  local got
  got=$("$BIN/pulumi" version)
  [[ $got == "$PULUMI_VERSION" ]] || { echo "pulumi version printed '$got', expected $PULUMI_VERSION" >&2; return 1; }
  stamp_set "$STAMPS/pulumi-cli.stamp" "$CLI_RECIPE"
}

# --- 2. Node.js language host ---------------------------------------------------------------------
LH_EXACT_DIR="$WRAPPERS/pulumi-language-nodejs"
LH_EXACT_GOMOD="module calico-lab/pulumi-language-nodejs

go 1.25.11

require (
	$LANGHOST_MODULE $LANGHOST_PSEUDO
	github.com/pulumi/pulumi/pkg/v3 $PULUMI_VERSION
	github.com/pulumi/pulumi/sdk/v3 $PULUMI_VERSION
)

replace $CLIPBOARD_REPLACE"
LH_EXACT_RECIPE="$LANGHOST_MODULE@$LANGHOST_PSEUDO ldflags=-s -w -X $VERSION_PKG=$PULUMI_VERSION cgo=0 go=$GO_VERSION gomod=$(gomod_sum "$LH_EXACT_GOMOD")"
LH_FB_DIR="$WRAPPERS/pulumi-language-nodejs-$LANGHOST_FALLBACK_SDK"
LH_FB_GOMOD="module calico-lab/pulumi-language-nodejs-fallback

go 1.18

require github.com/pulumi/pulumi/sdk/v3 $LANGHOST_FALLBACK_SDK

replace golang.org/x/text => golang.org/x/text v0.3.6"
LH_FB_RECIPE_V1="github.com/pulumi/pulumi/sdk/v3/nodejs/cmd/pulumi-language-nodejs@$LANGHOST_FALLBACK_SDK ldflags=-s -w -X $VERSION_PKG=$LANGHOST_FALLBACK_SDK cgo=0"
LH_FB_RECIPE="$LH_FB_RECIPE_V1 go=$GO_VERSION gomod=$(gomod_sum "$LH_FB_GOMOD")"

langhost_probe_exact() {
  (cd "$CLI_DIR" && go mod download -json "$LANGHOST_MODULE@$LANGHOST_PSEUDO")
}

langhost_build_exact() {
  write_gomod "$LH_EXACT_DIR" "$LH_EXACT_GOMOD"
  touch "$LH_EXACT_DIR/go.sum"
  while IFS= read -r line; do
    grep -qxF "$line" "$LH_EXACT_DIR/go.sum" || printf '%s\n' "$line" >>"$LH_EXACT_DIR/go.sum"
  done <<<"$PKG_SUMS"
  (export GONOSUMDB=github.com/pulumi/pulumi/pkg/v3
    go_build "$LH_EXACT_DIR" "$BIN/pulumi-language-nodejs" \
      "$LANGHOST_MODULE" "-s -w -X $VERSION_PKG=$PULUMI_VERSION")
}

langhost_build_fallback() {
  write_gomod "$LH_FB_DIR" "$LH_FB_GOMOD"
  go_build "$LH_FB_DIR" "$BIN/pulumi-language-nodejs" \
    github.com/pulumi/pulumi/sdk/v3/nodejs/cmd/pulumi-language-nodejs \
    "-s -w -X $VERSION_PKG=$LANGHOST_FALLBACK_SDK"
}

build_langhost() {
  if stamp_ok "$STAMPS/pulumi-language-nodejs.stamp" "$LH_EXACT_RECIPE" "$BIN/pulumi-language-nodejs"; then
    echo "==> pulumi-language-nodejs: up to date ($LANGHOST_PSEUDO)"
    return
  fi
  # The exact host is tried on every run while only the fallback is installed (one proxy request).
  if step pulumi-language-nodejs-probe langhost_probe_exact 2>/dev/null; then
    step pulumi-language-nodejs-build langhost_build_exact
    stamp_set "$STAMPS/pulumi-language-nodejs.stamp" "$LH_EXACT_RECIPE"
    return
  fi
  echo "    the proxy does not serve $LANGHOST_MODULE@$LANGHOST_PSEUDO" \
    "(see $CALICO_LAB_LOGS/pulumi-language-nodejs-probe.log);" \
    "using the language host of sdk/v3@$LANGHOST_FALLBACK_SDK"
  if stamp_ok "$STAMPS/pulumi-language-nodejs.stamp" "$LH_FB_RECIPE" "$BIN/pulumi-language-nodejs" ||
    legacy_stamp_adopt pulumi-language-nodejs "$LH_FB_RECIPE_V1" "$LH_FB_RECIPE" "$BIN/pulumi-language-nodejs" "$LH_FB_DIR" "$LH_FB_GOMOD"; then
    echo "==> pulumi-language-nodejs: up to date ($LANGHOST_FALLBACK_SDK fallback)"
    return
  fi
  step pulumi-language-nodejs-fallback-build langhost_build_fallback
  stamp_set "$STAMPS/pulumi-language-nodejs.stamp" "$LH_FB_RECIPE"
}

# --- 3. dynamic provider shim ---------------------------------------------------------------------
# The shim's source: the file of that name in the sdk module the CLI is built with.
shim_source() {
  local dir
  dir=$(module_dir "github.com/pulumi/pulumi/sdk/v3@$PULUMI_VERSION") || return 1
  echo "$dir/nodejs/dist/pulumi-resource-pulumi-nodejs"
}

install_dynamic_shim() {
  local src
  src=$(shim_source)
  [[ -f $src ]] || { echo "missing $src" >&2; return 1; }
  if ! cmp -s "$src" "$BIN/pulumi-resource-pulumi-nodejs"; then
    install -m 0755 "$src" "$BIN/pulumi-resource-pulumi-nodejs"
  fi
  echo "==> pulumi-resource-pulumi-nodejs: from $src"
}

# --- 4. command provider plugin -------------------------------------------------------------------
CMD_DIR="$WRAPPERS/pulumi-resource-command"
CMD_GOMOD="module calico-lab/pulumi-resource-command

go 1.25.0

require $COMMAND_MODULE $COMMAND_PSEUDO"
CMD_LDFLAGS="-s -w -X $COMMAND_MODULE/pkg/version.Version=$COMMAND_VERSION"
CMD_RECIPE="$COMMAND_MODULE@$COMMAND_PSEUDO ldflags=$CMD_LDFLAGS cgo=0 go=$GO_VERSION gomod=$(gomod_sum "$CMD_GOMOD")"
CMD_OUT="$CALICO_LAB_CACHE/plugins-src/pulumi-resource-command-v$COMMAND_VERSION"

command_installed() {
  "$BIN/pulumi" plugin ls --json 2>/dev/null | node -e '
    const want = process.argv[1];
    const ls = JSON.parse(require("fs").readFileSync(0, "utf8") || "[]");
    process.exit(ls.some(p => p.name === "command" && p.kind === "resource" && p.version === want) ? 0 : 1);' \
    "$COMMAND_VERSION"
}

command_build() {
  write_gomod "$CMD_DIR" "$CMD_GOMOD"
  mkdir -p "$(dirname "$CMD_OUT")"
  go_build "$CMD_DIR" "$CMD_OUT" "$COMMAND_MODULE/cmd/pulumi-resource-command" "$CMD_LDFLAGS"
  "$BIN/pulumi" plugin rm resource command "$COMMAND_VERSION" --yes >/dev/null 2>&1 || true
  "$BIN/pulumi" plugin install resource command "$COMMAND_VERSION" --file "$CMD_OUT"
}

build_command() {
  if stamp_ok "$STAMPS/pulumi-resource-command.stamp" "$CMD_RECIPE" "$CMD_OUT" && command_installed; then
    echo "==> pulumi-resource-command: up to date ($COMMAND_VERSION)"
    return 0
  fi
  if ! step pulumi-resource-command-probe \
    bash -c 'cd "$1" && go mod download -json "$2"' _ "$CLI_DIR" "$COMMAND_MODULE@$COMMAND_PSEUDO" 2>/dev/null; then
    echo "    the proxy does not serve $COMMAND_MODULE@$COMMAND_PSEUDO (tag v$COMMAND_VERSION," \
      "commit $COMMAND_COMMIT): the command provider can't be built here;" \
      "see $CALICO_LAB_LOGS/pulumi-resource-command-probe.log" >&2
    return 1
  fi
  step pulumi-resource-command-build command_build
  stamp_set "$STAMPS/pulumi-resource-command.stamp" "$CMD_RECIPE"
}

# --- 5. YAML language host -----------------------------------------------------------------------
# Runs Pulumi YAML programs (examples/yaml: the calicolab package used from YAML). pulumi-yaml v1.25.0
# (the newest the proxy serves) is built with the pkg/v3 and sdk/v3 its go.mod names: it does not
# compile against the CLI's v3.248.0 (schema.NewPluginLoader and plugin.NewContextWithRoot changed).
YAML_VERSION=v1.25.0
YAML_MODULE=github.com/pulumi/pulumi-yaml
YAML_DIR="$WRAPPERS/pulumi-language-yaml"
YAML_GOMOD="module calico-lab/pulumi-language-yaml

go 1.24.7

require $YAML_MODULE $YAML_VERSION"
YAML_LDFLAGS="-s -w -X $YAML_MODULE/pkg/version.Version=$YAML_VERSION"
YAML_RECIPE="$YAML_MODULE/cmd/pulumi-language-yaml@$YAML_VERSION ldflags=$YAML_LDFLAGS cgo=0 go=$GO_VERSION gomod=$(gomod_sum "$YAML_GOMOD")"

yaml_build() {
  write_gomod "$YAML_DIR" "$YAML_GOMOD"
  (cd "$YAML_DIR" && go mod download "$YAML_MODULE" && go_build "$YAML_DIR" "$BIN/pulumi-language-yaml" "$YAML_MODULE/cmd/pulumi-language-yaml" "$YAML_LDFLAGS")
}

build_yaml() {
  if stamp_ok "$STAMPS/pulumi-language-yaml.stamp" "$YAML_RECIPE" "$BIN/pulumi-language-yaml"; then
    echo "==> pulumi-language-yaml: up to date ($YAML_VERSION)"
    return
  fi
  step pulumi-language-yaml-build yaml_build
  stamp_set "$STAMPS/pulumi-language-yaml.stamp" "$YAML_RECIPE"
}

# --- 6. env.sh ------------------------------------------------------------------------------------
write_env() {
  local env_file="$CALICO_LAB_CACHE/env.sh" tmp
  tmp=$(mktemp "$env_file.XXXXXX")
  if [[ -f $env_file ]]; then
    awk '/^# >>> pulumi-toolchain$/{skip=1} !skip{print} /^# <<< pulumi-toolchain$/{skip=0}' "$env_file" >"$tmp"
  fi
  cat >>"$tmp" <<EOF
# >>> pulumi-toolchain
export PATH="$BIN:\$PATH"
export PULUMI_HOME="$PULUMI_HOME"
export PULUMI_SKIP_UPDATE_CHECK=true
export PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION=true
# <<< pulumi-toolchain
EOF
  chmod 0644 "$tmp"
  mv -f "$tmp" "$env_file"
  echo "==> env.sh: $env_file"
}

# --- 7. --check -----------------------------------------------------------------------------------
# replace_dep 'A => B VERSION': the expectation that dependency A was replaced by B at VERSION.
replace_dep() {
  local from to version
  read -r from _ to version <<<"$1"
  echo "dep=$from=$to@$version"
}

run_check() {
  local bad=0 v lh_stamp="" src
  if [[ -x $BIN/pulumi ]] && v=$("$BIN/pulumi" version 2>/dev/null) && [[ $v == "$PULUMI_VERSION" ]]; then
    echo "ok      pulumi version: $v"
  else
    echo "MISSING pulumi $PULUMI_VERSION (found: ${v:-nothing})"; bad=1
  fi
  # The stamps (what a build would write now), and what Go recorded in the binaries. The
  # language host is checked against the recipe its stamp names (exact or fallback).
  if [[ ! -f $STAMPS/pulumi-cli.stamp ]] && legacy_stamp_same pulumi-cli "$CLI_RECIPE_V1" "$BIN/pulumi" "$CLI_DIR" "$CLI_GOMOD"; then
    echo "ok      pulumi-cli stamp $STAMPS/pulumi-cli (older form, same inputs; the next build rewrites it)"
  else
    stamp_check pulumi-cli "$STAMPS/pulumi-cli.stamp" "$CLI_RECIPE" || bad=1
  fi
  [[ -f $STAMPS/pulumi-language-nodejs.stamp ]] && lh_stamp=$(cat "$STAMPS/pulumi-language-nodejs.stamp")
  if [[ $lh_stamp == "$LH_EXACT_RECIPE" ]]; then
    echo "ok      pulumi-language-nodejs stamp $STAMPS/pulumi-language-nodejs.stamp (exact)"
    lh_want="path=$LANGHOST_MODULE mod=$LANGHOST_MODULE@$LANGHOST_PSEUDO commit=$PULUMI_RELEASE_COMMIT dep=github.com/pulumi/pulumi/sdk/v3@$PULUMI_VERSION"
  else
    if [[ ! -f $STAMPS/pulumi-language-nodejs.stamp ]] && legacy_stamp_same pulumi-language-nodejs "$LH_FB_RECIPE_V1" \
      "$BIN/pulumi-language-nodejs" "$LH_FB_DIR" "$LH_FB_GOMOD"; then
      echo "ok      pulumi-language-nodejs stamp $STAMPS/pulumi-language-nodejs (older form, same inputs; the next build rewrites it)"
    else
      stamp_check pulumi-language-nodejs "$STAMPS/pulumi-language-nodejs.stamp" "$LH_FB_RECIPE" || bad=1
    fi
    echo "        (fallback: the proxy does not serve $LANGHOST_MODULE@$LANGHOST_PSEUDO)"
    lh_want="path=github.com/pulumi/pulumi/sdk/v3/nodejs/cmd/pulumi-language-nodejs mod=github.com/pulumi/pulumi/sdk/v3@$LANGHOST_FALLBACK_SDK $(replace_dep "${LH_FB_GOMOD##*replace }")"
  fi
  local common="go=$GO_VERSION setting=CGO_ENABLED=0 setting=-trimpath=true"
  {
    echo "pulumi $BIN/pulumi path=github.com/pulumi/pulumi/pkg/v3/cmd/pulumi mod=github.com/pulumi/pulumi/pkg/v3@$PULUMI_VERSION" \
      "dep=github.com/pulumi/pulumi/sdk/v3@$PULUMI_VERSION $(replace_dep "$CLIPBOARD_REPLACE") $common"
    echo "pulumi-language-nodejs $BIN/pulumi-language-nodejs $lh_want $common"
    echo "pulumi-language-yaml $BIN/pulumi-language-yaml path=$YAML_MODULE/cmd/pulumi-language-yaml mod=$YAML_MODULE@$YAML_VERSION" \
      "$common"
  } | go_builds_check || bad=1
  stamp_check pulumi-language-yaml "$STAMPS/pulumi-language-yaml.stamp" "$YAML_RECIPE" || bad=1
  # The dynamic provider shim: the same bytes as its source in the sdk module.
  if ! src=$(shim_source) || [[ ! -f $src ]]; then
    echo "WRONG BUILD: pulumi-resource-pulumi-nodejs: source: expected $src, found no such file" >&2; bad=1
  elif cmp -s "$src" "$BIN/pulumi-resource-pulumi-nodejs"; then
    echo "ok      pulumi-resource-pulumi-nodejs: the same bytes as $src"
  else
    echo "WRONG BUILD: pulumi-resource-pulumi-nodejs ($BIN/pulumi-resource-pulumi-nodejs): bytes: expected sha256" \
      "$(sha256sum <"$src" | cut -c1-16)... ($src), found $( [[ -f $BIN/pulumi-resource-pulumi-nodejs ]] &&
        sha256sum <"$BIN/pulumi-resource-pulumi-nodejs" | cut -c1-16)..." >&2
    bad=1
  fi
  if [[ -x $BIN/pulumi ]] && command_installed; then
    echo "ok      resource plugin command $COMMAND_VERSION (PULUMI_HOME=$PULUMI_HOME)"
  elif $require_command; then
    echo "MISSING resource plugin command $COMMAND_VERSION in \`pulumi plugin ls\` (PULUMI_HOME=$PULUMI_HOME)"; bad=1
  else
    echo "absent  resource plugin command $COMMAND_VERSION (optional: only the kind scenarios kdd and calico-vpp use it)"
  fi
  local env_file="$CALICO_LAB_CACHE/env.sh"
  if [[ -f $env_file ]] && grep -qx '# >>> pulumi-toolchain' "$env_file"; then
    echo "ok      env.sh block in $env_file"
  else
    echo "MISSING env.sh block in $env_file"; bad=1
  fi
  return "$bad"
}

if $check; then
  export GOPROXY=off
  run_check
  exit $?
fi

started=$SECONDS
build_cli
build_langhost
build_yaml
install_dynamic_shim
write_env
command_rc=0
build_command || command_rc=$?
echo "==> pulumi toolchain done in $((SECONDS - started))s; source $CALICO_LAB_CACHE/env.sh"
if ((command_rc != 0)); then
  if $require_command; then
    echo "    incomplete: the command provider plugin $COMMAND_VERSION is missing (--require-command given)" >&2
    exit 3
  fi
  echo "    note: no command provider plugin $COMMAND_VERSION; the bird lab does not need it," \
    "the kind scenarios (kdd, calico-vpp) do" >&2
fi
