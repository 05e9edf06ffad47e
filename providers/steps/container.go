package main

import (
	"fmt"
	"regexp"
	"strings"
	"time"

	pulumirpc "github.com/pulumi/pulumi/sdk/v3/proto/go"
	"google.golang.org/protobuf/types/known/structpb"
)

// containerType: a node of the docker substrate (components/substrates/docker/container.ts).
const containerType = "calicolab-steps:index:DockerContainer"

var (
	// containerReplaceOn: the container's settings; a change makes it anew (deleting first: its name and address are taken).
	containerReplaceOn = []string{
		"name", "image", "hostname", "network", "ipv4Address", "env", "capAdd", "securityOpt", "sysctls", "labels",
		"command", "entrypoint",
	}
	// containerInPlace: changed on the running container (update). runArgv and readyArgv are what the lab derives
	// from the settings above, so they are no change of their own.
	containerInPlace = []string{"readiness", "restartPolicy"}
	noSuchContainer  = regexp.MustCompile(`(?i)No such container`)
)

// dockerContainer: created with the lab's `docker run` (runArgv) and waited for (readyArgv) on create, looked up on
// refresh (one removed or stopped by hand drops out of the state, so the next up brings it back), replaced when any
// setting but its restart policy and readiness wait changes, and removed with its anonymous volumes on delete.
type dockerContainer struct{}

func (dockerContainer) diff(olds, news *structpb.Struct) *pulumirpc.DiffResponse {
	d := replacing(changedIn(olds, news, containerReplaceOn), true)
	if inPlace := changedIn(olds, news, containerInPlace); len(inPlace) > 0 {
		d.Changes, d.Diffs = pulumirpc.DiffResponse_DIFF_SOME, append(d.Diffs, inPlace...)
	}
	return d
}

func (dockerContainer) create(news *structpb.Struct) (string, *structpb.Struct, error) {
	name := text(news, "name")
	if err := removeOwnLeftover(name, textMap(news, "labels")); err != nil {
		return "", nil, err
	}
	out, err := mustRun(texts(news, "runArgv"), "starting node container "+name)
	if err != nil {
		return "", nil, err
	}
	if readiness := field(news, "readiness").GetStructValue(); readiness != nil {
		if err := awaitReady(name, readiness, texts(news, "readyArgv")); err != nil {
			return "", nil, err
		}
	}
	id := strings.TrimSpace(out)
	return id, with(news, "containerId", structpb.NewStringValue(id)), nil
}

// awaitReady polls the readiness command (readyArgv runs it inside the container until it passes or its time is
// up); a container that never gets ready is removed, and the error quotes its last log lines.
func awaitReady(name string, readiness *structpb.Struct, readyArgv []string) error {
	timeout := field(readiness, "timeoutSeconds").GetNumberValue()
	if ready, _ := poll(readyArgv, timeout, time.Second, "waiting for container "+name); ready {
		return nil
	}
	logs, _ := docker("logs", "--tail", "40", name)
	_, _ = docker("rm", "--force", "--volumes", name)
	return fmt.Errorf("container %s was not ready within %ss (%s kept failing); last log lines:\n%s%s",
		name, number(timeout), strings.Join(texts(readiness, "command"), " "), logs.stdout, logs.stderr)
}

// removeOwnLeftover: a container already named like ours is this stack's leftover (an interrupted up) and goes;
// anything else, another stack's node or a container the user made, is never touched: the create fails, naming it.
func removeOwnLeftover(name string, labels map[string]string) error {
	found, err := docker("inspect", "--type", "container", "--format", "{{json .Config.Labels}}", name)
	if err != nil || found.code != 0 {
		return err
	}
	if foreign, owner := foreignOwner(found.stdout, labels); foreign {
		return fmt.Errorf("container %s already exists and is not this lab's (%s); remove or rename it, or give this stack another name", name, owner)
	}
	_, err = docker("rm", "--force", "--volumes", name)
	return err
}

func (dockerContainer) read(id string, props *structpb.Struct) (*structpb.Struct, error) {
	inspected, err := docker("inspect", "--type", "container", "--format", "{{.Id}} {{.State.Running}}", text(props, "name"))
	if err != nil {
		return nil, err
	}
	if inspected.code != 0 || strings.TrimSpace(inspected.stdout) != id+" true" {
		return nil, nil
	}
	return props, nil
}

// update, on the running container: a new restart policy with `docker update`; a new readiness wait needs nothing.
func (dockerContainer) update(olds, news *structpb.Struct) (*structpb.Struct, error) {
	if policy := text(news, "restartPolicy"); policy != text(olds, "restartPolicy") {
		if policy == "" {
			policy = "no"
		}
		name := text(news, "name")
		if _, err := mustRun([]string{"docker", "update", "--restart", policy, name}, "setting the restart policy of "+name); err != nil {
			return nil, err
		}
	}
	return with(news, "containerId", field(olds, "containerId")), nil
}

func (dockerContainer) delete(_ string, props, _ *structpb.Struct) error {
	name := text(props, "name")
	removed, err := docker("rm", "--force", "--volumes", name)
	if err != nil {
		return err
	}
	// A container that stayed on the engine would leave the state all the same, out of reach of the next destroy.
	if removed.code != 0 && !noSuchContainer.MatchString(removed.stderr) {
		return fmt.Errorf("removing container %s failed (exit %d): %s", name, removed.code, said(removed))
	}
	return nil
}
