// Command kcp is a multi-call binary holding a Kubernetes control plane for kneepoint's tests:
//
//	kcp kube-apiserver [flags]           k8s.io/kubernetes/cmd/kube-apiserver
//	kcp kube-controller-manager [flags]  k8s.io/kubernetes/cmd/kube-controller-manager
//	kcp kube-scheduler [flags]           k8s.io/kubernetes/cmd/kube-scheduler
//	kcp etcd [flags]                     go.etcd.io/etcd/server/v3/etcdmain
//	kcp version                          the pinned versions, one per line
//
// The component is argv[1], or argv[0]'s base name when the binary is linked or copied under a component's
// name (busybox style). Built by test/kube-control-plane/build.ts into a cache dir; never shipped.
package main

import (
	"fmt"
	"os"
	"path/filepath"
	"runtime/debug"
	"strconv"
	"strings"
	"syscall"
	_ "time/tzdata" // CronJob time zones, as the upstream mains

	"github.com/spf13/cobra"
	"go.etcd.io/etcd/server/v3/etcdmain"
	"k8s.io/component-base/cli"
	_ "k8s.io/component-base/logs/json/register"          // JSON log format, as the upstream mains
	_ "k8s.io/component-base/metrics/prometheus/clientgo" // client-go metrics, as the upstream mains
	_ "k8s.io/component-base/metrics/prometheus/version"  // version metric, as the upstream mains
	apiserver "k8s.io/kubernetes/cmd/kube-apiserver/app"
	controllermanager "k8s.io/kubernetes/cmd/kube-controller-manager/app"
	scheduler "k8s.io/kubernetes/cmd/kube-scheduler/app"
)

var components = map[string]func() *cobra.Command{
	"kube-apiserver":          apiserver.NewAPIServerCommand,
	"kube-controller-manager": controllermanager.NewControllerManagerCommand,
	"kube-scheduler":          func() *cobra.Command { return scheduler.NewSchedulerCommand() },
}

func usage() {
	fmt.Fprintln(os.Stderr, "usage: kcp {kube-apiserver|kube-controller-manager|kube-scheduler|etcd|version} [flags]")
	os.Exit(2)
}

func printVersions() {
	info, ok := debug.ReadBuildInfo()
	if !ok {
		fmt.Println("no build info")
		return
	}
	fmt.Printf("go %s\n", info.GoVersion)
	for _, dep := range info.Deps {
		if dep.Path == "k8s.io/kubernetes" || dep.Path == "go.etcd.io/etcd/server/v3" {
			fmt.Printf("%s %s\n", dep.Path, dep.Version)
		}
	}
}

// dieWithParent makes this process get SIGKILL when the test process that started it dies, however it dies
// (KCP_PARENT_PID=<pid>): prctl(PR_SET_PDEATHSIG), then a check that the parent did not die before the call.
// A test killed mid-run therefore leaves no etcd or API server behind.
func dieWithParent() {
	want, err := strconv.Atoi(os.Getenv("KCP_PARENT_PID"))
	if err != nil || want <= 0 {
		return
	}
	const prSetPdeathsig = 1
	if _, _, errno := syscall.RawSyscall(syscall.SYS_PRCTL, prSetPdeathsig, uintptr(syscall.SIGKILL), 0); errno != 0 {
		fmt.Fprintf(os.Stderr, "kcp: prctl(PR_SET_PDEATHSIG): %v\n", errno)
	}
	if os.Getppid() != want {
		fmt.Fprintf(os.Stderr, "kcp: parent %d is gone; exiting\n", want)
		os.Exit(1)
	}
}

func main() {
	dieWithParent()
	name := filepath.Base(os.Args[0])
	args := os.Args[1:]
	if _, ok := components[name]; !ok && name != "etcd" {
		if len(args) == 0 {
			usage()
		}
		name, args = args[0], args[1:]
	}
	switch {
	case name == "etcd":
		// etcdmain.Main reads its flags from args[1:], like os.Args.
		etcdmain.Main(append([]string{"etcd"}, args...))
	case name == "version" || name == "--version":
		printVersions()
	case components[name] != nil:
		cmd := components[name]()
		cmd.SetArgs(args)
		os.Args = append([]string{name}, args...)
		os.Exit(cli.Run(cmd))
	default:
		fmt.Fprintf(os.Stderr, "kcp: unknown component %q\n", strings.TrimSpace(name))
		usage()
	}
}
