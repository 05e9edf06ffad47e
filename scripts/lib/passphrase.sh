# The passphrase that guards the secrets in the lab's state (sourced by scripts/lab.sh).
#
# The user's own wins: PULUMI_CONFIG_PASSPHRASE or PULUMI_CONFIG_PASSPHRASE_FILE, when set. Otherwise a random
# passphrase made for this user on first use, in a 0600 file beside the state, exported as
# PULUMI_CONFIG_PASSPHRASE_FILE. Stacks made before it, under the old documented default `calico-lab`, stay
# readable: lab_passphrase_for_stack detects them, keeps using the old default for them and says how to move them.

LAB_OLD_DEFAULT_PASSPHRASE=calico-lab

# lab_passphrase FILE: sets the passphrase for this run; makes FILE (0600) when it is missing.
lab_passphrase() {
  local file=$1
  if [ -n "${PULUMI_CONFIG_PASSPHRASE_FILE:-}" ] || [ -n "${PULUMI_CONFIG_PASSPHRASE+set}" ]; then
    LAB_OWN_PASSPHRASE=false
    return 0
  fi
  LAB_OWN_PASSPHRASE=true
  if [ ! -s "$file" ]; then
    mkdir -p "$(dirname "$file")"
    (
      umask 077
      head -c 32 /dev/urandom | base64 | tr -d '\n' >"$file.tmp.$$"
      mv "$file.tmp.$$" "$file"
    )
  fi
  [ -O "$file" ] || { echo "calico-lab: the state passphrase file $file is not yours: remove it, or set PULUMI_CONFIG_PASSPHRASE_FILE" >&2; return 1; }
  chmod 600 "$file"
  export PULUMI_CONFIG_PASSPHRASE_FILE=$file
}

# lab_passphrase_for_stack STACK WORKDIR: a stack whose secrets the generated passphrase cannot open, but the old
# default can, keeps the old default for this run; says exactly how to move it to the generated one.
lab_passphrase_for_stack() {
  local stack=$1 work=$2
  [ "$LAB_OWN_PASSPHRASE" = true ] || return 0
  pulumi stack export --stack "$stack" --show-secrets >/dev/null 2>&1 && return 0
  PULUMI_CONFIG_PASSPHRASE_FILE='' PULUMI_CONFIG_PASSPHRASE=$LAB_OLD_DEFAULT_PASSPHRASE \
    pulumi stack export --stack "$stack" --show-secrets >/dev/null 2>&1 || return 0
  cat >&2 <<MSG
calico-lab: stack $stack was made with the old default passphrase '$LAB_OLD_DEFAULT_PASSPHRASE', which every reader
of the README knows; this run keeps using it for that stack. To move the stack to your own generated passphrase
($PULUMI_CONFIG_PASSPHRASE_FILE), run once (it asks for the new passphrase: paste the file's contents):
  PULUMI_BACKEND_URL='${PULUMI_BACKEND_URL:-}' PULUMI_CONFIG_PASSPHRASE=$LAB_OLD_DEFAULT_PASSPHRASE \\
    pulumi stack change-secrets-provider passphrase --stack $stack --cwd '$work'
or take the lab down and remove the stack (npm run lab:down -- $stack; bash scripts/lab.sh rm $stack).
MSG
  unset PULUMI_CONFIG_PASSPHRASE_FILE
  export PULUMI_CONFIG_PASSPHRASE=$LAB_OLD_DEFAULT_PASSPHRASE
}
