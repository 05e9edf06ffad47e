package main

import (
	"strings"
	"testing"
)

func TestProbeReadsEveryCommandAndSaysWhichFailed(t *testing.T) {
	commands := props(t, map[string]any{
		"a": []any{"echo", "one"}, "b": []any{"sh", "-c", "echo half; echo broke >&2; exit 2"}, "c": []any{"echo", "three"},
		"d": []any{"echo", "four"}, "e": []any{"echo", "five"},
	})
	readings := readAll(commands).GetStructValue()
	if got := text(readings.Fields["a"].GetStructValue(), "stdout"); got != "one\n" {
		t.Fatalf("a: %q", got)
	}
	if got := text(readings.Fields["e"].GetStructValue(), "stdout"); got != "five\n" {
		t.Fatalf("e, read past the first %d: %q", probeReaders, got)
	}
	b := readings.Fields["b"].GetStructValue()
	if text(b, "stdout") != "half\n" || text(b, "error") != "exit 2: broke" {
		t.Fatalf("b: %v", b)
	}
	if _, ok := readings.Fields["a"].GetStructValue().Fields["error"]; ok {
		t.Fatal("a reading that worked has no error")
	}
}

func TestProbeThatNeverSettlesFailsWithDiagnostics(t *testing.T) {
	ready := props(t, map[string]any{
		"command": []any{"false"}, "timeoutSeconds": 0,
		"failure": map[string]any{"reason": "BGP sessions were not Established", "diagnostics": map[string]any{
			"calico1 protocols": []any{"sh", "-c", "seq 1 20"}, "calico2 protocols": []any{"true"},
		}},
	})
	err := awaitSettled(ready)
	want := "BGP sessions were not Established within 0s.\n  calico1 protocols:\n    6\n    7"
	if err == nil || !strings.HasPrefix(err.Error(), want) || !strings.HasSuffix(err.Error(), "20\n  calico2 protocols:\n    (nothing)") {
		t.Fatalf("error %v", err)
	}
	noFailure := props(t, map[string]any{"command": []any{"false"}, "timeoutSeconds": 0})
	if err := awaitSettled(noFailure); err != nil {
		t.Fatalf("without a failure, the readings show what is wrong: %v", err)
	}
}

func TestProbeDiffReplacesWithoutDeletingFirst(t *testing.T) {
	old := props(t, map[string]any{"commands": map[string]any{"a": []any{"x"}}, "triggers": nil, "readings": map[string]any{}})
	d := liveProbe{}.diff(old, props(t, map[string]any{"commands": map[string]any{"a": []any{"x"}}, "triggers": []any{"c1"}}))
	if strings.Join(d.Replaces, ",") != "triggers" || d.DeleteBeforeReplace {
		t.Fatalf("diff %v", d)
	}
}
