// SPDX-License-Identifier: Apache-2.0

//go:build linux

package vmnetbroker

// Integration tests against the real daemon. Each broker runs with its own
// socket, config and runtime directories, and sandboxes itself in a private
// network namespace, so nothing touches this machine's networking.

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
	"unsafe"

	"github.com/vmnet-broker/vmnet-broker/packages/client-go/internal/arpprobe"
)

var brokerMain = filepath.Join("..", "broker-daemon", "dist", "cli", "main.js")

type liveBroker struct {
	socket string
	cmd    *exec.Cmd
	stderr *bytes.Buffer
	exited chan struct{}
}

// startLiveBroker runs the daemon and waits until its socket accepts.
func startLiveBroker(t *testing.T) *liveBroker {
	t.Helper()
	if _, err := os.Stat(brokerMain); errors.Is(err, os.ErrNotExist) {
		t.Skipf("SKIPPING LIVE BROKER TEST: %s does not exist; build the daemon first (NX_DAEMON=false npx nx run broker-daemon:build)", brokerMain)
	}
	if _, err := exec.LookPath("node"); err != nil {
		t.Fatalf("node is needed to run the broker: %v", err)
	}
	dir := t.TempDir()
	for _, d := range []string{"conf", "run"} {
		if err := os.Mkdir(filepath.Join(dir, d), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	b := &liveBroker{socket: filepath.Join(dir, "broker.sock"), stderr: &bytes.Buffer{}, exited: make(chan struct{})}
	b.cmd = exec.Command("node", brokerMain, "serve",
		"--socket", b.socket,
		"--config-dir", filepath.Join(dir, "conf"),
		"--runtime-dir", filepath.Join(dir, "run"),
		"--idle-delay-ms", "500")
	b.cmd.Stdout = b.stderr
	b.cmd.Stderr = b.stderr
	if err := b.cmd.Start(); err != nil {
		t.Fatalf("start the broker: %v", err)
	}
	go func() { _ = b.cmd.Wait(); close(b.exited) }()
	t.Cleanup(func() { b.stop(t) })

	deadline := time.Now().Add(30 * time.Second)
	for {
		conn, err := net.Dial("unix", b.socket)
		if err == nil {
			conn.Close()
			return b
		}
		select {
		case <-b.exited:
			t.Fatalf("the broker exited before listening: %s\n%s", b.cmd.ProcessState, b.stderr)
		case <-time.After(50 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			t.Fatalf("the broker's socket did not accept within the safety limit: %v\n%s", err, b.stderr)
		}
	}
}

// stop asks the broker to shut down cleanly, then kills it if it lingers.
// The sandboxed broker runs under `unshare --fork --kill-child`, which does
// not forward SIGTERM, so the SIGKILL is the usual end: it takes the
// namespace, and with it every bridge, TAP and dnsmasq, down at once.
func (b *liveBroker) stop(t *testing.T) {
	select {
	case <-b.exited:
		return
	default:
	}
	_ = b.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-b.exited:
	case <-time.After(2 * time.Second):
		_ = b.cmd.Process.Kill()
		<-b.exited
	}
}

func (b *liveBroker) dial(t *testing.T) *Client {
	t.Helper()
	c, err := Dial(testCtx(t), WithSocketPath(b.socket))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = c.Close() })
	return c
}

func networkStatus(s *Status, name string) *NetworkStatus {
	for i := range s.Networks {
		if s.Networks[i].Network.Name == name {
			return &s.Networks[i]
		}
	}
	return nil
}

func TestLiveAcquireShared(t *testing.T) {
	b := startLiveBroker(t)
	a, c := b.dial(t), b.dial(t)
	ctx := testCtx(t)
	n, err := a.AcquireNetwork(ctx, "shared")
	if err != nil {
		t.Fatalf("acquire shared: %v\n%s", err, b.stderr)
	}
	if n.Name != "shared" || n.Mode != ModeShared || !n.Subnet.IsValid() || !n.Subnet.Contains(n.Gateway) || n.Bridge == "" || n.MTU <= 0 {
		t.Fatalf("implausible network %+v", n)
	}
	n2, err := c.AcquireNetwork(ctx, "shared")
	if err != nil || n2.Subnet != n.Subnet || n2.Bridge != n.Bridge {
		t.Fatalf("a second client got another network: %+v, %v", n2, err)
	}
	s, err := a.Status(ctx)
	if err != nil {
		t.Fatal(err)
	}
	ns := networkStatus(s, "shared")
	// Status leaves out the asker's own connection: c is the other peer, named
	// by the hello Dial sent.
	if ns == nil || ns.References != 2 || len(s.Peers) != 1 || s.Peers[0].ClientName != ClientName {
		t.Fatalf("status does not show two holders of shared: %+v", s)
	}
	h, err := a.Hello(ctx)
	if err != nil || h.ProtocolVersion != 1 || h.Platform != "linux" {
		t.Fatalf("hello: %+v, %v", h, err)
	}
	// The connection is the lease: closing one holder drops a reference.
	if err := c.Close(); err != nil {
		t.Fatal(err)
	}
	waitFor(t, func() bool {
		s, err := a.Status(ctx)
		return err == nil && networkStatus(s, "shared") != nil && networkStatus(s, "shared").References == 1
	})
}

func TestLiveNotFound(t *testing.T) {
	b := startLiveBroker(t)
	c := b.dial(t)
	_, err := c.AcquireNetwork(testCtx(t), "no-such-network")
	if !errors.Is(err, ErrNotFound) {
		t.Fatalf("want ErrNotFound, got %v", err)
	}
	if _, err := c.AcquireNetwork(testCtx(t), "host"); err != nil {
		t.Fatalf("connection unusable after NOT_FOUND: %v", err)
	}
}

func TestLiveTAPCarriesARPReplyFromGateway(t *testing.T) {
	b := startLiveBroker(t)
	c := b.dial(t)
	ctx := testCtx(t)
	n, err := c.AcquireNetwork(ctx, "shared")
	if err != nil {
		t.Fatal(err)
	}
	for _, vnet := range []bool{false, true} {
		iface, err := c.OpenTAP(ctx, "shared", TAPOptions{VnetHeader: vnet})
		if err != nil {
			t.Fatalf("open TAP (vnet header %v): %v\n%s", vnet, err, b.stderr)
		}
		if len(iface.Files) != 1 || iface.Kind != InterfaceTAP || iface.Name == "" {
			t.Fatalf("unexpected interface %+v", iface)
		}
		probeCtx, cancel := context.WithTimeout(ctx, 5*time.Second)
		err = arpprobe.Probe(probeCtx, iface.Files[0], n.Subnet, n.Gateway, vnet)
		cancel()
		_ = iface.Close()
		if err != nil {
			t.Fatalf("vnet header %v: %v", vnet, err)
		}
	}
	// Multi-queue: one file per queue.
	iface, err := c.OpenTAP(ctx, "shared", TAPOptions{Queues: 2})
	if err != nil {
		t.Fatalf("open a 2-queue TAP: %v", err)
	}
	defer iface.Close()
	if len(iface.Files) != 2 {
		t.Fatalf("want 2 files, got %d", len(iface.Files))
	}
}

func TestLiveTAPNeedsAcquire(t *testing.T) {
	b := startLiveBroker(t)
	c := b.dial(t)
	_, err := c.OpenTAP(testCtx(t), "shared", TAPOptions{})
	var e *Error
	if !errors.As(err, &e) || e.Code == CodeSuccess {
		t.Fatalf("want a broker error for a TAP on a network not acquired, got %v", err)
	}
}

func TestLiveBrokerKilledFailsCallsWithoutHanging(t *testing.T) {
	b := startLiveBroker(t)
	c := b.dial(t)
	ctx := testCtx(t)
	if _, err := c.AcquireNetwork(ctx, "shared"); err != nil {
		t.Fatal(err)
	}
	// Keep calls flowing while the broker dies, so some are in flight.
	var wg sync.WaitGroup
	errs := make(chan error, 4)
	stop := make(chan struct{})
	for range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				if _, err := c.Status(ctx); err != nil {
					errs <- err
					return
				}
				select {
				case <-stop:
					errs <- nil
					return
				default:
				}
			}
		}()
	}
	if err := b.cmd.Process.Kill(); err != nil {
		t.Fatal(err)
	}
	<-b.exited
	wg.Wait()
	close(stop)
	close(errs)
	for err := range errs {
		if !errors.Is(err, ErrTransportFailure) || ctx.Err() != nil {
			t.Fatalf("want ErrTransportFailure after kill -9, got %v", err)
		}
	}
	if _, err := c.AcquireNetwork(ctx, "host"); !errors.Is(err, ErrTransportFailure) {
		t.Fatalf("later call: want ErrTransportFailure, got %v", err)
	}
}

func TestLiveConcurrentGoroutines(t *testing.T) {
	b := startLiveBroker(t)
	c := b.dial(t)
	ctx := testCtx(t)
	var wg sync.WaitGroup
	errs := make(chan error, 32)
	for i := range 32 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			switch i % 4 {
			case 0, 1:
				name := []string{"shared", "host"}[i%2]
				n, err := c.AcquireNetwork(ctx, name)
				if err != nil || n.Name != name {
					errs <- fmt.Errorf("acquire %s: %+v, %v", name, n, err)
				}
			case 2:
				if _, err := c.Status(ctx); err != nil {
					errs <- err
				}
			case 3:
				if _, err := c.AcquireNetwork(ctx, "missing"); !errors.Is(err, ErrNotFound) {
					errs <- fmt.Errorf("missing: %v", err)
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	s, err := c.Status(ctx)
	if err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{"shared", "host"} {
		if ns := networkStatus(s, name); ns == nil || ns.References != 1 {
			t.Errorf("%s: one connection must count once, got %+v", name, ns)
		}
	}
}

// OpenVeth moves the far end into a namespace this test creates and
// deletes; the namespace is handed over as an fd.
func TestLiveVethIntoNamespace(t *testing.T) {
	b := startLiveBroker(t)
	if _, err := exec.LookPath("ip"); err != nil {
		t.Skipf("ip (iproute2) is not installed: %v", err)
	}
	ns := fmt.Sprintf("vmb-go-test-%d", os.Getpid())
	if out, err := exec.Command("ip", "netns", "add", ns).CombinedOutput(); err != nil {
		t.Fatalf("ip netns add %s: %v: %s", ns, err, out)
	}
	t.Cleanup(func() { _ = exec.Command("ip", "netns", "del", ns).Run() })
	f, err := os.Open("/run/netns/" + ns)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()

	c := b.dial(t)
	ctx := testCtx(t)
	if _, err := c.AcquireNetwork(ctx, "host"); err != nil {
		t.Fatal(err)
	}
	iface, err := c.OpenVeth(ctx, "host", f, "vm0")
	if err != nil {
		t.Fatalf("open veth: %v\n%s", err, b.stderr)
	}
	if iface.Kind != InterfaceVeth || iface.PeerIfname != "vm0" || len(iface.Files) != 0 {
		t.Fatalf("unexpected interface %+v", iface)
	}
	out, err := exec.Command("ip", "-n", ns, "-o", "link", "show", "vm0").CombinedOutput()
	if err != nil || !strings.Contains(string(out), "vm0") {
		t.Fatalf("vm0 is not in %s: %v: %s", ns, err, out)
	}
	// Closing the connection removes the pair.
	_ = c.Close()
	waitFor(t, func() bool { return exec.Command("ip", "-n", ns, "link", "show", "vm0").Run() != nil })
}

// tapName asks the kernel which TAP device a descriptor is attached to
// (TUNGETIFF), so the test can prove each file came with its own reply.
func tapName(t *testing.T, f *os.File) string {
	t.Helper()
	const tungetiff = 0x800454d2
	var ifr [40]byte // struct ifreq: name[16] then the flags union
	raw, err := f.SyscallConn()
	if err != nil {
		t.Fatal(err)
	}
	var errno syscall.Errno
	if cerr := raw.Control(func(fd uintptr) {
		_, _, errno = syscall.Syscall(syscall.SYS_IOCTL, fd, tungetiff, uintptr(unsafe.Pointer(&ifr[0])))
	}); cerr != nil {
		t.Fatal(cerr)
	}
	if errno != 0 {
		t.Fatalf("TUNGETIFF on %s: %v", f.Name(), errno)
	}
	return string(ifr[:bytes.IndexByte(ifr[:16], 0)])
}

// Many TAP replies in flight on one connection: every file must belong to
// the interface named in its own reply (the descriptor attachment rule).
func TestLiveConcurrentTAPsGetTheirOwnDescriptors(t *testing.T) {
	b := startLiveBroker(t)
	c := b.dial(t)
	ctx := testCtx(t)
	if _, err := c.AcquireNetwork(ctx, "host"); err != nil {
		t.Fatal(err)
	}
	const n = 8
	ifaces := make([]*Interface, n)
	errs := make([]error, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			ifaces[i], errs[i] = c.OpenTAP(ctx, "host", TAPOptions{Queues: 1 + i%3})
		}()
	}
	wg.Wait()
	seen := map[string]bool{}
	for i, iface := range ifaces {
		if errs[i] != nil {
			t.Fatalf("TAP %d: %v", i, errs[i])
		}
		defer iface.Close()
		if len(iface.Files) != 1+i%3 || seen[iface.Name] {
			t.Fatalf("TAP %d: %d files, name %s (seen before: %v)", i, len(iface.Files), iface.Name, seen[iface.Name])
		}
		seen[iface.Name] = true
		for _, f := range iface.Files {
			if got := tapName(t, f); got != iface.Name {
				t.Fatalf("a file of %s is attached to %s", iface.Name, got)
			}
		}
	}
}
