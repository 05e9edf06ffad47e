package main

import (
	"sort"
	"strconv"

	pulumirpc "github.com/pulumi/pulumi/sdk/v3/proto/go"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/known/structpb"
)

// field is a property's value, null when absent.
func field(props *structpb.Struct, key string) *structpb.Value {
	if value, ok := props.GetFields()[key]; ok && value != nil {
		return value
	}
	return structpb.NewNullValue()
}

func text(props *structpb.Struct, key string) string { return field(props, key).GetStringValue() }

// texts is a list of strings (an argv).
func texts(props *structpb.Struct, key string) []string {
	var out []string
	for _, value := range field(props, key).GetListValue().GetValues() {
		out = append(out, value.GetStringValue())
	}
	return out
}

// textMap is an object of strings (labels), absent keys left out.
func textMap(props *structpb.Struct, key string) map[string]string {
	out := map[string]string{}
	for k, value := range field(props, key).GetStructValue().GetFields() {
		out[k] = value.GetStringValue()
	}
	return out
}

// sortedKeys: the engine's objects arrive as maps, so anything said in order is said in key order.
func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for key := range m {
		keys = append(keys, key)
	}
	sort.Strings(keys)
	return keys
}

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

// number as JavaScript writes it (30, 2.5), for messages that name a setting's value.
func number(value float64) string { return strconv.FormatFloat(value, 'f', -1, 64) }

func anyChanged(keys []string, changed func(string) bool) bool {
	for _, key := range keys {
		if changed(key) {
			return true
		}
	}
	return false
}

// changedIn: the keys among these whose values differ (absent and null are the same).
func changedIn(olds, news *structpb.Struct, keys []string) []string {
	out := []string{}
	for _, key := range keys {
		if !proto.Equal(field(olds, key), field(news, key)) {
			out = append(out, key)
		}
	}
	return out
}

// replacing: a diff that replaces on these keys (deleting first when asked) and changes nothing else.
func replacing(replaces []string, deleteFirst bool) *pulumirpc.DiffResponse {
	changes := pulumirpc.DiffResponse_DIFF_NONE
	if len(replaces) > 0 {
		changes = pulumirpc.DiffResponse_DIFF_SOME
	}
	return &pulumirpc.DiffResponse{Changes: changes, Replaces: replaces, Diffs: replaces, DeleteBeforeReplace: deleteFirst}
}

// with is a copy of props with one more field.
func with(props *structpb.Struct, key string, value *structpb.Value) *structpb.Struct {
	out := &structpb.Struct{Fields: map[string]*structpb.Value{}}
	for k, v := range props.GetFields() {
		out.Fields[k] = v
	}
	out.Fields[key] = value
	return out
}
