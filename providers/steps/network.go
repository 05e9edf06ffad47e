package main

import (
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"time"

	pulumirpc "github.com/pulumi/pulumi/sdk/v3/proto/go"
	"google.golang.org/protobuf/types/known/structpb"
)

// networkType: the docker substrate's lab network (components/substrates/docker/network.ts).
const networkType = "calicolab-steps:index:DockerNetwork"

// bridgeMarker stands for the network's bridge in forwardingRules: the bridge is named from the network's id,
// which exists only once the network does (core/substrates/docker/bridge-forwarding.ts).
const bridgeMarker = "{bridge}"

// networkRemoveAttempts: containers detach asynchronously after `docker rm`; the engine gets a few seconds.
const networkRemoveAttempts = 10

var (
	// networkReplaceOn: the network's settings; createArgv and forwardingRules are derived from them.
	networkReplaceOn = []string{"name", "subnet", "gateway", "internal", "labels"}
	networkGone      = regexp.MustCompile(`(?i)not found|No such network`)
	activeEndpoints  = regexp.MustCompile(`(?i)active endpoints`)
	networkID        = regexp.MustCompile(`^[0-9a-f]{12,}$`)
)

// dockerNetwork: a Docker bridge network made with the lab's `docker network create` (createArgv); refresh drops
// it from the state when it is gone; its delete takes this stack's containers on it along (see removeOwnContainers).
type dockerNetwork struct{}

func (dockerNetwork) diff(olds, news *structpb.Struct) *pulumirpc.DiffResponse {
	return replacing(changedIn(olds, news, networkReplaceOn), true)
}

// create: a network of this name left by this stack's interrupted up is taken down first; anyone else's stays and
// the create fails.
func (dockerNetwork) create(news *structpb.Struct) (string, *structpb.Struct, error) {
	name, labels := text(news, "name"), textMap(news, "labels")
	existing, err := docker("network", "inspect", "--format", "{{json .Labels}}", name)
	if err != nil {
		return "", nil, err
	}
	if existing.code == 0 {
		if foreign, owner := foreignOwner(existing.stdout, labels); foreign {
			return "", nil, fmt.Errorf("network %s already exists and is not this lab's (%s); remove it or give this stack another name", name, owner)
		}
		if err := removeOwnContainers(name, labels); err != nil {
			return "", nil, err
		}
		if _, err := mustRun([]string{"docker", "network", "rm", name}, "removing this stack's leftover network "+name); err != nil {
			return "", nil, err
		}
	}
	out, err := mustRun(texts(news, "createArgv"), "creating the lab network "+name)
	if err != nil {
		return "", nil, err
	}
	id := strings.TrimSpace(out)
	return id, with(news, "networkId", structpb.NewStringValue(id)), nil
}

func (dockerNetwork) read(id string, props *structpb.Struct) (*structpb.Struct, error) {
	inspected, err := docker("network", "inspect", "--format", "{{.Id}}", text(props, "name"))
	if err != nil {
		return nil, err
	}
	if inspected.code != 0 || strings.TrimSpace(inspected.stdout) != id {
		return nil, nil
	}
	return props, nil
}

func (dockerNetwork) update(_, news *structpb.Struct) (*structpb.Struct, error) { return news, nil }

// delete: this stack's containers on the network (the lab's nodes, deletedWith the network, and any an interrupted
// up started but never recorded) and the bridge's forwarding rules go side by side (neither needs the other: the
// rules only let traffic cross the bridge), then the network.
func (dockerNetwork) delete(id string, props, inputs *structpb.Struct) error {
	name := text(props, "name")
	rulesGone := make(chan struct{})
	go func() {
		defer close(rulesGone)
		removeForwardingRules(id, forwardingRules(props, inputs))
	}()
	err := removeOwnContainers(name, textMap(props, "labels"))
	<-rulesGone
	if err != nil {
		return err
	}
	lastSaid := ""
	for attempt := 1; attempt <= networkRemoveAttempts; attempt++ {
		removed, err := docker("network", "rm", name)
		if err != nil {
			return err
		}
		if removed.code == 0 || networkGone.MatchString(removed.stderr) {
			return nil
		}
		lastSaid = said(removed)
		if attempt < networkRemoveAttempts {
			time.Sleep(time.Second)
		}
	}
	attached := -1
	if inspected, err := docker("network", "inspect", "--format", "{{len .Containers}}", name); err == nil && inspected.code == 0 {
		if n, err := strconv.Atoi(strings.TrimSpace(inspected.stdout)); err == nil {
			attached = n
		}
	}
	return fmt.Errorf("%s", networkRemoveFailure(name, lastSaid, attached))
}

// removeOwnContainers removes this stack's containers attached to the network, in one `docker rm`. Only containers
// carrying this lab's and stack's labels are touched.
func removeOwnContainers(network string, labels map[string]string) error {
	listed, err := docker(append([]string{"ps", "--all", "--quiet", "--filter", "network=" + network}, ownerFilters(labels)...)...)
	if err != nil {
		return err
	}
	ids := strings.Fields(listed.stdout)
	if len(ids) > 0 {
		_, err = docker(append([]string{"rm", "--force", "--volumes"}, ids...)...)
	}
	return err
}

// forwardingRules: the iptables rules an internal network's bridge may carry (an interrupted up may have added
// them without recording the step that removes them). A lab made before they were inputs has them only in the
// inputs the engine recorded since.
func forwardingRules(props, inputs *structpb.Struct) [][]string {
	source := props
	if _, ok := props.GetFields()["forwardingRules"]; !ok {
		source = inputs
	}
	var rules [][]string
	for _, rule := range field(source, "forwardingRules").GetListValue().GetValues() {
		var args []string
		for _, arg := range rule.GetListValue().GetValues() {
			args = append(args, arg.GetStringValue())
		}
		rules = append(rules, args)
	}
	return rules
}

// removeForwardingRules deletes each rule (the chain first, the bridge as bridgeMarker) as often as it is there.
func removeForwardingRules(id string, rules [][]string) {
	if !networkID.MatchString(id) {
		return
	}
	bridge := "br-" + id[:12]
	for _, rule := range rules {
		argv := []string{"iptables", "-D"}
		for _, arg := range rule {
			argv = append(argv, strings.ReplaceAll(arg, bridgeMarker, bridge))
		}
		for i := 0; i < 100; i++ {
			if result, err := runArgv(argv, dockerDeadline, "removing the lab bridge's forwarding rule"); err != nil || result.code != 0 {
				break
			}
		}
	}
}

// networkRemoveFailure: what to say when `docker network rm` of the lab network keeps failing. Docker 20.10 can go
// on counting endpoints on a network after removing many of its containers at once on a loaded machine: no
// container is attached, yet the network "has active endpoints" until the engine restarts. Nothing the lab can
// undo; the user can.
func networkRemoveFailure(network, said string, attachedContainers int) string {
	reason := strings.TrimSpace(said)
	if attachedContainers == 0 && activeEndpoints.MatchString(reason) {
		return "removing the lab network " + network + ": Docker still counts endpoints on it although no container is attached (" +
			reason + "). That count is the engine's own, left behind when it removed many containers at once on a busy machine; " +
			"restarting the Docker engine clears it. Then run npm run lab:down again."
	}
	return "removing the lab network " + network + " failed: " + reason
}
