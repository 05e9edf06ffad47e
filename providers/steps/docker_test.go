package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	pulumirpc "github.com/pulumi/pulumi/sdk/v3/proto/go"
)

// recordingDocker puts a `docker` first on PATH that appends its arguments to a file and then runs answer.
func recordingDocker(t *testing.T, answer string) func() []string {
	t.Helper()
	return recordingCommand(t, "docker", answer)
}

// recordingCommand puts a command first on PATH that appends its arguments (spaces as _) to a file ($log) and then
// runs answer; it returns the calls so far.
func recordingCommand(t *testing.T, command, answer string) func() []string {
	t.Helper()
	dir := t.TempDir()
	log := filepath.Join(dir, "calls")
	script := "#!/bin/sh\nlog=" + log + "\necho \"$*\" >> \"$log\"\n" + answer + "\n"
	if err := os.WriteFile(filepath.Join(dir, command), []byte(script), 0o755); err != nil {
		t.Fatal(err)
	}
	t.Setenv("PATH", dir+":"+os.Getenv("PATH"))
	return func() []string {
		data, _ := os.ReadFile(log)
		return strings.Fields(strings.ReplaceAll(strings.TrimSpace(string(data)), " ", "_"))
	}
}

func spec() map[string]any {
	return map[string]any{
		"name": "lab-calico1", "image": "calico-lab/node:test", "hostname": "calico1", "network": "lab-underlay-net",
		"ipv4Address": "192.168.4.5", "env": []any{"NODENAME=calico1"}, "capAdd": []any{"NET_ADMIN"}, "securityOpt": []any{},
		"sysctls": map[string]any{}, "labels": map[string]any{"calico-lab.lab": "lab"}, "command": []any{},
	}
}

func withField(m map[string]any, key string, value any) map[string]any {
	out := map[string]any{}
	for k, v := range m {
		out[k] = v
	}
	out[key] = value
	return out
}

func TestContainerDiff(t *testing.T) {
	old := props(t, withField(spec(), "containerId", "c0ffee"))
	same := dockerContainer{}.diff(old, props(t, withField(spec(), "runArgv", []any{"docker", "run", "new"})))
	if same.Changes != pulumirpc.DiffResponse_DIFF_NONE {
		t.Fatalf("the derived docker run is no change of its own: %v", same)
	}
	restart := dockerContainer{}.diff(old, props(t, withField(spec(), "restartPolicy", "on-failure")))
	if restart.Changes != pulumirpc.DiffResponse_DIFF_SOME || len(restart.Replaces) != 0 {
		t.Fatalf("a restart policy is an update: %v", restart)
	}
	readiness := dockerContainer{}.diff(old, props(t, withField(spec(), "readiness", map[string]any{"command": []any{"true"}, "timeoutSeconds": 5})))
	if readiness.Changes != pulumirpc.DiffResponse_DIFF_SOME || len(readiness.Replaces) != 0 {
		t.Fatalf("a readiness wait is an update: %v", readiness)
	}
	image := dockerContainer{}.diff(old, props(t, withField(spec(), "image", "calico-lab/node:other")))
	if strings.Join(image.Replaces, ",") != "image" || !image.DeleteBeforeReplace {
		t.Fatalf("the image replaces, deleting first: %v", image)
	}
}

func TestContainerUpdateSetsTheRestartPolicy(t *testing.T) {
	calls := recordingDocker(t, "")
	old := props(t, withField(spec(), "containerId", "c0ffee"))
	news := props(t, withField(spec(), "restartPolicy", "on-failure"))
	outs, err := dockerContainer{}.update(old, news)
	if err != nil || text(outs, "containerId") != "c0ffee" || text(outs, "restartPolicy") != "on-failure" {
		t.Fatalf("update: %v %v", outs, err)
	}
	if _, err := (dockerContainer{}).update(news, props(t, spec())); err != nil {
		t.Fatal(err)
	}
	got := strings.Join(calls(), " ")
	if got != "update_--restart_on-failure_lab-calico1 update_--restart_no_lab-calico1" {
		t.Fatalf("calls %q", got)
	}
	before := len(calls())
	ready := withField(spec(), "readiness", map[string]any{"command": []any{"true"}, "timeoutSeconds": 5})
	if _, err := (dockerContainer{}).update(props(t, spec()), props(t, ready)); err != nil || len(calls()) != before {
		t.Fatalf("a readiness change leaves Docker alone: %v %v", calls(), err)
	}
}

func TestContainerDelete(t *testing.T) {
	calls := recordingDocker(t, "")
	if err := (dockerContainer{}).delete("c0ffee", props(t, spec()), nil); err != nil || strings.Join(calls(), " ") != "rm_--force_--volumes_lab-calico1" {
		t.Fatalf("delete: %v %v", calls(), err)
	}
	recordingDocker(t, `echo "Error response from daemon: No such container: lab-calico1" >&2; exit 1`)
	if err := (dockerContainer{}).delete("c0ffee", props(t, spec()), nil); err != nil {
		t.Fatalf("a container Docker does not have is already deleted: %v", err)
	}
	recordingDocker(t, `echo "Error response from daemon: cannot remove container: device or resource busy" >&2; exit 1`)
	err := dockerContainer{}.delete("c0ffee", props(t, spec()), nil)
	if err == nil || !strings.Contains(err.Error(), "lab-calico1") || !strings.Contains(err.Error(), "device or resource busy") {
		t.Fatalf("any other failure fails the delete, naming the container and what Docker said: %v", err)
	}
}

func TestContainerCreateRefusesAnotherOwnersContainer(t *testing.T) {
	calls := recordingDocker(t, `case "$1" in inspect) echo '{"calico-lab.lab":"other","calico-lab.stack":"x"}';; esac`)
	_, _, err := dockerContainer{}.create(props(t, withField(spec(), "runArgv", []any{"docker", "run", "x"})))
	want := "container lab-calico1 already exists and is not this lab's (calico-lab.lab=other, calico-lab.stack=x)"
	if err == nil || !strings.HasPrefix(err.Error(), want) || len(calls()) != 1 {
		t.Fatalf("create: %v %v", err, calls())
	}
}

func TestContainerCreateRemovesOwnLeftoverThenRunsAndWaits(t *testing.T) {
	calls := recordingDocker(t, `case "$1" in inspect) echo '{"calico-lab.lab":"lab"}';; run) echo c0ffee;; esac`)
	news := withField(spec(), "runArgv", []any{"docker", "run", "--name", "lab-calico1"})
	news["readiness"] = map[string]any{"command": []any{"true"}, "timeoutSeconds": 5}
	news["readyArgv"] = []any{"docker", "exec", "lab-calico1", "true"}
	id, outs, err := dockerContainer{}.create(props(t, news))
	if err != nil || id != "c0ffee" || text(outs, "containerId") != "c0ffee" {
		t.Fatalf("create: %v %v %v", id, outs, err)
	}
	got := strings.Join(calls(), " ")
	want := "inspect_--type_container_--format_{{json_.Config.Labels}}_lab-calico1 rm_--force_--volumes_lab-calico1 " +
		"run_--name_lab-calico1 exec_lab-calico1_true"
	if got != want {
		t.Fatalf("calls %q", got)
	}
}

func TestContainerNeverReadyIsRemovedAndItsLogsQuoted(t *testing.T) {
	calls := recordingDocker(t, `case "$1" in inspect) exit 1;; run) echo c0ffee;; exec) exit 1;; logs) echo last words;; esac`)
	news := withField(spec(), "runArgv", []any{"docker", "run"})
	news["readiness"] = map[string]any{"command": []any{"etcdctl", "endpoint", "health"}, "timeoutSeconds": 0}
	news["readyArgv"] = []any{"docker", "exec", "lab-calico1", "etcdctl"}
	_, _, err := dockerContainer{}.create(props(t, news))
	want := "container lab-calico1 was not ready within 0s (etcdctl endpoint health kept failing); last log lines:\nlast words\n"
	if err == nil || err.Error() != want || !strings.Contains(strings.Join(calls(), " "), "rm_--force_--volumes_lab-calico1") {
		t.Fatalf("create: %v %v", err, calls())
	}
}

func TestContainerReadDropsWhatIsGoneOrStopped(t *testing.T) {
	recordingDocker(t, `echo "c0ffee true"`)
	if outs, err := (dockerContainer{}).read("c0ffee", props(t, spec())); err != nil || outs == nil {
		t.Fatalf("a running container is kept: %v %v", outs, err)
	}
	recordingDocker(t, `echo "c0ffee false"`)
	if outs, _ := (dockerContainer{}).read("c0ffee", props(t, spec())); outs != nil {
		t.Fatal("a stopped container is dropped")
	}
	recordingDocker(t, `echo "beef true"`)
	if outs, _ := (dockerContainer{}).read("c0ffee", props(t, spec())); outs != nil {
		t.Fatal("another container of the name is dropped")
	}
}
