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

# lab_state_dir URL: the folder of a file:// backend URL (its query, such as ?metadata=skip, dropped); nothing
# for other backends.
lab_state_dir() {
  case "$1" in file://*) local path=${1#file://}; printf '%s\n' "${path%%\?*}" ;; esac
}

# lab_state_repair DIR: a file backend's metadata sidecars (<file>.attrs) that a killed pulumi left empty go.
# The storage library Pulumi's file backend uses writes a sidecar in place (truncate, then write), so a kill in
# between leaves an empty one, and every later read of its stack fails with "failed to load checkpoint: EOF".
# A sidecar holds only a content type, which a missing one defaults to; lab.sh's own backend URL (metadata=skip)
# writes none, so this mends state that an older lab.sh, or a plain `pulumi`, wrote.
lab_state_repair() {
  local dir=$1/.pulumi f
  [ -d "$dir" ] || return 0
  while IFS= read -r -d '' f; do
    echo "calico-lab: removing $f, left empty by an interrupted pulumi (it made its stack unreadable: EOF)" >&2
    rm -f "$f"
  done < <(find "$dir" -name '*.attrs' -type f -size 0 -print0)
}
