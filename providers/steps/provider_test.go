package main

import (
	"context"
	"os"
	"strings"
	"testing"
	"time"

	pulumirpc "github.com/pulumi/pulumi/sdk/v3/proto/go"
	"google.golang.org/protobuf/types/known/structpb"
)

const urn = "urn:pulumi:dev::calico-lab::calicolab:lab:CalicoLab$calicolab-steps:index:HostCommand::step"

func props(t *testing.T, fields map[string]any) *structpb.Struct {
	t.Helper()
	s, err := structpb.NewStruct(fields)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func TestDiffReplacesOnScriptsAndTriggers(t *testing.T) {
	olds := map[string]any{"create": "a", "delete": "b", "update": nil, "read": nil, "triggers": []any{"x"}, "stdout": "out"}
	same := hostCommand{}.diff(props(t, olds), props(t, map[string]any{"create": "a", "delete": "b", "triggers": []any{"x"}}))
	if same.Changes != pulumirpc.DiffResponse_DIFF_NONE || len(same.Replaces) != 0 {
		t.Fatalf("absent and null are the same, stdout is no input: %v", same)
	}
	changed := hostCommand{}.diff(props(t, olds), props(t, map[string]any{"create": "a2", "delete": "b", "triggers": []any{"y"}}))
	if changed.Changes != pulumirpc.DiffResponse_DIFF_SOME || strings.Join(changed.Replaces, ",") != "create,triggers" ||
		!changed.DeleteBeforeReplace {
		t.Fatalf("create and triggers replace, deleting first: %v", changed)
	}
	timeout := hostCommand{}.diff(props(t, olds), props(t, map[string]any{"create": "a", "delete": "b", "triggers": []any{"x"}, "timeoutSeconds": 5}))
	if timeout.Changes != pulumirpc.DiffResponse_DIFF_NONE {
		t.Fatalf("timeoutSeconds alone changes nothing: %v", timeout)
	}
}

func TestDiffWithUpdateReplacesOnlyOnTriggers(t *testing.T) {
	olds := props(t, map[string]any{"create": "a", "update": "u", "triggers": []any{"x"}})
	inPlace := hostCommand{}.diff(olds, props(t, map[string]any{"create": "a2", "update": "u", "triggers": []any{"x"}}))
	if inPlace.Changes != pulumirpc.DiffResponse_DIFF_SOME || len(inPlace.Replaces) != 0 {
		t.Fatalf("a changed script with an update script is an update: %v", inPlace)
	}
	read := hostCommand{}.diff(olds, props(t, map[string]any{"create": "a", "update": "u", "read": "r", "triggers": []any{"x"}}))
	if read.Changes != pulumirpc.DiffResponse_DIFF_SOME || len(read.Replaces) != 0 {
		t.Fatalf("a new read script is an update: %v", read)
	}
}

func TestCreateUpdateDelete(t *testing.T) {
	p := &stepsProvider{version: "test"}
	marker := t.TempDir() + "/marker"
	inputs := props(t, map[string]any{"create": "echo made; echo $0", "delete": "touch " + marker, "update": nil})
	created, err := p.Create(context.Background(), &pulumirpc.CreateRequest{Urn: urn, Properties: inputs})
	if err != nil {
		t.Fatal(err)
	}
	if got := text(created.Properties, "stdout"); got != "made\n/bin/bash\n" {
		t.Fatalf("stdout %q", got)
	}
	if !strings.HasPrefix(created.Id, "cmd-") {
		t.Fatalf("id %q", created.Id)
	}
	news := props(t, map[string]any{"create": "echo made", "delete": "touch " + marker, "update": "echo updated"})
	updated, err := p.Update(context.Background(), &pulumirpc.UpdateRequest{Urn: urn, Olds: created.Properties, News: news})
	if err != nil || text(updated.Properties, "stdout") != "updated\n" {
		t.Fatalf("update: %v %v", updated, err)
	}
	if _, err := p.Delete(context.Background(), &pulumirpc.DeleteRequest{Urn: urn, Properties: updated.Properties}); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(marker); err != nil {
		t.Fatalf("delete did not run: %v", err)
	}
}

func TestFailureSaysTheLastLines(t *testing.T) {
	p := &stepsProvider{}
	_, err := p.Create(context.Background(), &pulumirpc.CreateRequest{Urn: urn, Properties: props(t, map[string]any{"create": "echo no such thing >&2; exit 3"})})
	if err == nil || err.Error() != "create failed (exit 3):\nno such thing" {
		t.Fatalf("error %v", err)
	}
}

func TestReadDropsOnNonZeroExit(t *testing.T) {
	p := &stepsProvider{}
	gone, err := p.Read(context.Background(), &pulumirpc.ReadRequest{Id: "cmd-1", Urn: urn, Properties: props(t, map[string]any{"create": "true", "read": "exit 1"})})
	if err != nil || gone.Id != "" {
		t.Fatalf("read: %v %v", gone, err)
	}
	kept, err := p.Read(context.Background(), &pulumirpc.ReadRequest{Id: "cmd-1", Urn: urn, Properties: props(t, map[string]any{"create": "true"})})
	if err != nil || kept.Id != "cmd-1" {
		t.Fatalf("read: %v %v", kept, err)
	}
}

func TestScriptStaysOutOfArgvAndStdinIsEmpty(t *testing.T) {
	result, err := runScript("secret=s3cr3t; cat /proc/$$/cmdline | tr '\\0' ' '; cat; ls /proc/$$/fd", time.Minute, "test")
	if err != nil || result.code != 0 {
		t.Fatal(err, result)
	}
	if strings.Contains(result.stdout, "s3cr3t") {
		t.Fatalf("the script is in argv: %q", result.stdout)
	}
	if fds := strings.Fields(result.stdout); strings.Contains(strings.Join(fds, " "), " 3 ") {
		t.Fatalf("fd 3 is still open: %q", result.stdout)
	}
}

func TestDeadlineKillsTheTree(t *testing.T) {
	started := time.Now()
	_, err := runScript("sleep 30 & sleep 31; wait", time.Second, "create")
	if err == nil || !strings.Contains(err.Error(), "create: no answer within 1s; killed (still running: ") ||
		!strings.Contains(err.Error(), "sleep 30") || time.Since(started) > 5*time.Second {
		t.Fatalf("error %v after %v", err, time.Since(started))
	}
}

func TestOnlyItsOwnTypes(t *testing.T) {
	p := &stepsProvider{}
	_, err := p.Check(context.Background(), &pulumirpc.CheckRequest{Urn: "urn:pulumi:dev::p::calicolab-steps:index:Other::x"})
	if err == nil {
		t.Fatal("another type was accepted")
	}
}

func TestANewVersionOfTheProviderIsAnUpdate(t *testing.T) {
	p := &stepsProvider{}
	same, _ := p.DiffConfig(context.Background(), &pulumirpc.DiffRequest{
		OldInputs: props(t, map[string]any{"version": "0.2.0"}), News: props(t, map[string]any{"version": "0.2.0"}),
	})
	if same.Changes != pulumirpc.DiffResponse_DIFF_NONE {
		t.Fatalf("same version: %v", same)
	}
	newer, _ := p.DiffConfig(context.Background(), &pulumirpc.DiffRequest{
		OldInputs: props(t, map[string]any{"version": "0.1.0"}), News: props(t, map[string]any{"version": "0.2.0"}),
	})
	if newer.Changes != pulumirpc.DiffResponse_DIFF_SOME || len(newer.Replaces) != 0 {
		t.Fatalf("a new version is an update, no replacement: %v", newer)
	}
}
