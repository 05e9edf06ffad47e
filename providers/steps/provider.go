package main

import (
	"context"
	"crypto/rand"
	"fmt"
	"math/big"
	"strconv"
	"strings"
	"time"

	pulumirpc "github.com/pulumi/pulumi/sdk/v3/proto/go"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/known/emptypb"
	"google.golang.org/protobuf/types/known/structpb"
)

// commandType is the one resource this provider serves (components/lab/host-command.ts).
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

// stepsProvider serves HostCommand: a bash script run when it is created, another when it is deleted, an
// optional one in place of a replacement (`update`) and one on refresh (`read`).
type stepsProvider struct {
	pulumirpc.UnimplementedResourceProviderServer
	version string
}

func (p *stepsProvider) GetPluginInfo(context.Context, *emptypb.Empty) (*pulumirpc.PluginInfo, error) {
	return &pulumirpc.PluginInfo{Version: p.version}, nil
}

func (p *stepsProvider) GetSchema(context.Context, *pulumirpc.GetSchemaRequest) (*pulumirpc.GetSchemaResponse, error) {
	return &pulumirpc.GetSchemaResponse{Schema: `{"name":"calicolab-steps","version":"` + p.version + `"}`}, nil
}

func (p *stepsProvider) CheckConfig(_ context.Context, req *pulumirpc.CheckRequest) (*pulumirpc.CheckResponse, error) {
	return &pulumirpc.CheckResponse{Inputs: req.GetNews()}, nil
}

func (p *stepsProvider) DiffConfig(context.Context, *pulumirpc.DiffRequest) (*pulumirpc.DiffResponse, error) {
	return &pulumirpc.DiffResponse{Changes: pulumirpc.DiffResponse_DIFF_NONE}, nil
}

// Configure: secrets come as plain values (the engine marks outputs secret again where their inputs were).
func (p *stepsProvider) Configure(context.Context, *pulumirpc.ConfigureRequest) (*pulumirpc.ConfigureResponse, error) {
	return &pulumirpc.ConfigureResponse{}, nil
}

func (p *stepsProvider) Cancel(context.Context, *emptypb.Empty) (*emptypb.Empty, error) {
	return &emptypb.Empty{}, nil
}

func (p *stepsProvider) Check(_ context.Context, req *pulumirpc.CheckRequest) (*pulumirpc.CheckResponse, error) {
	if err := served(req.GetUrn()); err != nil {
		return nil, err
	}
	return &pulumirpc.CheckResponse{Inputs: req.GetNews()}, nil
}

func (p *stepsProvider) Diff(_ context.Context, req *pulumirpc.DiffRequest) (*pulumirpc.DiffResponse, error) {
	return diff(req.GetOlds(), req.GetNews()), nil
}

// diff: with an `update` script only the triggers replace, else any of create, delete and triggers; a change of
// any script or of `read` is a change (an update); nothing else is (timeoutSeconds alone changes nothing).
func diff(olds, news *structpb.Struct) *pulumirpc.DiffResponse {
	changed := func(key string) bool { return !proto.Equal(field(olds, key), field(news, key)) }
	on := replaceOn
	if truthy(field(news, "update")) {
		on = replaceOnWithUpdate
	}
	replaces := []string{}
	for _, key := range on {
		if changed(key) {
			replaces = append(replaces, key)
		}
	}
	diffs := []string{}
	for _, key := range []string{"create", "delete", "update", "read", "triggers"} {
		if changed(key) {
			diffs = append(diffs, key)
		}
	}
	changes := pulumirpc.DiffResponse_DIFF_NONE
	if len(replaces) > 0 || changed("read") || anyChanged(scripts, changed) {
		changes = pulumirpc.DiffResponse_DIFF_SOME
	}
	return &pulumirpc.DiffResponse{Changes: changes, Replaces: replaces, Diffs: diffs, DeleteBeforeReplace: true}
}

func (p *stepsProvider) Create(_ context.Context, req *pulumirpc.CreateRequest) (*pulumirpc.CreateResponse, error) {
	if err := served(req.GetUrn()); err != nil {
		return nil, err
	}
	props := req.GetProperties()
	stdout, err := bash(text(props, "create"), "create", props)
	if err != nil {
		return nil, err
	}
	return &pulumirpc.CreateResponse{Id: newID(), Properties: withStdout(props, stdout)}, nil
}

// Read: without a `read` script the command stays as it is; with one, exit 0 keeps it and any other exit drops
// it from the state (it is gone: the next up creates it again).
func (p *stepsProvider) Read(_ context.Context, req *pulumirpc.ReadRequest) (*pulumirpc.ReadResponse, error) {
	props := req.GetProperties()
	keep := &pulumirpc.ReadResponse{Id: req.GetId(), Properties: props, Inputs: req.GetInputs()}
	read := text(props, "read")
	if read == "" {
		return keep, nil
	}
	result, err := runScript(read, deadlineOf(props), "read")
	if err != nil {
		return nil, err
	}
	if result.code != 0 {
		return &pulumirpc.ReadResponse{}, nil
	}
	return keep, nil
}

// Update runs the `update` script when a script changed (its stdout is the new `stdout`), else keeps `stdout`.
func (p *stepsProvider) Update(_ context.Context, req *pulumirpc.UpdateRequest) (*pulumirpc.UpdateResponse, error) {
	olds, news := req.GetOlds(), req.GetNews()
	stdout := text(olds, "stdout")
	scriptsChanged := anyChanged(scripts, func(key string) bool { return !proto.Equal(field(olds, key), field(news, key)) })
	if update := text(news, "update"); update != "" && scriptsChanged {
		out, err := bash(update, "update", news)
		if err != nil {
			return nil, err
		}
		stdout = out
	}
	return &pulumirpc.UpdateResponse{Properties: withStdout(news, stdout)}, nil
}

func (p *stepsProvider) Delete(_ context.Context, req *pulumirpc.DeleteRequest) (*emptypb.Empty, error) {
	props := req.GetProperties()
	if script := text(props, "delete"); script != "" {
		if _, err := bash(script, "delete", props); err != nil {
			return nil, err
		}
	}
	return &emptypb.Empty{}, nil
}

// bash runs one of the command's scripts; a non-zero exit fails the step with the last lines it said.
func bash(script, step string, props *structpb.Struct) (string, error) {
	result, err := runScript(script, deadlineOf(props), step)
	if err != nil {
		return "", err
	}
	if result.code != 0 {
		said := strings.TrimSpace(result.stderr)
		if said == "" {
			said = strings.TrimSpace(result.stdout)
		}
		lines := strings.Split(said, "\n")
		if len(lines) > 20 {
			lines = lines[len(lines)-20:]
		}
		return "", fmt.Errorf("%s failed (exit %d):\n%s", step, result.code, strings.Join(lines, "\n"))
	}
	return result.stdout, nil
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

func served(urn string) error {
	parts := strings.Split(urn, "::")
	typ := parts[len(parts)-2]
	if i := strings.LastIndex(typ, "$"); i >= 0 {
		typ = typ[i+1:]
	}
	if typ != commandType {
		return status.Errorf(codes.InvalidArgument, "calicolab-steps serves only %s, not %s", commandType, typ)
	}
	return nil
}

// field is a property's value, null when absent.
func field(props *structpb.Struct, key string) *structpb.Value {
	if value, ok := props.GetFields()[key]; ok && value != nil {
		return value
	}
	return structpb.NewNullValue()
}

func text(props *structpb.Struct, key string) string { return field(props, key).GetStringValue() }

func truthy(value *structpb.Value) bool {
	switch v := value.GetKind().(type) {
	case *structpb.Value_StringValue:
		return v.StringValue != ""
	case *structpb.Value_NullValue, nil:
		return false
	case *structpb.Value_BoolValue:
		return v.BoolValue
	case *structpb.Value_NumberValue:
		return v.NumberValue != 0
	}
	return true
}

func anyChanged(keys []string, changed func(string) bool) bool {
	for _, key := range keys {
		if changed(key) {
			return true
		}
	}
	return false
}

func withStdout(props *structpb.Struct, stdout string) *structpb.Struct {
	out := &structpb.Struct{Fields: map[string]*structpb.Value{}}
	for key, value := range props.GetFields() {
		out.Fields[key] = value
	}
	out.Fields["stdout"] = structpb.NewStringValue(stdout)
	return out
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
