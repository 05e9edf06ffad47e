package main

import (
	"context"
	"sort"
	"strings"

	pulumirpc "github.com/pulumi/pulumi/sdk/v3/proto/go"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/known/emptypb"
	"google.golang.org/protobuf/types/known/structpb"
)

// resource is one type this provider serves: what a change of its inputs does, and its life on this machine.
type resource interface {
	diff(olds, news *structpb.Struct) *pulumirpc.DiffResponse
	create(news *structpb.Struct) (id string, outs *structpb.Struct, err error)
	// read returns the resource's state as it is now, or nil when it is gone (the next up makes it again).
	read(id string, props *structpb.Struct) (*structpb.Struct, error)
	update(olds, news *structpb.Struct) (*structpb.Struct, error)
	// delete gets the state and the inputs it was made with (the inputs carry what the lab derived from them).
	delete(id string, props, inputs *structpb.Struct) error
}

// resources: the lab's steps, the docker substrate's containers and network, and the probes reading the live lab.
var resources = map[string]resource{
	commandType:   hostCommand{},
	containerType: dockerContainer{},
	networkType:   dockerNetwork{},
	probeType:     liveProbe{},
}

// stepsProvider serves the types in resources.
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

// DiffConfig: the provider has no settings, only its version. A new version is an update, never a replacement (which
// would replace every resource on it): the engine then configures the plugin at the new version, where a provider
// found unchanged would go on running on the plugin at the version in the state.
func (p *stepsProvider) DiffConfig(_ context.Context, req *pulumirpc.DiffRequest) (*pulumirpc.DiffResponse, error) {
	olds := req.GetOldInputs()
	if olds == nil {
		olds = req.GetOlds()
	}
	if proto.Equal(field(olds, "version"), field(req.GetNews(), "version")) {
		return &pulumirpc.DiffResponse{Changes: pulumirpc.DiffResponse_DIFF_NONE}, nil
	}
	return &pulumirpc.DiffResponse{Changes: pulumirpc.DiffResponse_DIFF_SOME, Diffs: []string{"version"}}, nil
}

// Configure: secrets come as plain values (the engine marks outputs secret again where their inputs were).
func (p *stepsProvider) Configure(context.Context, *pulumirpc.ConfigureRequest) (*pulumirpc.ConfigureResponse, error) {
	return &pulumirpc.ConfigureResponse{}, nil
}

func (p *stepsProvider) Cancel(context.Context, *emptypb.Empty) (*emptypb.Empty, error) {
	return &emptypb.Empty{}, nil
}

func (p *stepsProvider) Check(_ context.Context, req *pulumirpc.CheckRequest) (*pulumirpc.CheckResponse, error) {
	if _, err := served(req.GetUrn()); err != nil {
		return nil, err
	}
	return &pulumirpc.CheckResponse{Inputs: req.GetNews()}, nil
}

func (p *stepsProvider) Diff(_ context.Context, req *pulumirpc.DiffRequest) (*pulumirpc.DiffResponse, error) {
	r, err := served(req.GetUrn())
	if err != nil {
		return nil, err
	}
	return r.diff(req.GetOlds(), req.GetNews()), nil
}

func (p *stepsProvider) Create(_ context.Context, req *pulumirpc.CreateRequest) (*pulumirpc.CreateResponse, error) {
	r, err := served(req.GetUrn())
	if err != nil {
		return nil, err
	}
	id, outs, err := r.create(req.GetProperties())
	if err != nil {
		return nil, err
	}
	return &pulumirpc.CreateResponse{Id: id, Properties: outs}, nil
}

func (p *stepsProvider) Read(_ context.Context, req *pulumirpc.ReadRequest) (*pulumirpc.ReadResponse, error) {
	r, err := served(req.GetUrn())
	if err != nil {
		return nil, err
	}
	outs, err := r.read(req.GetId(), req.GetProperties())
	if err != nil || outs == nil {
		return &pulumirpc.ReadResponse{}, err
	}
	return &pulumirpc.ReadResponse{Id: req.GetId(), Properties: outs, Inputs: req.GetInputs()}, nil
}

func (p *stepsProvider) Update(_ context.Context, req *pulumirpc.UpdateRequest) (*pulumirpc.UpdateResponse, error) {
	r, err := served(req.GetUrn())
	if err != nil {
		return nil, err
	}
	outs, err := r.update(req.GetOlds(), req.GetNews())
	if err != nil {
		return nil, err
	}
	return &pulumirpc.UpdateResponse{Properties: outs}, nil
}

func (p *stepsProvider) Delete(_ context.Context, req *pulumirpc.DeleteRequest) (*emptypb.Empty, error) {
	r, err := served(req.GetUrn())
	if err != nil {
		return nil, err
	}
	if err := r.delete(req.GetId(), req.GetProperties(), req.GetOldInputs()); err != nil {
		return nil, err
	}
	return &emptypb.Empty{}, nil
}

// served is the resource a URN's type names (after the last `$`, past its parents' types).
func served(urn string) (resource, error) {
	parts := strings.Split(urn, "::")
	typ := ""
	if len(parts) >= 2 {
		typ = parts[len(parts)-2]
	}
	if i := strings.LastIndex(typ, "$"); i >= 0 {
		typ = typ[i+1:]
	}
	if r, ok := resources[typ]; ok {
		return r, nil
	}
	types := make([]string, 0, len(resources))
	for known := range resources {
		types = append(types, known)
	}
	sort.Strings(types)
	return nil, status.Errorf(codes.InvalidArgument, "calicolab-steps serves %s, not %s", strings.Join(types, ", "), typ)
}
