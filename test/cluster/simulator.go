package main

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"net"
	"path/filepath"
	"strings"
	"sync"
	"time"

	coordinationv1 "k8s.io/api/coordination/v1"
	corev1 "k8s.io/api/core/v1"
	storagev1 "k8s.io/api/storage/v1"
	apiequality "k8s.io/apimachinery/pkg/api/equality"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/client-go/informers"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/kubernetes/scheme"
	typedcorev1 "k8s.io/client-go/kubernetes/typed/core/v1"
	corelisters "k8s.io/client-go/listers/core/v1"
	"k8s.io/client-go/tools/cache"
	"k8s.io/client-go/tools/record"
	"k8s.io/client-go/util/workqueue"
	"k8s.io/klog/v2"
	"k8s.io/utils/ptr"
)

// The node simulator stands in for the scheduler and one kubelet. It registers a
// single Ready node, binds every schedulable pod to it and then drives each pod's
// status through a believable lifecycle. What happens is chosen by the image tag
// of the pod's containers; see README.md for the table.

const (
	provisionerName  = "kpush.dev/simulated-hostpath"
	storageClassName = "standard"
	kubeletVersion   = "v1.36.3"
)

type simConfig struct {
	nodeName      string
	startDelay    time.Duration
	slowDelay     time.Duration
	jobDuration   time.Duration
	crashInterval time.Duration
}

type simulator struct {
	client     kubernetes.Interface
	cfg        simConfig
	volumeDir  string
	podLister  corelisters.PodLister
	queue      workqueue.TypedRateLimitingInterface[string]
	kubelet    record.EventRecorder
	scheduler  record.EventRecorder
	mu         sync.Mutex
	boundAt    map[types.UID]time.Time
	podIPs     map[types.UID]string
	nextIP     uint32
	svcQueue   workqueue.TypedRateLimitingInterface[string]
	svcLister  corelisters.ServiceLister
	pvcQueue   workqueue.TypedRateLimitingInterface[string]
	pvcLister  corelisters.PersistentVolumeClaimLister
	eventSinks []record.EventBroadcaster
}

func newSimulator(client kubernetes.Interface, cfg simConfig, volumeDir string) *simulator {
	return &simulator{
		client:    client,
		cfg:       cfg,
		volumeDir: volumeDir,
		boundAt:   map[types.UID]time.Time{},
		podIPs:    map[types.UID]string{},
		nextIP:    2,
		queue: workqueue.NewTypedRateLimitingQueueWithConfig(
			workqueue.DefaultTypedControllerRateLimiter[string](),
			workqueue.TypedRateLimitingQueueConfig[string]{Name: "pods"}),
		svcQueue: workqueue.NewTypedRateLimitingQueueWithConfig(
			workqueue.DefaultTypedControllerRateLimiter[string](),
			workqueue.TypedRateLimitingQueueConfig[string]{Name: "services"}),
		pvcQueue: workqueue.NewTypedRateLimitingQueueWithConfig(
			workqueue.DefaultTypedControllerRateLimiter[string](),
			workqueue.TypedRateLimitingQueueConfig[string]{Name: "pvcs"}),
	}
}

func (s *simulator) recorder(component, host string) record.EventRecorder {
	b := record.NewBroadcaster()
	b.StartRecordingToSink(&typedcorev1.EventSinkImpl{Interface: s.client.CoreV1().Events("")})
	s.eventSinks = append(s.eventSinks, b)
	return b.NewRecorder(scheme.Scheme, corev1.EventSource{Component: component, Host: host})
}

func (s *simulator) run(ctx context.Context) error {
	s.kubelet = s.recorder("kubelet", s.cfg.nodeName)
	s.scheduler = s.recorder("default-scheduler", "")
	defer func() {
		for _, b := range s.eventSinks {
			b.Shutdown()
		}
	}()

	if err := s.registerNode(ctx); err != nil {
		return err
	}
	if err := s.ensureStorageClass(ctx); err != nil {
		klog.ErrorS(err, "creating default storage class")
	}
	go s.heartbeat(ctx)

	factory := informers.NewSharedInformerFactory(s.client, 0)
	podInformer := factory.Core().V1().Pods()
	s.podLister = podInformer.Lister()
	enqueue := func(q workqueue.TypedRateLimitingInterface[string]) func(obj any) {
		return func(obj any) {
			if key, err := cache.DeletionHandlingMetaNamespaceKeyFunc(obj); err == nil {
				q.Add(key)
			}
		}
	}
	handlers := func(q workqueue.TypedRateLimitingInterface[string]) cache.ResourceEventHandlerFuncs {
		return cache.ResourceEventHandlerFuncs{
			AddFunc:    enqueue(q),
			UpdateFunc: func(_, n any) { enqueue(q)(n) },
			DeleteFunc: enqueue(q),
		}
	}
	podHandlers := handlers(s.queue)
	podHandlers.DeleteFunc = func(obj any) {
		if tomb, ok := obj.(cache.DeletedFinalStateUnknown); ok {
			obj = tomb.Obj
		}
		if pod, ok := obj.(*corev1.Pod); ok {
			s.forget(pod.UID)
		}
	}
	if _, err := podInformer.Informer().AddEventHandler(podHandlers); err != nil {
		return err
	}
	svcInformer := factory.Core().V1().Services()
	s.svcLister = svcInformer.Lister()
	if _, err := svcInformer.Informer().AddEventHandler(handlers(s.svcQueue)); err != nil {
		return err
	}
	pvcInformer := factory.Core().V1().PersistentVolumeClaims()
	s.pvcLister = pvcInformer.Lister()
	if _, err := pvcInformer.Informer().AddEventHandler(handlers(s.pvcQueue)); err != nil {
		return err
	}
	factory.Start(ctx.Done())
	defer factory.Shutdown()
	factory.WaitForCacheSync(ctx.Done())

	var wg sync.WaitGroup
	worker := func(q workqueue.TypedRateLimitingInterface[string], sync func(context.Context, string) (time.Duration, error)) {
		defer wg.Done()
		for {
			key, quit := q.Get()
			if quit {
				return
			}
			after, err := sync(ctx, key)
			switch {
			case err != nil:
				if !apierrors.IsConflict(err) && !apierrors.IsNotFound(err) && ctx.Err() == nil {
					klog.V(2).InfoS("node simulator: retrying", "key", key, "err", err)
				}
				q.AddRateLimited(key)
			case after > 0:
				q.Forget(key)
				q.AddAfter(key, after)
			default:
				q.Forget(key)
			}
			q.Done(key)
		}
	}
	wg.Add(4)
	go worker(s.queue, s.syncPod)
	go worker(s.queue, s.syncPod)
	go worker(s.svcQueue, s.syncService)
	go worker(s.pvcQueue, s.syncPVC)
	<-ctx.Done()
	s.queue.ShutDown()
	s.svcQueue.ShutDown()
	s.pvcQueue.ShutDown()
	wg.Wait()
	return nil
}

// --- node -------------------------------------------------------------------

func (s *simulator) nodeConditions(now metav1.Time) []corev1.NodeCondition {
	cond := func(t corev1.NodeConditionType, st corev1.ConditionStatus, reason, msg string) corev1.NodeCondition {
		return corev1.NodeCondition{Type: t, Status: st, Reason: reason, Message: msg, LastHeartbeatTime: now, LastTransitionTime: now}
	}
	return []corev1.NodeCondition{
		cond(corev1.NodeMemoryPressure, corev1.ConditionFalse, "KubeletHasSufficientMemory", "kubelet has sufficient memory available"),
		cond(corev1.NodeDiskPressure, corev1.ConditionFalse, "KubeletHasNoDiskPressure", "kubelet has no disk pressure"),
		cond(corev1.NodePIDPressure, corev1.ConditionFalse, "KubeletHasSufficientPID", "kubelet has sufficient PID available"),
		cond(corev1.NodeReady, corev1.ConditionTrue, "KubeletReady", "kpush node simulator is posting ready status"),
	}
}

func (s *simulator) registerNode(ctx context.Context) error {
	capacity := corev1.ResourceList{
		corev1.ResourceCPU:              resource.MustParse("16"),
		corev1.ResourceMemory:           resource.MustParse("64Gi"),
		corev1.ResourcePods:             resource.MustParse("500"),
		corev1.ResourceEphemeralStorage: resource.MustParse("200Gi"),
	}
	node := &corev1.Node{
		ObjectMeta: metav1.ObjectMeta{
			Name: s.cfg.nodeName,
			Labels: map[string]string{
				"kubernetes.io/hostname":  s.cfg.nodeName,
				"kubernetes.io/os":        "linux",
				"kubernetes.io/arch":      "amd64",
				"beta.kubernetes.io/os":   "linux",
				"beta.kubernetes.io/arch": "amd64",
				"kpush.dev/simulated":     "true",
			},
		},
		Spec: corev1.NodeSpec{PodCIDR: "10.244.0.0/16", PodCIDRs: []string{"10.244.0.0/16"}},
	}
	var created *corev1.Node
	err := retry(ctx, func() error {
		var err error
		created, err = s.client.CoreV1().Nodes().Create(ctx, node, metav1.CreateOptions{})
		if apierrors.IsAlreadyExists(err) {
			created, err = s.client.CoreV1().Nodes().Get(ctx, node.Name, metav1.GetOptions{})
		}
		return err
	})
	if err != nil {
		return fmt.Errorf("registering node: %w", err)
	}
	now := metav1.Now()
	created.Status = corev1.NodeStatus{
		Capacity:    capacity,
		Allocatable: capacity,
		Phase:       corev1.NodeRunning,
		Conditions:  s.nodeConditions(now),
		Addresses: []corev1.NodeAddress{
			{Type: corev1.NodeInternalIP, Address: "127.0.0.1"},
			{Type: corev1.NodeHostName, Address: s.cfg.nodeName},
		},
		DaemonEndpoints: corev1.NodeDaemonEndpoints{KubeletEndpoint: corev1.DaemonEndpoint{Port: 10250}},
		NodeInfo: corev1.NodeSystemInfo{
			MachineID:               "kpush",
			SystemUUID:              "kpush",
			BootID:                  "kpush",
			KernelVersion:           "simulated",
			OSImage:                 "kpush node simulator",
			ContainerRuntimeVersion: "simulated://1.0.0",
			KubeletVersion:          kubeletVersion,
			KubeProxyVersion:        kubeletVersion,
			OperatingSystem:         "linux",
			Architecture:            "amd64",
		},
	}
	return retry(ctx, func() error {
		_, err := s.client.CoreV1().Nodes().UpdateStatus(ctx, created, metav1.UpdateOptions{})
		if apierrors.IsConflict(err) {
			if n, gerr := s.client.CoreV1().Nodes().Get(ctx, node.Name, metav1.GetOptions{}); gerr == nil {
				n.Status = created.Status
				created = n
			}
		}
		return err
	})
}

func retry(ctx context.Context, f func() error) error {
	var err error
	for i := 0; i < 50; i++ {
		if err = f(); err == nil {
			return nil
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(200 * time.Millisecond):
		}
	}
	return err
}

// heartbeat renews the node lease and the Ready condition like a kubelet does.
func (s *simulator) heartbeat(ctx context.Context) {
	leases := s.client.CoordinationV1().Leases(corev1.NamespaceNodeLease)
	for {
		now := metav1.NowMicro()
		lease, err := leases.Get(ctx, s.cfg.nodeName, metav1.GetOptions{})
		if apierrors.IsNotFound(err) {
			_, err = leases.Create(ctx, &coordinationv1.Lease{
				ObjectMeta: metav1.ObjectMeta{Name: s.cfg.nodeName, Namespace: corev1.NamespaceNodeLease},
				Spec: coordinationv1.LeaseSpec{
					HolderIdentity:       ptr.To(s.cfg.nodeName),
					LeaseDurationSeconds: ptr.To[int32](40),
					RenewTime:            &now,
				},
			}, metav1.CreateOptions{})
		} else if err == nil {
			lease.Spec.RenewTime = &now
			_, err = leases.Update(ctx, lease, metav1.UpdateOptions{})
		}
		if err != nil && ctx.Err() == nil {
			klog.V(2).InfoS("node simulator: lease renewal failed", "err", err)
		}
		if n, err := s.client.CoreV1().Nodes().Get(ctx, s.cfg.nodeName, metav1.GetOptions{}); err == nil {
			t := metav1.Now()
			for i := range n.Status.Conditions {
				n.Status.Conditions[i].LastHeartbeatTime = t
			}
			_, _ = s.client.CoreV1().Nodes().UpdateStatus(ctx, n, metav1.UpdateOptions{})
		}
		select {
		case <-ctx.Done():
			return
		case <-time.After(10 * time.Second):
		}
	}
}

// --- pods -------------------------------------------------------------------

// imageTag returns the tag of an image reference ("" when there is none).
func imageTag(image string) string {
	ref := image
	if i := strings.Index(ref, "@"); i >= 0 {
		ref = ref[:i]
	}
	slash := strings.LastIndex(ref, "/")
	colon := strings.LastIndex(ref, ":")
	if colon <= slash {
		return ""
	}
	return ref[colon+1:]
}

// tagHas reports whether the image's tag is `word` or ends in `-word`.
func tagHas(image, word string) bool {
	tag := imageTag(image)
	return tag == word || strings.HasSuffix(tag, "-"+word)
}

func anyImage(pod *corev1.Pod, word string) bool {
	for _, c := range pod.Spec.InitContainers {
		if tagHas(c.Image, word) {
			return true
		}
	}
	for _, c := range pod.Spec.Containers {
		if tagHas(c.Image, word) {
			return true
		}
	}
	return false
}

func ownedByJob(pod *corev1.Pod) bool {
	for _, o := range pod.OwnerReferences {
		if o.Kind == "Job" && strings.HasPrefix(o.APIVersion, "batch/") {
			return true
		}
	}
	return false
}

func (s *simulator) forget(uid types.UID) {
	s.mu.Lock()
	defer s.mu.Unlock()
	delete(s.boundAt, uid)
	delete(s.podIPs, uid)
}

func (s *simulator) syncPod(ctx context.Context, key string) (time.Duration, error) {
	ns, name, err := cache.SplitMetaNamespaceKey(key)
	if err != nil {
		return 0, nil
	}
	pod, err := s.podLister.Pods(ns).Get(name)
	if apierrors.IsNotFound(err) {
		return 0, nil
	}
	if err != nil {
		return 0, err
	}

	// Terminating pods: a kubelet stops the containers and then removes the pod.
	if pod.DeletionTimestamp != nil {
		if pod.Spec.NodeName != "" && pod.Spec.NodeName != s.cfg.nodeName {
			return 0, nil
		}
		err := s.client.CoreV1().Pods(ns).Delete(ctx, name, metav1.DeleteOptions{
			GracePeriodSeconds: ptr.To[int64](0),
			Preconditions:      &metav1.Preconditions{UID: &pod.UID},
		})
		if apierrors.IsNotFound(err) || apierrors.IsConflict(err) {
			err = nil
		}
		if err == nil && pod.Spec.NodeName != "" && pod.DeletionGracePeriodSeconds != nil && *pod.DeletionGracePeriodSeconds > 0 {
			for _, c := range pod.Spec.Containers {
				s.kubelet.Event(pod, corev1.EventTypeNormal, "Killing", "Stopping container "+c.Name)
			}
		}
		// Pods with finalizers stay until a controller removes them; look again.
		return 0, err
	}

	if pod.Spec.NodeName == "" {
		return s.schedule(ctx, pod)
	}
	if pod.Spec.NodeName != s.cfg.nodeName {
		return 0, nil
	}
	if pod.Status.Phase == corev1.PodSucceeded || pod.Status.Phase == corev1.PodFailed {
		return 0, nil
	}

	now := time.Now()
	s.mu.Lock()
	bound, ok := s.boundAt[pod.UID]
	if !ok {
		bound = now
		for _, c := range pod.Status.Conditions {
			if c.Type == corev1.PodScheduled && c.Status == corev1.ConditionTrue && !c.LastTransitionTime.IsZero() {
				bound = c.LastTransitionTime.Time
			}
		}
		s.boundAt[pod.UID] = bound
	}
	ip, ok := s.podIPs[pod.UID]
	if !ok {
		ip = pod.Status.PodIP
		if ip == "" {
			n := s.nextIP
			s.nextIP++
			ip = net.IPv4(10, 244, byte(n>>8), byte(n)).String()
		}
		s.podIPs[pod.UID] = ip
	}
	s.mu.Unlock()

	status, requeue, events := s.desiredStatus(pod, bound, now, ip)
	if apiequality.Semantic.DeepEqual(&pod.Status, status) {
		return requeue, nil
	}
	updated := pod.DeepCopy()
	updated.Status = *status
	if _, err := s.client.CoreV1().Pods(ns).UpdateStatus(ctx, updated, metav1.UpdateOptions{}); err != nil {
		return 0, err
	}
	for _, e := range events {
		s.kubelet.Event(pod, e.typ, e.reason, e.message)
	}
	return requeue, nil
}

func (s *simulator) schedule(ctx context.Context, pod *corev1.Pod) (time.Duration, error) {
	if pod.Spec.SchedulerName != "" && pod.Spec.SchedulerName != corev1.DefaultSchedulerName {
		return 0, nil
	}
	if len(pod.Spec.SchedulingGates) > 0 {
		return 0, nil
	}
	if anyImage(pod, "unschedulable") {
		for _, c := range pod.Status.Conditions {
			if c.Type == corev1.PodScheduled && c.Reason == corev1.PodReasonUnschedulable {
				return 0, nil
			}
		}
		msg := "0/1 nodes are available: 1 node(s) didn't match the simulated constraints (image tag ends in -unschedulable)."
		updated := pod.DeepCopy()
		setCondition(&updated.Status, corev1.PodCondition{
			Type: corev1.PodScheduled, Status: corev1.ConditionFalse,
			Reason: corev1.PodReasonUnschedulable, Message: msg,
		}, metav1.Now())
		if _, err := s.client.CoreV1().Pods(pod.Namespace).UpdateStatus(ctx, updated, metav1.UpdateOptions{}); err != nil {
			return 0, err
		}
		s.scheduler.Event(pod, corev1.EventTypeWarning, "FailedScheduling", msg)
		return 0, nil
	}
	err := s.client.CoreV1().Pods(pod.Namespace).Bind(ctx, &corev1.Binding{
		ObjectMeta: metav1.ObjectMeta{Name: pod.Name, Namespace: pod.Namespace, UID: pod.UID},
		Target:     corev1.ObjectReference{Kind: "Node", Name: s.cfg.nodeName},
	}, metav1.CreateOptions{})
	if err != nil {
		if apierrors.IsConflict(err) || apierrors.IsNotFound(err) {
			return 0, nil // already bound or gone; the informer will tell us
		}
		return 0, err
	}
	s.mu.Lock()
	s.boundAt[pod.UID] = time.Now()
	s.mu.Unlock()
	s.scheduler.Eventf(pod, corev1.EventTypeNormal, "Scheduled", "Successfully assigned %s/%s to %s", pod.Namespace, pod.Name, s.cfg.nodeName)
	return 0, nil
}

type simEvent struct{ typ, reason, message string }

func setCondition(st *corev1.PodStatus, c corev1.PodCondition, now metav1.Time) {
	for i := range st.Conditions {
		old := &st.Conditions[i]
		if old.Type != c.Type {
			continue
		}
		if old.Status == c.Status && !old.LastTransitionTime.IsZero() {
			c.LastTransitionTime = old.LastTransitionTime
		} else {
			c.LastTransitionTime = now
		}
		c.LastProbeTime = old.LastProbeTime
		*old = c
		return
	}
	c.LastTransitionTime = now
	st.Conditions = append(st.Conditions, c)
}

func digest(parts ...string) string {
	h := sha256.Sum256([]byte(strings.Join(parts, "\x00")))
	return hex.EncodeToString(h[:])
}

func imageID(image string) string {
	ref := image
	if i := strings.Index(ref, "@"); i >= 0 {
		return ref
	}
	if c := strings.LastIndex(ref, ":"); c > strings.LastIndex(ref, "/") {
		ref = ref[:c]
	}
	return ref + "@sha256:" + digest(image)
}

func (s *simulator) desiredStatus(pod *corev1.Pod, bound, now time.Time, ip string) (*corev1.PodStatus, time.Duration, []simEvent) {
	st := pod.Status.DeepCopy()
	mnow := metav1.NewTime(now.Truncate(time.Second))
	startDelay := s.cfg.startDelay
	if anyImage(pod, "slow") {
		startDelay = s.cfg.slowDelay
	}
	startAt := bound.Add(startDelay)
	started := metav1.NewTime(startAt.Truncate(time.Second))
	elapsed := now.Sub(bound)
	isJob := ownedByJob(pod)
	brokenInit := false
	for _, c := range pod.Spec.InitContainers {
		if tagHas(c.Image, "broken") {
			brokenInit = true
		}
	}
	broken := anyImage(pod, "broken")
	notReady := anyImage(pod, "notready")

	st.HostIP = "127.0.0.1"
	st.HostIPs = []corev1.HostIP{{IP: "127.0.0.1"}}
	st.ObservedGeneration = pod.Generation
	st.Reason, st.Message = "", ""
	if st.StartTime == nil {
		st.StartTime = ptr.To(metav1.NewTime(bound.Truncate(time.Second)))
	}
	var events []simEvent
	var requeue time.Duration

	type phaseKind int
	const (
		creating phaseKind = iota
		running
		crashing
		initCrashing
		succeeded
		failed
	)
	var kind phaseKind
	switch {
	case elapsed < startDelay:
		kind = creating
		requeue = startDelay - elapsed
	case brokenInit && !isJob:
		kind = initCrashing
	case broken && isJob:
		kind = failed
	case broken:
		kind = crashing
	case isJob && elapsed < startDelay+s.cfg.jobDuration:
		kind = running
		requeue = startDelay + s.cfg.jobDuration - elapsed
	case isJob:
		kind = succeeded
	default:
		kind = running
	}
	restarts := int32(0)
	if kind == crashing || kind == initCrashing {
		n := (elapsed - startDelay) / s.cfg.crashInterval
		restarts = int32(n) + 1
		requeue = startDelay + time.Duration(n+1)*s.cfg.crashInterval - elapsed
	}

	if pod.Spec.HostNetwork {
		ip = "127.0.0.1"
	}
	if kind != creating {
		st.PodIP = ip
		st.PodIPs = []corev1.PodIP{{IP: ip}}
	}

	cid := func(c corev1.Container, restart int32) string {
		return "containerd://" + digest(string(pod.UID), c.Name, fmt.Sprint(restart))[:64]
	}
	prevRestarts := map[string]int32{}
	for _, cs := range pod.Status.ContainerStatuses {
		prevRestarts[cs.Name] = cs.RestartCount
	}
	for _, cs := range pod.Status.InitContainerStatuses {
		prevRestarts["init:"+cs.Name] = cs.RestartCount
	}
	crashState := func(c corev1.Container, restarts int32) (corev1.ContainerState, corev1.ContainerState) {
		lastFinish := metav1.NewTime(startAt.Add(time.Duration(restarts-1) * s.cfg.crashInterval).Truncate(time.Second))
		return corev1.ContainerState{Waiting: &corev1.ContainerStateWaiting{
				Reason:  "CrashLoopBackOff",
				Message: fmt.Sprintf("back-off %v restarting failed container=%s pod=%s_%s(%s)", s.cfg.crashInterval, c.Name, pod.Name, pod.Namespace, pod.UID),
			}}, corev1.ContainerState{Terminated: &corev1.ContainerStateTerminated{
				ExitCode: 1, Reason: "Error", StartedAt: lastFinish, FinishedAt: lastFinish,
				ContainerID: cid(c, restarts-1),
			}}
	}

	// Init containers.
	var initStatuses []corev1.ContainerStatus
	initsDone := true
	for i, c := range pod.Spec.InitContainers {
		cs := corev1.ContainerStatus{Name: c.Name, Image: c.Image, ImageID: imageID(c.Image), Started: ptr.To(false)}
		switch {
		case kind == creating:
			cs.State.Waiting = &corev1.ContainerStateWaiting{Reason: "PodInitializing"}
			cs.ImageID = ""
			initsDone = false
		case kind == initCrashing && tagHas(c.Image, "broken"):
			cs.State, cs.LastTerminationState = crashState(c, restarts)
			cs.RestartCount = restarts
			cs.ContainerID = cid(c, restarts-1)
			initsDone = false
		case kind == initCrashing && i > 0 && !initsDone:
			cs.State.Waiting = &corev1.ContainerStateWaiting{Reason: "PodInitializing"}
			cs.ImageID = ""
		default:
			cs.State.Terminated = &corev1.ContainerStateTerminated{
				ExitCode: 0, Reason: "Completed", StartedAt: started, FinishedAt: started, ContainerID: cid(c, 0),
			}
			cs.ContainerID = cid(c, 0)
		}
		if c.RestartPolicy != nil && *c.RestartPolicy == corev1.ContainerRestartPolicyAlways && kind != creating && kind != initCrashing {
			// Native sidecar: keeps running next to the main containers.
			cs.State = corev1.ContainerState{Running: &corev1.ContainerStateRunning{StartedAt: started}}
			cs.Ready, cs.Started = true, ptr.To(true)
		}
		initStatuses = append(initStatuses, cs)
	}
	if len(initStatuses) > 0 {
		st.InitContainerStatuses = initStatuses
	} else {
		st.InitContainerStatuses = nil
	}

	// Main containers.
	var statuses []corev1.ContainerStatus
	allReady := true
	for _, c := range pod.Spec.Containers {
		cs := corev1.ContainerStatus{Name: c.Name, Image: c.Image, ImageID: imageID(c.Image), Started: ptr.To(false)}
		switch kind {
		case creating, initCrashing:
			reason := "ContainerCreating"
			if len(pod.Spec.InitContainers) > 0 {
				reason = "PodInitializing"
			}
			cs.State.Waiting = &corev1.ContainerStateWaiting{Reason: reason}
			cs.ImageID = ""
			allReady = false
		case crashing:
			if tagHas(c.Image, "broken") {
				cs.State, cs.LastTerminationState = crashState(c, restarts)
				cs.RestartCount = restarts
				cs.ContainerID = cid(c, restarts-1)
				allReady = false
			} else {
				cs.State.Running = &corev1.ContainerStateRunning{StartedAt: started}
				cs.ContainerID = cid(c, 0)
				cs.Ready, cs.Started = true, ptr.To(true)
			}
		case running:
			cs.State.Running = &corev1.ContainerStateRunning{StartedAt: started}
			cs.ContainerID = cid(c, 0)
			cs.Started = ptr.To(true)
			cs.Ready = !(notReady && tagHas(c.Image, "notready"))
			allReady = allReady && cs.Ready
		case succeeded:
			cs.State.Terminated = &corev1.ContainerStateTerminated{
				ExitCode: 0, Reason: "Completed", StartedAt: started, FinishedAt: mnow, ContainerID: cid(c, 0),
			}
			cs.ContainerID = cid(c, 0)
			allReady = false
		case failed:
			exit := int32(0)
			reason := "Completed"
			if tagHas(c.Image, "broken") {
				exit, reason = 1, "Error"
			}
			cs.State.Terminated = &corev1.ContainerStateTerminated{
				ExitCode: exit, Reason: reason, StartedAt: started, FinishedAt: mnow, ContainerID: cid(c, 0),
			}
			cs.ContainerID = cid(c, 0)
			allReady = false
		}
		if cs.RestartCount > prevRestarts[c.Name] {
			events = append(events, simEvent{corev1.EventTypeWarning, "BackOff", "Back-off restarting failed container " + c.Name + " in pod " + pod.Name + "_" + pod.Namespace + "(" + string(pod.UID) + ")"})
		}
		statuses = append(statuses, cs)
	}
	st.ContainerStatuses = statuses

	// Phase and conditions.
	switch kind {
	case creating, initCrashing:
		st.Phase = corev1.PodPending
	case running, crashing:
		st.Phase = corev1.PodRunning
	case succeeded:
		st.Phase = corev1.PodSucceeded
	case failed:
		st.Phase = corev1.PodFailed
	}
	condStatus := func(b bool) corev1.ConditionStatus {
		if b {
			return corev1.ConditionTrue
		}
		return corev1.ConditionFalse
	}
	gen := pod.Generation
	initialized := kind != creating && kind != initCrashing
	ready := (kind == running || kind == crashing) && allReady
	readyReason := ""
	switch {
	case kind == succeeded || kind == failed:
		readyReason = "PodCompleted"
	case !ready:
		readyReason = "ContainersNotReady"
	}
	initReason := ""
	if !initialized {
		initReason = "ContainersNotInitialized"
	} else if kind == succeeded || kind == failed {
		initReason = "PodCompleted"
	}
	setCondition(st, corev1.PodCondition{Type: corev1.PodReadyToStartContainers, Status: condStatus(kind != creating), ObservedGeneration: gen}, mnow)
	setCondition(st, corev1.PodCondition{Type: corev1.PodInitialized, Status: condStatus(initialized), Reason: initReason, ObservedGeneration: gen}, mnow)
	setCondition(st, corev1.PodCondition{Type: corev1.ContainersReady, Status: condStatus(ready), Reason: readyReason, ObservedGeneration: gen}, mnow)
	setCondition(st, corev1.PodCondition{Type: corev1.PodReady, Status: condStatus(ready), Reason: readyReason, ObservedGeneration: gen}, mnow)
	setCondition(st, corev1.PodCondition{Type: corev1.PodScheduled, Status: corev1.ConditionTrue, ObservedGeneration: gen}, mnow)

	// Kubelet-style events, once per transition.
	if pod.Status.Phase == corev1.PodPending && kind != creating && len(pod.Status.ContainerStatuses) > 0 &&
		pod.Status.ContainerStatuses[0].State.Waiting != nil {
		for _, c := range pod.Spec.Containers {
			events = append(events,
				simEvent{corev1.EventTypeNormal, "Pulled", fmt.Sprintf("Container image %q already present on machine", c.Image)},
				simEvent{corev1.EventTypeNormal, "Created", "Created container: " + c.Name},
				simEvent{corev1.EventTypeNormal, "Started", "Started container " + c.Name})
		}
	}
	return st, requeue, events
}

// --- services of type LoadBalancer --------------------------------------------

func (s *simulator) syncService(ctx context.Context, key string) (time.Duration, error) {
	ns, name, err := cache.SplitMetaNamespaceKey(key)
	if err != nil {
		return 0, nil
	}
	svc, err := s.svcLister.Services(ns).Get(name)
	if apierrors.IsNotFound(err) {
		return 0, nil
	}
	if err != nil {
		return 0, err
	}
	if svc.Spec.Type != corev1.ServiceTypeLoadBalancer || len(svc.Status.LoadBalancer.Ingress) > 0 {
		return 0, nil
	}
	if svc.Spec.LoadBalancerClass != nil {
		return 0, nil
	}
	updated := svc.DeepCopy()
	updated.Status.LoadBalancer.Ingress = []corev1.LoadBalancerIngress{{IP: "127.0.0.1", IPMode: ptr.To(corev1.LoadBalancerIPModeVIP)}}
	_, err = s.client.CoreV1().Services(ns).UpdateStatus(ctx, updated, metav1.UpdateOptions{})
	return 0, err
}

// --- persistent volumes -------------------------------------------------------

func (s *simulator) ensureStorageClass(ctx context.Context) error {
	sc := &storagev1.StorageClass{
		ObjectMeta: metav1.ObjectMeta{
			Name:        storageClassName,
			Annotations: map[string]string{"storageclass.kubernetes.io/is-default-class": "true"},
		},
		Provisioner:       provisionerName,
		ReclaimPolicy:     ptr.To(corev1.PersistentVolumeReclaimDelete),
		VolumeBindingMode: ptr.To(storagev1.VolumeBindingImmediate),
	}
	return retry(ctx, func() error {
		_, err := s.client.StorageV1().StorageClasses().Create(ctx, sc, metav1.CreateOptions{})
		if apierrors.IsAlreadyExists(err) {
			return nil
		}
		return err
	})
}

// syncPVC plays an external provisioner for the default storage class: it creates
// a hostPath PersistentVolume for each claim, which the real PV controller binds.
func (s *simulator) syncPVC(ctx context.Context, key string) (time.Duration, error) {
	ns, name, err := cache.SplitMetaNamespaceKey(key)
	if err != nil {
		return 0, nil
	}
	pvc, err := s.pvcLister.PersistentVolumeClaims(ns).Get(name)
	if apierrors.IsNotFound(err) {
		return 0, nil
	}
	if err != nil {
		return 0, err
	}
	if pvc.Spec.VolumeName != "" || pvc.DeletionTimestamp != nil {
		return 0, nil
	}
	if pvc.Annotations["volume.kubernetes.io/storage-provisioner"] != provisionerName &&
		pvc.Annotations["volume.beta.kubernetes.io/storage-provisioner"] != provisionerName {
		return 0, nil
	}
	size := pvc.Spec.Resources.Requests[corev1.ResourceStorage]
	if size.IsZero() {
		size = resource.MustParse("1Gi")
	}
	modes := pvc.Spec.AccessModes
	if len(modes) == 0 {
		modes = []corev1.PersistentVolumeAccessMode{corev1.ReadWriteOnce}
	}
	pvName := "pvc-" + string(pvc.UID)
	pv := &corev1.PersistentVolume{
		ObjectMeta: metav1.ObjectMeta{
			Name:        pvName,
			Annotations: map[string]string{"pv.kubernetes.io/provisioned-by": provisionerName},
		},
		Spec: corev1.PersistentVolumeSpec{
			Capacity:                      corev1.ResourceList{corev1.ResourceStorage: size},
			AccessModes:                   modes,
			PersistentVolumeReclaimPolicy: corev1.PersistentVolumeReclaimDelete,
			StorageClassName:              ptr.Deref(pvc.Spec.StorageClassName, storageClassName),
			VolumeMode:                    pvc.Spec.VolumeMode,
			ClaimRef: &corev1.ObjectReference{
				Kind: "PersistentVolumeClaim", APIVersion: "v1",
				Namespace: pvc.Namespace, Name: pvc.Name, UID: pvc.UID,
			},
			PersistentVolumeSource: corev1.PersistentVolumeSource{
				HostPath: &corev1.HostPathVolumeSource{Path: filepath.Join(s.volumeDir, pvName)},
			},
		},
	}
	_, err = s.client.CoreV1().PersistentVolumes().Create(ctx, pv, metav1.CreateOptions{})
	if apierrors.IsAlreadyExists(err) {
		return 0, nil
	}
	return 0, err
}
