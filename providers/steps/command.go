package main

import (
	"crypto/rand"
	"fmt"
	"math/big"
	"strconv"
	"strings"
	"time"

	pulumirpc "github.com/pulumi/pulumi/sdk/v3/proto/go"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/known/structpb"
)

// commandType: a step of the lab (components/lab/host-command.ts).
const commandType = "calicolab-steps:index:HostCommand"

// hostStepDeadline: a step without a wait of its own (downloads, builds, image copies) that runs longer is wedged.
const hostStepDeadline = 3600 * time.Second

var (
	// replaceOn: any change of these replaces the command (delete first, then create).
	replaceOn = []string{"create", "delete", "triggers"}
	// replaceOnWithUpdate: with an `update` script, only the triggers replace; a changed script runs in place.
	replaceOnWithUpdate = []string{"triggers"}
	scripts             = []string{"create", "delete", "update"}
)

// hostCommand: a bash script run when it is created, another when it is deleted, an optional one in place of a
// replacement (`update`) and one on refresh (`read`).
type hostCommand struct{}

// diff: with an `update` script only the triggers replace, else any of create, delete and triggers; a change of
// any script or of `read` is a change (an update); nothing else is (timeoutSeconds alone changes nothing).
func (hostCommand) diff(olds, news *structpb.Struct) *pulumirpc.DiffResponse {
	changed := func(key string) bool { return !proto.Equal(field(olds, key), field(news, key)) }
	on := replaceOn
	if truthy(field(news, "update")) {
		on = replaceOnWithUpdate
	}
	replaces := changedIn(olds, news, on)
	diffs := changedIn(olds, news, []string{"create", "delete", "update", "read", "triggers"})
	changes := pulumirpc.DiffResponse_DIFF_NONE
	if len(replaces) > 0 || changed("read") || anyChanged(scripts, changed) {
		changes = pulumirpc.DiffResponse_DIFF_SOME
	}
	return &pulumirpc.DiffResponse{Changes: changes, Replaces: replaces, Diffs: diffs, DeleteBeforeReplace: true}
}

func (hostCommand) create(props *structpb.Struct) (string, *structpb.Struct, error) {
	stdout, err := bash(text(props, "create"), "create", props)
	if err != nil {
		return "", nil, err
	}
	return newID(), with(props, "stdout", structpb.NewStringValue(stdout)), nil
}

// read: without a `read` script the command stays as it is; with one, exit 0 keeps it and any other exit drops
// it from the state (it is gone: the next up creates it again).
func (hostCommand) read(_ string, props *structpb.Struct) (*structpb.Struct, error) {
	read := text(props, "read")
	if read == "" {
		return props, nil
	}
	result, err := runScript(read, deadlineOf(props), "read")
	if err != nil {
		return nil, err
	}
	if result.code != 0 {
		return nil, nil
	}
	return props, nil
}

// update runs the `update` script when a script changed (its stdout is the new `stdout`), else keeps `stdout`.
func (hostCommand) update(olds, news *structpb.Struct) (*structpb.Struct, error) {
	stdout := text(olds, "stdout")
	scriptsChanged := anyChanged(scripts, func(key string) bool { return !proto.Equal(field(olds, key), field(news, key)) })
	if update := text(news, "update"); update != "" && scriptsChanged {
		out, err := bash(update, "update", news)
		if err != nil {
			return nil, err
		}
		stdout = out
	}
	return with(news, "stdout", structpb.NewStringValue(stdout)), nil
}

func (hostCommand) delete(_ string, props, _ *structpb.Struct) error {
	if script := text(props, "delete"); script != "" {
		if _, err := bash(script, "delete", props); err != nil {
			return err
		}
	}
	return nil
}

// bash runs one of the command's scripts; a non-zero exit fails the step with the last lines it said.
func bash(script, step string, props *structpb.Struct) (string, error) {
	result, err := runScript(script, deadlineOf(props), step)
	if err != nil {
		return "", err
	}
	if result.code != 0 {
		return "", fmt.Errorf("%s failed (exit %d):\n%s", step, result.code, lastLines(result, 20))
	}
	return result.stdout, nil
}

// lastLines: what a failed command said, stderr else stdout, its last lines only, so that the error stays readable.
func lastLines(result runResult, n int) string {
	lines := strings.Split(said(result), "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, "\n")
}

// said: what a command said, its stderr, else its stdout.
func said(result runResult) string {
	if text := strings.TrimSpace(result.stderr); text != "" {
		return text
	}
	return strings.TrimSpace(result.stdout)
}

// deadlineOf: a step's own wait (timeoutSeconds) plus a margin of as long again, at most a minute; without a
// wait of its own, hostStepDeadline.
func deadlineOf(props *structpb.Struct) time.Duration {
	seconds := field(props, "timeoutSeconds").GetNumberValue()
	if seconds <= 0 {
		return hostStepDeadline
	}
	return time.Duration((seconds + min(seconds, 60)) * float64(time.Second))
}

// newID: cmd-<milliseconds, base 36>-<6 random base-36 digits>, the form the dynamic provider gave its commands.
func newID() string {
	n, err := rand.Int(rand.Reader, big.NewInt(36*36*36*36*36*36))
	if err != nil {
		n = big.NewInt(time.Now().UnixNano() % (36 * 36 * 36 * 36 * 36 * 36))
	}
	suffix := strconv.FormatInt(n.Int64(), 36)
	return fmt.Sprintf("cmd-%s-%s%s", strconv.FormatInt(time.Now().UnixMilli(), 36), strings.Repeat("0", 6-len(suffix)), suffix)
}
