// SPDX-License-Identifier: Apache-2.0
// libvirt in session mode (an unprivileged user's own libvirtd, Debian's
// packages) with vmnet-broker-bridge-helper as bridge_helper in the user's
// qemu.conf: a domain with <interface type='bridge'><source bridge='shared'/>
// boots (TCG, direct kernel boot) and its guest leases an address from the
// broker. libvirt runs the helper with a cleared environment, so a one-line
// wrapper script points it at the test broker's socket.
import { execFileSync, spawnSync } from "node:child_process";
import { chmodSync, chownSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { TestBroker } from "../harness/broker.js";
import { BRIDGE_HELPER, guestImage } from "./qemu.js";

const USER = "vmnet-vmtest";

/** The domain: TCG, direct kernel boot, one virtio NIC on the broker's network, console to a file. */
function domainXml(serial: string): string {
  const { kernel, initrd } = guestImage();
  return `<domain type='qemu'>
  <name>vmnet-broker-test</name>
  <memory unit='MiB'>128</memory>
  <vcpu>1</vcpu>
  <os>
    <type arch='x86_64' machine='pc'>hvm</type>
    <kernel>${kernel}</kernel>
    <initrd>${initrd}</initrd>
    <cmdline>console=ttyS0 quiet panic=-1 mitigations=off</cmdline>
  </os>
  <features><acpi/></features>
  <on_poweroff>destroy</on_poweroff>
  <devices>
    <interface type='bridge'>
      <source bridge='shared'/>
      <mac address='52:54:00:42:00:05'/>
      <model type='virtio'/>
      <rom enabled='no'/>
    </interface>
    <serial type='file'><source path='${serial}'/></serial>
    <memballoon model='none'/>
  </devices>
</domain>
`;
}

describe("libvirt session mode with bridge_helper = vmnet-broker-bridge-helper", () => {
  let broker: TestBroker;
  let home: string;
  let uid: number;
  beforeAll(async () => {
    broker = await TestBroker.start({ idleDelayMs: 500 });
    // A real account: libvirt's session daemon needs one. Left over from a
    // crashed run, it is made anew.
    spawnSync("userdel", ["--force", USER]);
    home = mkdtempSync(join(tmpdir(), "vmnet-libvirt-"));
    execFileSync("useradd", ["--user-group", "--no-create-home", "--home-dir", home, "--shell", "/usr/sbin/nologin", USER]);
    uid = Number(execFileSync("id", ["-u", USER], { encoding: "utf8" }).trim());
    const helper = join(home, "bridge-helper");
    writeFileSync(helper, `#!/bin/sh\nVMNET_BROKER_SOCKET=${broker.socket} exec ${BRIDGE_HELPER} "$@"\n`);
    chmodSync(helper, 0o755);
    mkdirSync(join(home, ".config/libvirt"), { recursive: true });
    writeFileSync(join(home, ".config/libvirt/qemu.conf"), `bridge_helper = "${helper}"\n`);
    mkdirSync(join(home, "run"), { mode: 0o700 });
    writeFileSync(join(home, "domain.xml"), domainXml(join(home, "console.log")));
    execFileSync("chown", ["-R", `${USER}:${USER}`, home]);
    chownSync(home, uid, statSync(home).gid);
  });
  afterAll(async () => {
    if (uid !== undefined) {
      virsh("destroy", "vmnet-broker-test");
      // The session daemons (libvirtd, virtlogd) this test started as the user.
      for (const pid of readdirSync("/proc").filter((p) => /^\d+$/.test(p))) {
        try {
          if (statSync(`/proc/${pid}`).uid === uid) process.kill(Number(pid), "SIGTERM");
        } catch {
          // Gone already.
        }
      }
      // --force: the daemons may not be reaped yet.
      spawnSync("userdel", ["--force", USER]);
    }
    if (home) rmSync(home, { recursive: true, force: true });
    await broker?.dispose();
  });

  /** virsh as the user, with the cleared environment libvirt's clients usually see. */
  function virsh(...args: string[]) {
    return spawnSync(
      "setpriv",
      ["--reuid", String(uid), "--regid", String(uid), "--init-groups", "virsh", "-c", "qemu:///session", ...args],
      { encoding: "utf8", env: { HOME: home, XDG_RUNTIME_DIR: join(home, "run"), PATH: "/usr/sbin:/usr/bin:/bin" } },
    );
  }

  it("starts a domain on <interface type='bridge'> whose guest leases an address from the broker", async () => {
    const started = Date.now();
    const created = virsh("create", join(home, "domain.xml"));
    expect(created.status, created.stderr).toBe(0);
    // The guest powers off when done; libvirt then removes the transient
    // domain. Meanwhile, what the broker hands out on shared.
    const leased = new Set<string>();
    let gateway = "";
    const deadline = Date.now() + 240_000;
    while (virsh("list", "--name").stdout.includes("vmnet-broker-test") && Date.now() < deadline) {
      const shared = (await broker.status()).networks.find((n) => n.network?.name === "shared");
      for (const lease of shared?.leases ?? []) leased.add(lease.ip);
      if (shared?.live) gateway = shared.network?.gateway ?? "";
      await sleep(500);
    }
    const serial = readFileSync(join(home, "console.log"), "utf8");
    console.log(`libvirt session guest: ${((Date.now() - started) / 1000).toFixed(1)} s from virsh create to domain gone`);
    const results = new Map([...serial.matchAll(/^VMTEST (\S+) ?(.*?)\r?$/gm)].map((m) => [m[1], m[2]]));
    expect(results.get("done"), serial).toBeDefined();
    expect([...leased]).toContain(results.get("lease"));
    expect(results.get("ping-gateway")).toBe(`ok ${gateway}`);
    expect(broker.log.some((l) => l.includes("event=acquire") && l.includes(`uid=${uid}`))).toBe(true);
    expect(broker.log.some((l) => l.includes("event=interface-opened") && l.includes("holder=interface"))).toBe(true);
    await broker.waitFor((s) => !s.networks.some((n) => n.network?.name === "shared" && n.live), "shared to be released");
  }, 300_000);
});
