package main

import (
	"context"
	"fmt"
	"net"
	"strconv"
	"strings"

	"github.com/spf13/pflag"
	utilerrors "k8s.io/apimachinery/pkg/util/errors"
	"k8s.io/client-go/rest"
	apiapp "k8s.io/kubernetes/cmd/kube-apiserver/app"
	apioptions "k8s.io/kubernetes/cmd/kube-apiserver/app/options"
	kcmapp "k8s.io/kubernetes/cmd/kube-controller-manager/app"
	kcmoptions "k8s.io/kubernetes/cmd/kube-controller-manager/app/options"
)

// The upstream cobra commands install their own signal handlers (and exit the
// process on a second signal), so we replicate what their RunE does instead,
// driven by our context. Logging is configured once by main via klog flags.

func runAPIServer(ctx context.Context, ln net.Listener, port int, etcdURL string, p *pki) error {
	s := apioptions.NewServerRunOptions()
	fs := pflag.NewFlagSet("kube-apiserver", pflag.ContinueOnError)
	for _, f := range s.Flags().FlagSets {
		fs.AddFlagSet(f)
	}
	args := []string{
		"--etcd-servers=" + etcdURL,
		"--bind-address=127.0.0.1",
		"--advertise-address=127.0.0.1",
		"--secure-port=" + strconv.Itoa(port),
		"--tls-cert-file=" + p.ServingCert,
		"--tls-private-key-file=" + p.ServingKey,
		"--client-ca-file=" + p.CAFile,
		"--token-auth-file=" + p.TokenFile,
		"--authorization-mode=RBAC",
		"--service-cluster-ip-range=10.96.0.0/16",
		"--service-account-issuer=https://kubernetes.default.svc.cluster.local",
		"--service-account-key-file=" + p.SAPublicKey,
		"--service-account-signing-key-file=" + p.SAPrivateKey,
		"--endpoint-reconciler-type=none", // endpoints may not point at loopback addresses
		"--allow-privileged=true",
		"--profiling=false",
		"--enable-admission-plugins=NamespaceLifecycle,LimitRanger,ServiceAccount,DefaultStorageClass,ResourceQuota",
	}
	if err := fs.Parse(args); err != nil {
		return err
	}
	s.SecureServing.Listener = ln
	s.SecureServing.BindPort = port
	if err := s.GenericServerRunOptions.ComponentGlobalsRegistry.Set(); err != nil {
		return err
	}
	rest.SetDefaultWarningHandler(rest.NoWarnings{})
	completed, err := s.Complete(ctx)
	if err != nil {
		return err
	}
	if errs := completed.Validate(); len(errs) != 0 {
		return utilerrors.NewAggregate(errs)
	}
	return apiapp.Run(ctx, completed)
}

// disabledControllers are switched off from the default set ("*"). Node
// lifecycle and IPAM are off: the simulated node has no real kubelet heartbeat
// guarantees under load and pods get their IPs from the simulator.
var disabledControllers = []string{
	"node-ipam-controller",
	"node-lifecycle-controller",
	"taint-eviction-controller",
	"persistentvolume-attach-detach-controller",
	"cloud-node-lifecycle-controller",
	"service-lb-controller",
	"node-route-controller",
}

func runControllerManager(ctx context.Context, kubeconfig string, p *pki) error {
	s, err := kcmoptions.NewKubeControllerManagerOptions()
	if err != nil {
		return err
	}
	known := kcmapp.KnownControllers()
	disabledByDefault := kcmapp.ControllersDisabledByDefault()
	aliases := kcmapp.ControllerAliases()
	fs := pflag.NewFlagSet("kube-controller-manager", pflag.ContinueOnError)
	nfs := s.Flags(known, disabledByDefault, aliases)
	for _, f := range nfs.FlagSets {
		fs.AddFlagSet(f)
	}
	controllers := "*"
	knownSet := map[string]bool{}
	for _, k := range known {
		knownSet[k] = true
	}
	for _, d := range disabledControllers {
		if knownSet[d] {
			controllers += ",-" + d
		}
	}
	args := []string{
		"--kubeconfig=" + kubeconfig,
		"--secure-port=0",
		"--leader-elect=false",
		"--controllers=" + controllers,
		"--service-account-private-key-file=" + p.SAPrivateKey,
		"--root-ca-file=" + p.CAFile,
		"--use-service-account-credentials=false",
		"--kube-api-qps=100",
		"--kube-api-burst=200",
		"--concurrent-gc-syncs=5",
		"--profiling=false",
	}
	if err := fs.Parse(args); err != nil {
		return err
	}
	if err := s.ComponentGlobalsRegistry.Set(); err != nil {
		return err
	}
	c, err := s.Config(ctx, known, disabledByDefault, aliases)
	if err != nil {
		return fmt.Errorf("controller-manager config (%s): %w", strings.Join(args, " "), err)
	}
	return kcmapp.Run(ctx, c.Complete())
}
