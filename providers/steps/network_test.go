package main

import (
	"strings"
	"testing"

	pulumirpc "github.com/pulumi/pulumi/sdk/v3/proto/go"
)

const staleEndpoints = "Error response from daemon: error while removing network: network calicolab-x-underlay-net id 06e2f058c403 has active endpoints\n"

func TestNetworkRemoveFailureNamesDockersLeftoverCount(t *testing.T) {
	want := "removing the lab network calicolab-x-underlay-net: Docker still counts endpoints on it although no container is attached " +
		"(Error response from daemon: error while removing network: network calicolab-x-underlay-net id 06e2f058c403 has active endpoints). " +
		"That count is the engine's own, left behind when it removed many containers at once on a busy machine; restarting the " +
		"Docker engine clears it. Then run npm run lab:down again."
	if got := networkRemoveFailure("calicolab-x-underlay-net", staleEndpoints, 0); got != want {
		t.Fatalf("got %q", got)
	}
	if got := networkRemoveFailure("n", staleEndpoints, 2); got != "removing the lab network n failed: "+strings.TrimSpace(staleEndpoints) {
		t.Fatalf("containers still attached: %q", got)
	}
	if got := networkRemoveFailure("n", "permission denied", -1); got != "removing the lab network n failed: permission denied" {
		t.Fatalf("not inspectable: %q", got)
	}
}

func network() map[string]any {
	return map[string]any{
		"name": "lab-net", "subnet": "192.168.4.0/24", "gateway": "192.168.4.1", "internal": true,
		"labels":          map[string]any{"calico-lab.lab": "lab", "calico-lab.stack": "dev"},
		"forwardingRules": []any{[]any{"DOCKER-USER", "-i", "{bridge}", "-o", "{bridge}", "-j", "ACCEPT"}},
	}
}

func TestNetworkDiffReplacesOnItsSettingsOnly(t *testing.T) {
	old := props(t, withField(network(), "networkId", "5f3c0a9e1b2d"))
	if d := (dockerNetwork{}).diff(old, props(t, withField(network(), "createArgv", []any{"docker"}))); d.Changes != pulumirpc.DiffResponse_DIFF_NONE {
		t.Fatalf("derived inputs are no change: %v", d)
	}
	if d := (dockerNetwork{}).diff(old, props(t, withField(network(), "subnet", "10.0.0.0/24"))); strings.Join(d.Replaces, ",") != "subnet" {
		t.Fatalf("the subnet replaces: %v", d)
	}
}

func TestNetworkDeleteTakesOwnContainersAndRulesAlong(t *testing.T) {
	calls := recordingDocker(t, `case "$1" in ps) echo c1; echo c2;; esac`)
	iptables := recordingIptables(t)
	if err := (dockerNetwork{}).delete("5f3c0a9e1b2d4c6e", props(t, network()), nil); err != nil {
		t.Fatal(err)
	}
	want := "ps_--all_--quiet_--filter_network=lab-net_--filter_label=calico-lab.lab=lab_--filter_label=calico-lab.stack=dev " +
		"rm_--force_--volumes_c1_c2 network_rm_lab-net"
	if got := strings.Join(calls(), " "); got != want {
		t.Fatalf("docker calls %q", got)
	}
	// Deleted once, then asked again until iptables says it is gone.
	rule := "-D_DOCKER-USER_-i_br-5f3c0a9e1b2d_-o_br-5f3c0a9e1b2d_-j_ACCEPT"
	if got := strings.Join(iptables(), " "); got != rule+" "+rule {
		t.Fatalf("iptables calls %q", got)
	}
}

func TestNetworkRulesFromTheInputsOfALabMadeBeforeThem(t *testing.T) {
	state := network()
	delete(state, "forwardingRules")
	if rules := forwardingRules(props(t, state), props(t, network())); len(rules) != 1 || rules[0][2] != "{bridge}" {
		t.Fatalf("rules %v", rules)
	}
}

// recordingIptables: an `iptables` on PATH that records its calls and says a rule is gone after its first delete.
func recordingIptables(t *testing.T) func() []string {
	t.Helper()
	return recordingCommand(t, "iptables", `[ "$(wc -l < "$log")" -le 1 ]`)
}
