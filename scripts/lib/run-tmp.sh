# A temporary folder of the run's own for everything scripts/lab.sh starts (sourced by scripts/lab.sh).
#
# Pulumi's Kubernetes provider (4.25.0, writeKubeconfigToFile) writes the inline kubeconfig it is given (a kdd
# lab's admin client key) to a file it makes with Go's os.CreateTemp in $TMPDIR and never removes: with /tmp that
# key outlived the run and the lab. Pointing TMPDIR at a 0700 folder of the run's own, removed when the run ends
# (normally, on failure, or interrupted), takes those files and anything else the run's tools leave with it.

# lab_run_tmpdir BASE: makes BASE/run-<pid>.XXXXXX (0700, in BASE made 0700), exports it as TMPDIR and removes it
# when this shell exits. Folders of earlier runs whose process is gone (killed outright, so no trap ran) go first.
lab_run_tmpdir() {
  local base=$1 old pid
  mkdir -p "$base"
  chmod 700 "$base"
  for old in "$base"/run-*; do
    [ -d "$old" ] || continue
    pid=${old##*/run-}
    pid=${pid%%.*}
    kill -0 "$pid" 2>/dev/null || rm -rf "$old"
  done
  LAB_RUN_TMPDIR=$(mktemp -d "$base/run-$$.XXXXXX")
  chmod 700 "$LAB_RUN_TMPDIR"
  export TMPDIR=$LAB_RUN_TMPDIR
  trap 'rm -rf "$LAB_RUN_TMPDIR"' EXIT
  # A signal ends the run through exit, so that the EXIT trap runs; bash runs these only once the command in the
  # foreground (pulumi, cancelling on Ctrl-C) has returned, so the folder is never taken from under it.
  trap 'exit 129' HUP
  trap 'exit 130' INT
  trap 'exit 143' TERM
}
