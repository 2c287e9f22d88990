// Command pulumi-language-nodejs is mesh-rollout's small Node.js language host for the
// Pulumi engine; scripts/engine builds it (see docs/engine.md). It speaks the
// LanguageRuntime gRPC service of the pinned sdk/v3 and runs the entry points shipped in
// the npm package @pulumi/pulumi: cmd/run (programs), cmd/run-plugin (plugins) and
// cmd/run-policy-pack (policy packs).
package main

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/google/shlex"
	"google.golang.org/grpc"
	"google.golang.org/protobuf/types/known/emptypb"
	"google.golang.org/protobuf/types/known/structpb"

	sdk "github.com/pulumi/pulumi/sdk/v3"
	"github.com/pulumi/pulumi/sdk/v3/go/common/util/rpcutil"
	pulumirpc "github.com/pulumi/pulumi/sdk/v3/proto/go"
)

// hostVersion is set with -ldflags "-X main.hostVersion=...".
var hostVersion = "0.0.0"

// exitUserMessage is the exit code @pulumi/pulumi uses after it has printed an
// actionable error; the engine then bails without adding its own message.
const exitUserMessage = 32

type langHost struct {
	pulumirpc.UnimplementedLanguageRuntimeServer

	engine string
	ctx    context.Context // cancelled by the Cancel RPC
	cancel context.CancelFunc
}

func main() {
	_ = flag.String("tracing", "", "ignored")
	_ = flag.String("runtime", "nodejs", "ignored; only nodejs is supported")
	printVersion := flag.Bool("version", false, "print the version and exit")
	flag.Parse()
	if *printVersion {
		fmt.Println(hostVersion)
		return
	}

	ctx, cancel := context.WithCancel(context.Background())
	h := &langHost{ctx: ctx, cancel: cancel}
	if flag.NArg() > 0 {
		h.engine = flag.Arg(0)
		// Exit when the engine goes away.
		if err := rpcutil.Healthcheck(ctx, h.engine, 5*time.Minute, cancel); err != nil {
			fatal(err)
		}
	}

	stop := make(chan bool)
	go func() { <-ctx.Done(); close(stop) }()
	handle, err := rpcutil.ServeWithOptions(rpcutil.ServeOptions{
		Cancel: stop,
		Init: func(s *grpc.Server) error {
			pulumirpc.RegisterLanguageRuntimeServer(s, h)
			return nil
		},
	})
	if err != nil {
		fatal(err)
	}
	fmt.Printf("%d\n", handle.Port)
	if err := <-handle.Done; err != nil {
		fatal(err)
	}
}

func fatal(err error) {
	fmt.Fprintf(os.Stderr, "pulumi-language-nodejs: %v\n", err)
	os.Exit(1)
}

// ---- runtime options and helpers ----

type runtimeOptions struct {
	typescript bool
	tsconfig   string
	nodeArgs   []string
}

func parseRuntimeOptions(s *structpb.Struct) (runtimeOptions, error) {
	o := runtimeOptions{typescript: true}
	m := s.AsMap()
	if v, ok := m["typescript"]; ok {
		b, ok := v.(bool)
		if !ok {
			return o, errors.New("runtime option 'typescript' must be a boolean")
		}
		o.typescript = b
	}
	if v, ok := m["tsconfig"]; ok {
		str, ok := v.(string)
		if !ok {
			return o, errors.New("runtime option 'tsconfig' must be a string")
		}
		o.tsconfig = str
	}
	if v, ok := m["nodeargs"]; ok {
		str, ok := v.(string)
		if !ok {
			return o, errors.New("runtime option 'nodeargs' must be a string")
		}
		args, err := shlex.Split(str)
		if err != nil {
			return o, err
		}
		o.nodeArgs = args
	}
	return o, nil
}

func (o runtimeOptions) env() []string {
	var env []string
	if o.typescript {
		env = append(env, "PULUMI_NODEJS_TYPESCRIPT=true")
	}
	if o.tsconfig != "" {
		env = append(env, "PULUMI_NODEJS_TSCONFIG_PATH="+o.tsconfig)
	}
	return env
}

// resolveEntry finds a module of @pulumi/pulumi the way node does from dir.
func resolveEntry(ctx context.Context, dir, module string) (string, error) {
	cmd := exec.CommandContext(ctx, "node", "-e", "console.log(require.resolve(process.argv[1]))", module)
	cmd.Dir = dir
	out, err := cmd.Output()
	if err != nil {
		return "", fmt.Errorf("cannot resolve %s from %s (is @pulumi/pulumi installed there? run npm install): %w",
			module, dir, err)
	}
	return strings.TrimSpace(string(out)), nil
}

// writerOnly hides an *os.File behind an io.Writer so that exec uses a pipe:
// node may switch a shared stdout descriptor to non-blocking mode.
type writerOnly struct{ io.Writer }

func programDir(info *pulumirpc.ProgramInfo, fallback string) string {
	if d := info.GetProgramDirectory(); d != "" {
		return d
	}
	return fallback
}

// ---- LanguageRuntime service ----

func (h *langHost) Handshake(
	_ context.Context, req *pulumirpc.LanguageHandshakeRequest,
) (*pulumirpc.LanguageHandshakeResponse, error) {
	if h.engine == "" {
		h.engine = req.GetEngineAddress()
	}
	return &pulumirpc.LanguageHandshakeResponse{}, nil
}

func (h *langHost) GetPluginInfo(context.Context, *emptypb.Empty) (*pulumirpc.PluginInfo, error) {
	return &pulumirpc.PluginInfo{Version: hostVersion}, nil
}

func (h *langHost) Cancel(context.Context, *emptypb.Empty) (*emptypb.Empty, error) {
	h.cancel()
	return &emptypb.Empty{}, nil
}

func (h *langHost) Run(ctx context.Context, req *pulumirpc.RunRequest) (*pulumirpc.RunResponse, error) {
	info := req.GetInfo()
	dir := programDir(info, req.GetPwd())
	entry := info.GetEntryPoint()
	if entry == "" {
		entry = req.GetProgram()
	}
	if entry == "" {
		entry = "."
	}
	opts, err := parseRuntimeOptions(info.GetOptions())
	if err != nil {
		return &pulumirpc.RunResponse{Error: err.Error()}, nil
	}
	runner, err := resolveEntry(ctx, dir, "@pulumi/pulumi/cmd/run")
	if err != nil {
		return &pulumirpc.RunResponse{Error: err.Error()}, nil
	}

	args := append([]string{}, opts.nodeArgs...)
	args = append(args, runner)
	flagIf := func(name, value string) {
		if value != "" {
			args = append(args, "--"+name, value)
		}
	}
	flagIf("monitor", req.GetMonitorAddress())
	flagIf("engine", h.engine)
	flagIf("organization", req.GetOrganization())
	flagIf("project", req.GetProject())
	flagIf("root-directory", info.GetRootDirectory())
	flagIf("stack", req.GetStack())
	flagIf("pwd", dir)
	if req.GetDryRun() {
		args = append(args, "--dry-run")
	}
	flagIf("parallel", strconv.Itoa(int(req.GetParallel())))
	args = append(args, entry)
	args = append(args, req.GetArgs()...)

	config, err := json.Marshal(orEmptyMap(req.GetConfig()))
	if err != nil {
		return nil, err
	}
	secretKeys, err := json.Marshal(orEmptySlice(req.GetConfigSecretKeys()))
	if err != nil {
		return nil, err
	}
	env := append(os.Environ(), "PULUMI_CONFIG="+string(config), "PULUMI_CONFIG_SECRET_KEYS="+string(secretKeys))
	env = append(env, opts.env()...)

	runCtx, stop := context.WithCancel(h.ctx)
	defer stop()
	context.AfterFunc(ctx, stop)
	cmd := exec.CommandContext(runCtx, "node", args...)
	cmd.Cancel = func() error { return cmd.Process.Signal(os.Interrupt) }
	cmd.WaitDelay = 5 * time.Second
	cmd.Dir = dir
	cmd.Env = env
	cmd.Stdout, cmd.Stderr = writerOnly{os.Stdout}, writerOnly{os.Stderr}
	if err := cmd.Run(); err != nil {
		var exitErr *exec.ExitError
		if errors.As(err, &exitErr) {
			if exitErr.ExitCode() == exitUserMessage {
				return &pulumirpc.RunResponse{Bail: true}, nil
			}
			return &pulumirpc.RunResponse{
				Error: fmt.Sprintf("Program exited with non-zero exit code: %d", exitErr.ExitCode()),
			}, nil
		}
		return &pulumirpc.RunResponse{Error: fmt.Sprintf("could not run node: %v", err)}, nil
	}
	return &pulumirpc.RunResponse{}, nil
}

func orEmptyMap(m map[string]string) map[string]string {
	if m == nil {
		return map[string]string{}
	}
	return m
}

func orEmptySlice(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}

// RunPlugin starts node-based plugins, notably policy packs (kind "analyzer").
func (h *langHost) RunPlugin(
	req *pulumirpc.RunPluginRequest, server pulumirpc.LanguageRuntime_RunPluginServer,
) error {
	ctx := server.Context()
	closer, stdout, stderr, err := rpcutil.MakeRunPluginStreams(server, false)
	if err != nil {
		return err
	}
	defer closer.Close()

	dir := programDir(req.GetInfo(), req.GetPwd())
	opts, err := parseRuntimeOptions(req.GetInfo().GetOptions())
	if err != nil {
		return err
	}
	policy := req.GetKind() == "analyzer"
	module := "@pulumi/pulumi/cmd/run-plugin"
	if policy {
		module = "@pulumi/pulumi/cmd/run-policy-pack"
	}
	runner, err := resolveEntry(ctx, dir, module)
	if err != nil {
		return err
	}
	args := append([]string{}, opts.nodeArgs...)
	args = append(args, runner)
	if policy {
		// run-policy-pack takes <engine-address> <pack-directory>.
		args = append(args, req.GetArgs()...)
		args = append(args, dir)
	} else {
		args = append(args, dir)
		args = append(args, req.GetArgs()...)
	}
	env := append(append([]string{}, req.GetEnv()...), opts.env()...)

	var proxy *sdk.PolicyProxy
	if policy {
		// The engine configures the stack on the analyzer before the pack starts;
		// the proxy takes that call and the pack learns the values from its env.
		proxy, stdout, err = sdk.NewPolicyProxy(ctx, stdout)
		if err != nil {
			return err
		}
		cfg, err := proxy.AwaitConfiguration(ctx)
		if err != nil {
			return err
		}
		if cfg != nil {
			add := func(k, v string) {
				if v != "" {
					env = append(env, k+"="+v)
				}
			}
			add("PULUMI_NODEJS_ORGANIZATION", cfg.GetOrganization())
			add("PULUMI_NODEJS_PROJECT", cfg.GetProject())
			add("PULUMI_NODEJS_STACK", cfg.GetStack())
			add("PULUMI_NODEJS_DRY_RUN", strconv.FormatBool(cfg.GetDryRun()))
			if c := cfg.GetConfig(); c != nil {
				b, err := json.Marshal(c)
				if err != nil {
					return err
				}
				add("PULUMI_CONFIG", string(b))
			}
		}
	}

	cmd := exec.CommandContext(ctx, "node", args...)
	cmd.Dir = req.GetPwd()
	if policy || cmd.Dir == "" {
		cmd.Dir = dir
	}
	cmd.Env = env
	cmd.Stdout, cmd.Stderr = stdout, stderr
	if err := cmd.Start(); err != nil {
		return fmt.Errorf("could not start node: %w", err)
	}
	if proxy != nil {
		err = proxy.Attach(ctx, cmd)
	} else {
		err = cmd.Wait()
	}
	if err != nil {
		var exitErr *exec.ExitError
		if errors.As(err, &exitErr) {
			return fmt.Errorf("plugin exited with non-zero exit code: %d", exitErr.ExitCode())
		}
		return err
	}
	return closer.Close()
}

// ---- dependencies ----

type pulumiField struct {
	Resource         bool   `json:"resource"`
	Name             string `json:"name"`
	Version          string `json:"version"`
	Server           string `json:"server"`
	Parameterization *struct {
		Name    string `json:"name"`
		Version string `json:"version"`
		Value   string `json:"value"`
	} `json:"parameterization"`
}

type packageJSON struct {
	Name            string            `json:"name"`
	Version         string            `json:"version"`
	Dependencies    map[string]string `json:"dependencies"`
	DevDependencies map[string]string `json:"devDependencies"`
	Pulumi          *pulumiField      `json:"pulumi"`
}

func readPackageJSON(path string) (*packageJSON, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	var p packageJSON
	if err := json.Unmarshal(b, &p); err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return &p, nil
}

// providerPackages lists the resource plugins that the npm packages under
// dir/node_modules declare in the "pulumi" section of their package.json.
func providerPackages(dir string) []*pulumirpc.PackageDependency {
	found := map[string]*pulumirpc.PackageDependency{}
	seen := map[string]bool{}
	var walk func(nodeModules string)
	walk = func(nodeModules string) {
		real, err := filepath.EvalSymlinks(nodeModules)
		if err != nil || seen[real] {
			return
		}
		seen[real] = true
		entries, err := os.ReadDir(nodeModules)
		if err != nil {
			return
		}
		var pkgDirs []string
		for _, e := range entries {
			name := e.Name()
			switch {
			case strings.HasPrefix(name, "."):
			case strings.HasPrefix(name, "@"):
				scoped, _ := os.ReadDir(filepath.Join(nodeModules, name))
				for _, s := range scoped {
					pkgDirs = append(pkgDirs, filepath.Join(nodeModules, name, s.Name()))
				}
			default:
				pkgDirs = append(pkgDirs, filepath.Join(nodeModules, name))
			}
		}
		for _, pd := range pkgDirs {
			p, err := readPackageJSON(filepath.Join(pd, "package.json"))
			if err == nil && p.Pulumi != nil && p.Pulumi.Resource {
				if dep := toDependency(p); dep != nil {
					found[dep.Name+"@"+dep.Version] = dep
				}
			}
			walk(filepath.Join(pd, "node_modules"))
		}
	}
	walk(filepath.Join(dir, "node_modules"))
	keys := make([]string, 0, len(found))
	for k := range found {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	deps := make([]*pulumirpc.PackageDependency, 0, len(keys))
	for _, k := range keys {
		deps = append(deps, found[k])
	}
	return deps
}

func toDependency(p *packageJSON) *pulumirpc.PackageDependency {
	name := p.Pulumi.Name
	if name == "" {
		name = strings.TrimPrefix(p.Name, "@pulumi/")
		if name == p.Name {
			return nil
		}
	}
	version := p.Pulumi.Version
	if version == "" {
		version = p.Version
	}
	if version != "" && !strings.HasPrefix(version, "v") {
		version = "v" + version
	}
	dep := &pulumirpc.PackageDependency{Kind: "resource", Name: name, Version: version, Server: p.Pulumi.Server}
	if pz := p.Pulumi.Parameterization; pz != nil {
		value, err := base64.StdEncoding.DecodeString(pz.Value)
		if err != nil {
			return nil
		}
		dep.Parameterization = &pulumirpc.PackageParameterization{Name: pz.Name, Version: pz.Version, Value: value}
	}
	return dep
}

func (h *langHost) GetRequiredPackages(
	_ context.Context, req *pulumirpc.GetRequiredPackagesRequest,
) (*pulumirpc.GetRequiredPackagesResponse, error) {
	return &pulumirpc.GetRequiredPackagesResponse{Packages: providerPackages(programDir(req.GetInfo(), "."))}, nil
}

func (h *langHost) GetRequiredPlugins(
	_ context.Context, req *pulumirpc.GetRequiredPluginsRequest,
) (*pulumirpc.GetRequiredPluginsResponse, error) {
	var plugins []*pulumirpc.PluginDependency
	for _, d := range providerPackages(programDir(req.GetInfo(), req.GetPwd())) {
		if d.Parameterization == nil {
			plugins = append(plugins, &pulumirpc.PluginDependency{
				Name: d.Name, Kind: d.Kind, Version: d.Version, Server: d.Server,
			})
		}
	}
	return &pulumirpc.GetRequiredPluginsResponse{Plugins: plugins}, nil
}

func (h *langHost) InstallDependencies(
	req *pulumirpc.InstallDependenciesRequest, server pulumirpc.LanguageRuntime_InstallDependenciesServer,
) error {
	closer, stdout, stderr, err := rpcutil.MakeInstallDependenciesStreams(server, req.GetIsTerminal())
	if err != nil {
		return err
	}
	defer closer.Close()
	dir := programDir(req.GetInfo(), req.GetDirectory())
	tool := "npm"
	switch {
	case exists(filepath.Join(dir, "yarn.lock")):
		tool = "yarn"
	case exists(filepath.Join(dir, "pnpm-lock.yaml")):
		tool = "pnpm"
	}
	cmd := exec.CommandContext(server.Context(), tool, "install")
	cmd.Dir = dir
	cmd.Stdout, cmd.Stderr = stdout, stderr
	if err := cmd.Run(); err != nil {
		return fmt.Errorf("%s install in %s failed: %w", tool, dir, err)
	}
	return closer.Close()
}

func exists(path string) bool {
	_, err := os.Stat(path)
	return err == nil
}

func (h *langHost) About(ctx context.Context, _ *pulumirpc.AboutRequest) (*pulumirpc.AboutResponse, error) {
	node, err := exec.LookPath("node")
	if err != nil {
		return nil, fmt.Errorf("node not found on PATH: %w", err)
	}
	resp := &pulumirpc.AboutResponse{Executable: node}
	if out, err := exec.CommandContext(ctx, node, "--version").Output(); err == nil {
		resp.Version = strings.TrimPrefix(strings.TrimSpace(string(out)), "v")
	}
	return resp, nil
}

func (h *langHost) GetProgramDependencies(
	_ context.Context, req *pulumirpc.GetProgramDependenciesRequest,
) (*pulumirpc.GetProgramDependenciesResponse, error) {
	dir := programDir(req.GetInfo(), req.GetPwd())
	p, err := readPackageJSON(filepath.Join(dir, "package.json"))
	if err != nil {
		return nil, err
	}
	names := map[string]string{}
	for n, v := range p.DevDependencies {
		names[n] = v
	}
	for n, v := range p.Dependencies {
		names[n] = v
	}
	sorted := make([]string, 0, len(names))
	for n := range names {
		sorted = append(sorted, n)
	}
	sort.Strings(sorted)
	resp := &pulumirpc.GetProgramDependenciesResponse{}
	for _, n := range sorted {
		version := names[n]
		if installed, err := readPackageJSON(filepath.Join(dir, "node_modules", n, "package.json")); err == nil {
			version = installed.Version
		}
		resp.Dependencies = append(resp.Dependencies, &pulumirpc.DependencyInfo{Name: n, Version: version})
	}
	return resp, nil
}
