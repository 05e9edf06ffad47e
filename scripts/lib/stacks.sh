# Stack lookups of scripts/lab.sh.

# lab_stack_exists STACK: exit 0 when the backend has the stack, 1 when it does not; a `pulumi stack ls` that
# fails (a backend folder it cannot read, a broken state) stops the run with what it said, never reads as "no stack".
lab_stack_exists() {
  local stack=$1 listed err
  err=$(mktemp)
  if ! listed=$(pulumi stack ls --json 2>"$err"); then
    echo "calico-lab: cannot list the stacks on ${PULUMI_BACKEND_URL:-the backend} (pulumi stack ls failed):" >&2
    cat "$err" >&2
    rm -f "$err"
    exit 1
  fi
  rm -f "$err"
  printf '%s\n' "$listed" | grep "\"name\": \"$stack\"" >/dev/null
}
