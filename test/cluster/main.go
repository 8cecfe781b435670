// Command kpush-cluster runs a real, single-process Kubernetes control plane for
// kpush's end-to-end tests: embedded etcd, kube-apiserver and
// kube-controller-manager (the upstream code, linked in), plus a node simulator
// that stands in for a kubelet (see README.md). Everything listens on 127.0.0.1
// only, on random free ports, with freshly generated certificates and keys.
package main

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/signal"
	"path/filepath"
	"strconv"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"go.etcd.io/etcd/server/v3/embed"
	"google.golang.org/grpc/grpclog"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/rest"
	"k8s.io/client-go/tools/clientcmd"
	clientcmdapi "k8s.io/client-go/tools/clientcmd/api"
	"k8s.io/klog/v2"
)

type config struct {
	dataDir        string
	kubeconfig     string
	verbosity      int
	exitWithParent bool
	readyTimeout   time.Duration
	sim            simConfig
}

func main() {
	// The API server routes gRPC's chatty connection logs into klog; like the upstream
	// integration tests, keep only errors.
	grpclog.SetLoggerV2(grpclog.NewLoggerV2(io.Discard, io.Discard, os.Stderr))

	var cfg config
	// Own flag set: linked-in libraries register many flags on flag.CommandLine.
	fs := flag.NewFlagSet("kpush-cluster", flag.ExitOnError)
	fs.StringVar(&cfg.dataDir, "data-dir", "", "directory for etcd data, certificates and keys (required)")
	fs.StringVar(&cfg.kubeconfig, "kubeconfig", "", "where to write the admin kubeconfig (default <data-dir>/kubeconfig)")
	fs.IntVar(&cfg.verbosity, "v", 0, "klog verbosity of the control-plane components")
	fs.BoolVar(&cfg.exitWithParent, "exit-with-parent", true, "shut down when the parent process goes away")
	fs.DurationVar(&cfg.readyTimeout, "ready-timeout", 120*time.Second, "give up if the cluster is not ready by then")
	fs.StringVar(&cfg.sim.nodeName, "node-name", "kpush-node", "name of the simulated node")
	fs.DurationVar(&cfg.sim.startDelay, "pod-start-delay", time.Second, "time from binding until containers run")
	fs.DurationVar(&cfg.sim.slowDelay, "pod-slow-delay", 10*time.Second, "start delay of images tagged *-slow")
	fs.DurationVar(&cfg.sim.jobDuration, "job-duration", time.Second, "how long a Job's pod runs before it completes")
	fs.DurationVar(&cfg.sim.crashInterval, "crash-interval", 5*time.Second, "time between restarts of crash-looping containers")
	_ = fs.Parse(os.Args[1:])
	if cfg.dataDir == "" {
		fmt.Fprintln(os.Stderr, "kpush-cluster: --data-dir is required")
		os.Exit(2)
	}
	if cfg.kubeconfig == "" {
		cfg.kubeconfig = filepath.Join(cfg.dataDir, "kubeconfig")
	}
	klogFlags := flag.NewFlagSet("klog", flag.ContinueOnError)
	klog.InitFlags(klogFlags)
	_ = klogFlags.Set("v", strconv.Itoa(cfg.verbosity))

	if err := run(cfg); err != nil {
		klog.Flush()
		fmt.Fprintf(os.Stderr, "kpush-cluster: %v\n", err)
		os.Exit(1)
	}
	klog.Flush()
}

func logf(format string, args ...any) {
	fmt.Fprintf(os.Stderr, "kpush-cluster: "+format+"\n", args...)
}

func freePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}

// orphaned is set when the parent died: nobody else will clean up the data dir then.
var orphaned atomic.Bool

func run(cfg config) error {
	err := runCluster(cfg)
	if orphaned.Load() {
		_ = os.RemoveAll(cfg.dataDir)
		_ = os.Remove(cfg.kubeconfig)
	}
	return err
}

func runCluster(cfg config) error {
	started := time.Now()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()

	sigs := make(chan os.Signal, 2)
	signal.Notify(sigs, syscall.SIGTERM, syscall.SIGINT, syscall.SIGHUP)
	go func() {
		s := <-sigs
		first := time.Now()
		logf("received %v, shutting down", s)
		cancel()
		for s := range sigs {
			// A Ctrl-C in a terminal reaches both us and our parent, which then sends
			// SIGTERM too: only a signal well after the first one means "hurry up".
			if time.Since(first) > 2*time.Second {
				logf("received %v again, exiting immediately", s)
				os.Exit(1)
			}
		}
	}()
	if cfg.exitWithParent {
		parent := os.Getppid()
		go func() {
			for ctx.Err() == nil {
				time.Sleep(time.Second)
				if os.Getppid() != parent {
					logf("parent process %d went away, shutting down", parent)
					orphaned.Store(true)
					cancel()
					return
				}
			}
		}()
	}

	if err := os.MkdirAll(cfg.dataDir, 0o700); err != nil {
		return err
	}
	p, err := generatePKI(filepath.Join(cfg.dataDir, "pki"))
	if err != nil {
		return fmt.Errorf("generating certificates: %w", err)
	}

	// etcd
	etcdServer, etcdURL, err := startEtcd(filepath.Join(cfg.dataDir, "etcd"))
	if err != nil {
		return fmt.Errorf("starting etcd: %w", err)
	}
	defer func() {
		etcdServer.Close()
		logf("etcd stopped")
	}()
	logf("etcd ready at %s after %v", etcdURL, time.Since(started).Round(time.Millisecond))

	// kube-apiserver, on a listener we already hold, so the port cannot be taken.
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return err
	}
	port := ln.Addr().(*net.TCPAddr).Port
	serverURL := fmt.Sprintf("https://127.0.0.1:%d", port)

	var wg sync.WaitGroup
	apiCtx, apiCancel := context.WithCancel(context.Background())
	defer apiCancel()
	apiDone := make(chan error, 1)
	wg.Add(1)
	go func() {
		defer wg.Done()
		apiDone <- runAPIServer(apiCtx, ln, port, etcdURL, p)
	}()

	restCfg := &rest.Config{
		Host:            serverURL,
		BearerToken:     p.AdminToken,
		TLSClientConfig: rest.TLSClientConfig{CAData: p.CAPEM},
		QPS:             100,
		Burst:           200,
	}
	if err := waitForReadyz(ctx, serverURL, p, apiDone, cfg.readyTimeout); err != nil {
		apiCancel()
		return err
	}
	logf("kube-apiserver ready at %s after %v", serverURL, time.Since(started).Round(time.Millisecond))

	// The admin kubeconfig is used by the controller manager too; the file that
	// callers wait for is written last, once everything is up.
	adminKubeconfig := filepath.Join(cfg.dataDir, "admin.kubeconfig")
	if err := writeKubeconfig(adminKubeconfig, serverURL, p); err != nil {
		return err
	}

	compCtx, compCancel := context.WithCancel(context.Background())
	defer compCancel()
	kcmDone := make(chan error, 1)
	wg.Add(1)
	go func() {
		defer wg.Done()
		kcmDone <- runControllerManager(compCtx, adminKubeconfig, p)
	}()

	client, err := kubernetes.NewForConfig(rest.AddUserAgent(rest.CopyConfig(restCfg), "kpush-node-simulator"))
	if err != nil {
		return err
	}
	sim := newSimulator(client, cfg.sim, filepath.Join(cfg.dataDir, "volumes"))
	wg.Add(1)
	go func() {
		defer wg.Done()
		if err := sim.run(compCtx); err != nil {
			logf("node simulator: %v", err)
		}
	}()

	if err := waitForCluster(ctx, client, cfg.sim.nodeName, kcmDone, cfg.readyTimeout-time.Since(started)); err != nil {
		compCancel()
		apiCancel()
		return err
	}
	if err := writeKubeconfig(cfg.kubeconfig, serverURL, p); err != nil {
		return err
	}
	logf("cluster ready after %v; kubeconfig: %s", time.Since(started).Round(time.Millisecond), cfg.kubeconfig)
	fmt.Printf("ready %s %s\n", serverURL, cfg.kubeconfig)

	var runErr error
	select {
	case <-ctx.Done():
	case err := <-apiDone:
		runErr = fmt.Errorf("kube-apiserver exited: %v", err)
	case err := <-kcmDone:
		runErr = fmt.Errorf("kube-controller-manager exited: %v", err)
	}

	// Orderly shutdown: controllers first, then the API server, then etcd.
	compCancel()
	apiCancel()
	done := make(chan struct{})
	go func() { wg.Wait(); close(done) }()
	select {
	case <-done:
	case <-time.After(15 * time.Second):
		logf("components did not stop within 15s, exiting anyway")
	}
	return runErr
}

func startEtcd(dir string) (*embed.Etcd, string, error) {
	var lastErr error
	for attempt := 0; attempt < 5; attempt++ {
		clientPort, err := freePort()
		if err != nil {
			return nil, "", err
		}
		peerPort, err := freePort()
		if err != nil {
			return nil, "", err
		}
		cu, _ := url.Parse(fmt.Sprintf("http://127.0.0.1:%d", clientPort))
		pu, _ := url.Parse(fmt.Sprintf("http://127.0.0.1:%d", peerPort))
		c := embed.NewConfig()
		c.Name = "kpush"
		c.Dir = dir
		c.ListenClientUrls = []url.URL{*cu}
		c.AdvertiseClientUrls = []url.URL{*cu}
		c.ListenPeerUrls = []url.URL{*pu}
		c.AdvertisePeerUrls = []url.URL{*pu}
		c.InitialCluster = c.InitialClusterFromName(c.Name)
		c.LogLevel = "error"
		c.UnsafeNoFsync = true // throwaway test data: durability is not needed, speed is
		e, err := embed.StartEtcd(c)
		if err != nil {
			lastErr = err
			_ = os.RemoveAll(dir)
			continue
		}
		select {
		case <-e.Server.ReadyNotify():
			return e, cu.String(), nil
		case err := <-e.Err():
			e.Close()
			lastErr = err
		case <-time.After(60 * time.Second):
			e.Close()
			lastErr = errors.New("etcd did not become ready within 60s")
		}
		_ = os.RemoveAll(dir)
	}
	return nil, "", lastErr
}

func waitForReadyz(ctx context.Context, serverURL string, p *pki, apiDone <-chan error, timeout time.Duration) error {
	pool := x509.NewCertPool()
	pool.AppendCertsFromPEM(p.CAPEM)
	hc := &http.Client{
		Timeout:   5 * time.Second,
		Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: pool}},
	}
	deadline := time.Now().Add(timeout)
	last := "no answer yet"
	for time.Now().Before(deadline) {
		select {
		case err := <-apiDone:
			return fmt.Errorf("kube-apiserver exited during startup: %v", err)
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(200 * time.Millisecond):
		}
		req, _ := http.NewRequestWithContext(ctx, http.MethodGet, serverURL+"/readyz", nil)
		req.Header.Set("Authorization", "Bearer "+p.AdminToken)
		resp, err := hc.Do(req)
		if err != nil {
			last = err.Error()
			continue
		}
		_ = resp.Body.Close()
		if resp.StatusCode == http.StatusOK {
			return nil
		}
		last = resp.Status
	}
	return fmt.Errorf("kube-apiserver not ready within %v (last: %s)", timeout, last)
}

// waitForCluster waits until the simulated node is Ready and the controller
// manager has created the default service account, so that the first workload a
// test applies is not slowed down by start-up races.
func waitForCluster(ctx context.Context, client kubernetes.Interface, nodeName string, kcmDone <-chan error, timeout time.Duration) error {
	deadline := time.Now().Add(timeout)
	for {
		select {
		case err := <-kcmDone:
			return fmt.Errorf("kube-controller-manager exited during startup: %v", err)
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(200 * time.Millisecond):
		}
		nodeReady := false
		if n, err := client.CoreV1().Nodes().Get(ctx, nodeName, metav1.GetOptions{}); err == nil {
			for _, c := range n.Status.Conditions {
				if c.Type == corev1.NodeReady && c.Status == corev1.ConditionTrue {
					nodeReady = true
				}
			}
		}
		_, saErr := client.CoreV1().ServiceAccounts("default").Get(ctx, "default", metav1.GetOptions{})
		if nodeReady && saErr == nil {
			return nil
		}
		if time.Now().After(deadline) {
			what := "node " + nodeName + " not Ready"
			if nodeReady {
				what = "default service account missing"
				if saErr != nil && !apierrors.IsNotFound(saErr) {
					what += ": " + saErr.Error()
				}
			}
			return fmt.Errorf("cluster not ready in time: %s", what)
		}
	}
}

func writeKubeconfig(path, serverURL string, p *pki) error {
	kc := clientcmdapi.NewConfig()
	kc.Clusters["kpush-test"] = &clientcmdapi.Cluster{Server: serverURL, CertificateAuthorityData: p.CAPEM}
	kc.AuthInfos["kpush-admin"] = &clientcmdapi.AuthInfo{Token: p.AdminToken}
	kc.Contexts["kpush-test"] = &clientcmdapi.Context{Cluster: "kpush-test", AuthInfo: "kpush-admin", Namespace: "default"}
	kc.CurrentContext = "kpush-test"
	data, err := clientcmd.Write(*kc)
	if err != nil {
		return err
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return err
	}
	tmp := path + ".tmp"
	if err := os.WriteFile(tmp, data, 0o600); err != nil {
		return err
	}
	return os.Rename(tmp, path)
}
