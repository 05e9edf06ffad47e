package main

import (
	"fmt"
	"strconv"
	"strings"
	"sync"
	"time"

	pulumirpc "github.com/pulumi/pulumi/sdk/v3/proto/go"
	"google.golang.org/protobuf/types/known/structpb"
)

// probeType: a reading of the live lab (components/lab/live-probe.ts).
const probeType = "calicolab-steps:index:LiveProbe"

const (
	// probeReaders: the read commands run a few at a time (each is a trip into a node).
	probeReaders = 4
	// probePollInterval: how often the ready command is tried again.
	probePollInterval = 500 * time.Millisecond
	// diagnosticLines: each diagnostic's last lines only, so that the error stays readable.
	diagnosticLines = 15
)

// liveProbe: on create it first waits (up to a deadline) for the ready command to pass, then runs each read
// command; on refresh it reads again, so the state always shows what the lab is doing. A lab that never gets ready
// fails the step with diagnostics, unless no `failure` is given: the readings then show what is wrong.
type liveProbe struct{}

func (liveProbe) diff(olds, news *structpb.Struct) *pulumirpc.DiffResponse {
	return replacing(changedIn(olds, news, []string{"commands", "ready", "triggers"}), false)
}

func (liveProbe) create(news *structpb.Struct) (string, *structpb.Struct, error) {
	if ready := field(news, "ready").GetStructValue(); ready != nil {
		if err := awaitSettled(ready); err != nil {
			return "", nil, err
		}
	}
	id := "probe-" + strconv.FormatInt(time.Now().UnixMilli(), 36)
	return id, with(news, "readings", readAll(field(news, "commands").GetStructValue())), nil
}

func (liveProbe) read(_ string, props *structpb.Struct) (*structpb.Struct, error) {
	return with(props, "readings", readAll(field(props, "commands").GetStructValue())), nil
}

func (liveProbe) update(_, news *structpb.Struct) (*structpb.Struct, error) { return news, nil }

func (liveProbe) delete(string, *structpb.Struct, *structpb.Struct) error { return nil }

// awaitSettled tries the ready command until it passes or its time is up; a lab that never settles fails with
// the diagnostics when a failure is given, and goes on to the readings when not.
func awaitSettled(ready *structpb.Struct) error {
	timeout := field(ready, "timeoutSeconds").GetNumberValue()
	settled, err := poll(texts(ready, "command"), timeout, probePollInterval, "waiting for the lab to settle")
	if settled || err != nil {
		return err
	}
	if failure := field(ready, "failure").GetStructValue(); failure != nil {
		return fmt.Errorf("%s", diagnose(failure, timeout))
	}
	return nil
}

// readAll runs every named command, probeReaders at a time: each reading is its stdout, and an error when it failed.
func readAll(commands *structpb.Struct) *structpb.Value {
	names := sortedKeys(commands.GetFields())
	readings := make([]*structpb.Value, len(names))
	next := make(chan int)
	var wg sync.WaitGroup
	for range probeReaders {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range next {
				readings[i] = reading(names[i], texts(commands, names[i]))
			}
		}()
	}
	for i := range names {
		next <- i
	}
	close(next)
	wg.Wait()
	out := &structpb.Struct{Fields: map[string]*structpb.Value{}}
	for i, name := range names {
		out.Fields[name] = readings[i]
	}
	return structpb.NewStructValue(out)
}

func reading(name string, argv []string) *structpb.Value {
	result, err := runArgv(argv, dockerDeadline, "reading "+name)
	if err != nil {
		result = runResult{code: -1, stderr: err.Error()}
	}
	fields := map[string]*structpb.Value{"stdout": structpb.NewStringValue(result.stdout)}
	if result.code != 0 {
		fields["error"] = structpb.NewStringValue(fmt.Sprintf("exit %d: %s", result.code, strings.TrimSpace(result.stderr)))
	}
	return structpb.NewStructValue(&structpb.Struct{Fields: fields})
}

// diagnose: the failure's reason, then each diagnostic's output (its last lines), in the diagnostics' key order.
func diagnose(failure *structpb.Struct, timeout float64) string {
	parts := []string{fmt.Sprintf("%s within %ss.", text(failure, "reason"), number(timeout))}
	diagnostics := field(failure, "diagnostics").GetStructValue()
	for _, what := range sortedKeys(diagnostics.GetFields()) {
		result, err := runArgv(texts(diagnostics, what), dockerDeadline, what)
		if err != nil {
			result = runResult{stderr: err.Error()}
		}
		lines := strings.Split(strings.TrimSpace(result.stdout+result.stderr), "\n")
		if len(lines) > diagnosticLines {
			lines = lines[len(lines)-diagnosticLines:]
		}
		said := strings.Join(lines, "\n    ")
		if said == "" {
			said = "(nothing)"
		}
		parts = append(parts, fmt.Sprintf("  %s:\n    %s", what, said))
	}
	return strings.Join(parts, "\n")
}
