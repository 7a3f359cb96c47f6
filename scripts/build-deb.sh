#!/usr/bin/env bash
# Builds build/connwatch_VERSION_ARCH.deb: a release binary with the Swift runtime linked in
# statically, so the package needs only Debian's libraries.
set -euo pipefail
cd "$(dirname "$0")/.."
version=$(sed -n 's/.*static let current = "\(.*\)".*/\1/p' Sources/ConnWatchRuntime/Service/Daemon.swift)
arch=$(dpkg --print-architecture)
swift build -c release --static-swift-stdlib --product connwatch
bin="$(swift build -c release --static-swift-stdlib --show-bin-path)/connwatch"
toolchain=$(dirname "$(dirname "$(readlink -f "$(command -v swift)")")")
backtracer="$toolchain/libexec/swift/linux/swift-backtrace-static"

root="build/deb/connwatch_${version}_${arch}"
rm -rf "$root"
install -d "$root/DEBIAN" "$root/usr/bin" "$root/usr/libexec/connwatch" "$root/lib/systemd/system" \
    "$root/etc/connwatch" "$root/usr/share/doc/connwatch"
install -m 755 -s "$bin" "$root/usr/bin/connwatch"
install -m 755 "$backtracer" "$root/usr/libexec/connwatch/swift-backtrace-static"
install -m 644 packaging/connwatch.service "$root/lib/systemd/system/connwatch.service"
install -m 644 rules.yaml.example "$root/etc/connwatch/rules.yaml"
install -m 644 README.md rules.yaml.example "$root/usr/share/doc/connwatch/"
install -m 644 packaging/debian/copyright "$root/usr/share/doc/connwatch/copyright"
install -m 755 packaging/debian/postinst packaging/debian/prerm packaging/debian/postrm "$root/DEBIAN/"
echo "/etc/connwatch/rules.yaml" > "$root/DEBIAN/conffiles"

# Depends: the Debian package of every shared library the binary links directly (DT_NEEDED).
needed=$(readelf -d "$root/usr/bin/connwatch" | sed -n 's/.*(NEEDED).*\[\(.*\)\]/\1/p')
depends=$(for soname in $needed; do
    lib=$(ldd "$root/usr/bin/connwatch" | awk -v so="$soname" '$1 == so && $3 ~ /^\// {print $3}')
    [ -n "$lib" ] || continue
    dpkg -S "$(readlink -f "$lib")" 2>/dev/null || dpkg -S "$lib" 2>/dev/null || true
done | cut -d: -f1 | sed 's/:.*//' | sort -u | tr '\n' ' ')
for required in libcurl4 libmosquitto1 libsystemd0; do
    case " $depends " in *" $required "*) ;; *) depends="$depends $required" ;; esac
done
depends=$(echo $depends | tr ' ' '\n' | sort -u | paste -sd, | sed 's/,/, /g')
size=$(du -sk "$root" | cut -f1)
cat > "$root/DEBIAN/control" <<CONTROL
Package: connwatch
Version: $version
Architecture: $arch
Maintainer: connwatch developers <connwatch@localhost>
Section: net
Priority: optional
Installed-Size: $size
Depends: $depends, init-system-helpers
Description: MQTT client connection alerting daemon
 connwatch watches the connection status MQTT brokers and IoT platforms publish
 on their monitor topics, keeps the state of every client, evaluates rules such
 as "offline for more than 10 minutes" and sends alerts to chat webhooks.
CONTROL
dpkg-deb --root-owner-group --build "$root" "build/connwatch_${version}_${arch}.deb" >/dev/null
echo "build/connwatch_${version}_${arch}.deb"
echo "Depends: $depends, init-system-helpers"
