#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Builds the tiny test guest of the VM-tool tests, once, outside the checkout:
#   $GUEST_DIR/vmlinuz          Debian's kernel (linux-image-amd64)
#   $GUEST_DIR/initramfs.gz     Debian's busybox-static + virtio-net modules + ./init
# GUEST_DIR defaults to /var/cache/vmnet-broker/guest. Prints GUEST_DIR.
# Rebuilds the initramfs only when init, udhcpc-script or this script change.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
dir=${GUEST_DIR:-/var/cache/vmnet-broker/guest}
mkdir -p "$dir"
exec 9>"$dir/.lock"
flock 9

modules=(
  kernel/drivers/virtio/virtio.ko
  kernel/drivers/virtio/virtio_ring.ko
  kernel/drivers/virtio/virtio_pci_modern_dev.ko
  kernel/drivers/virtio/virtio_pci_legacy_dev.ko
  kernel/drivers/virtio/virtio_pci.ko
  kernel/net/core/failover.ko
  kernel/drivers/net/net_failover.ko
  kernel/drivers/net/virtio_net.ko
)

# Unpacks Debian package $1 into $dir/$2 (downloaded once, never installed).
unpack() {
  local deb
  deb=$(find "$dir" -maxdepth 1 -name "${1}_*.deb" | head -n1)
  if [ -z "$deb" ]; then
    (cd "$dir" && apt-get download -q "$1")
    deb=$(find "$dir" -maxdepth 1 -name "${1}_*.deb" | head -n1)
  fi
  rm -rf "${dir:?}/$2"
  dpkg-deb -x "$deb" "$dir/$2"
}

if [ ! -f "$dir/vmlinuz" ] || [ ! -d "$dir/kernel/lib/modules" ]; then
  # linux-image-amd64 is a metapackage: fetch the image it points at.
  image=$(apt-cache depends linux-image-amd64 | sed -n 's/.*Depends: \(linux-image-[0-9].*\)/\1/p' | head -n1)
  [ -n "$image" ] || { echo "guest: cannot resolve linux-image-amd64" >&2; exit 1; }
  unpack "$image" kernel
  cp "$dir"/kernel/boot/vmlinuz-* "$dir/vmlinuz.tmp"
  mv "$dir/vmlinuz.tmp" "$dir/vmlinuz"
fi
# The static busybox, unpacked rather than installed: busybox-static and the
# busybox package the host uses cannot both be installed.
busybox=$dir/busybox-static/bin/busybox
[ -x "$busybox" ] || unpack busybox-static busybox-static

stamp=$(cat "$here/init" "$here/udhcpc-script" "$0" "$busybox" | sha256sum | cut -d' ' -f1)
if [ -f "$dir/initramfs.gz" ] && [ "$(cat "$dir/initramfs.stamp" 2>/dev/null)" = "$stamp" ]; then
  echo "$dir"
  exit 0
fi
root=$(mktemp -d)
trap 'rm -rf "$root"' EXIT
mkdir -p "$root"/{bin,proc,sys,dev,lib/modules}
cp "$busybox" "$root/bin/"
for applet in sh mount insmod ip udhcpc ping sed tr cat poweroff; do ln -s busybox "$root/bin/$applet"; done
install -m 755 "$here/init" "$root/init"
install -m 755 "$here/udhcpc-script" "$root/bin/udhcpc-script"
for m in "${modules[@]}"; do cp "$dir"/kernel/lib/modules/*/"$m" "$root/lib/modules/"; done
(cd "$root" && find . | "$busybox" cpio -o -H newc 2>/dev/null | gzip -1 >"$dir/initramfs.gz.tmp")
mv "$dir/initramfs.gz.tmp" "$dir/initramfs.gz"
echo "$stamp" >"$dir/initramfs.stamp"
echo "$dir"
