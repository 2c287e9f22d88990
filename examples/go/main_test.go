package main

import (
	"sort"
	"sync"
	"testing"

	"github.com/pulumi/pulumi/sdk/v3/go/common/resource"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
)

// mocks records what the program registers; components echo their inputs as outputs.
type mocks struct {
	mu        sync.Mutex
	types     map[string]string            // name -> type token
	providers map[string]map[string]string // component name -> its providers, by package
	inputs    map[string]resource.PropertyMap
}

func (m *mocks) NewResource(args pulumi.MockResourceArgs) (string, resource.PropertyMap, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.types[args.Name] = args.TypeToken
	m.inputs[args.Name] = args.Inputs
	if args.RegisterRPC != nil {
		m.providers[args.Name] = args.RegisterRPC.GetProviders()
	}
	return args.Name + "_id", args.Inputs, nil
}

func (m *mocks) Call(args pulumi.MockCallArgs) (resource.PropertyMap, error) {
	return resource.PropertyMap{}, nil
}

// TestProgram runs the example under the Go SDK's mocks (no engine, no provider plugin): the
// generated SDK's types serialize, and every component gets the kubernetes provider.
func TestProgram(t *testing.T) {
	m := &mocks{types: map[string]string{}, providers: map[string]map[string]string{}, inputs: map[string]resource.PropertyMap{}}
	if err := pulumi.RunErr(program, pulumi.WithMocks("mesh-rollout-example-go", "dev", m)); err != nil {
		t.Fatal(err)
	}
	want := map[string]string{
		"render":        "pulumi:providers:kubernetes",
		"proxy-1-0-0":   "mesh-rollout:index:SidecarVersion",
		"nginx-sidecar": "mesh-rollout:index:SidecarSetUpgrade",
		"mesh":          "mesh-rollout:index:MeshRevision",
	}
	for name, typ := range want {
		if m.types[name] != typ {
			names := make([]string, 0, len(m.types))
			for n := range m.types {
				names = append(names, n+"="+m.types[n])
			}
			sort.Strings(names)
			t.Fatalf("%s: want a %s, registered: %v", name, typ, names)
		}
		if typ != "pulumi:providers:kubernetes" && m.providers[name]["kubernetes"] == "" {
			t.Errorf("%s was registered without the kubernetes provider (providers: %v)", name, m.providers[name])
		}
	}
	// The SidecarSet injects the catalog entry's version (an output of SidecarVersion, echoed by the mocks).
	ref := m.inputs["nginx-sidecar"]["sidecarVersion"]
	if !ref.IsObject() || ref.ObjectValue()["version"].StringValue() != "1.0.0" {
		t.Errorf("nginx-sidecar: sidecarVersion = %v, want version 1.0.0", ref)
	}
	if v := m.inputs["mesh"]["version"]; !v.IsString() || v.StringValue() != "1.14.5" {
		t.Errorf("mesh: version = %v, want 1.14.5", v)
	}
}
