#!/usr/bin/env bash
# Install what okrd needs to build and test, from Debian's packages.
# Runs apt-get only when something is missing.
set -euo pipefail

pkgs=(build-essential cmake pkg-config
      libzmq3-dev libmsgpack-dev liblmdb-dev lmdb-utils libconfig-dev
      libcmocka-dev python3 python3-zmq python3-msgpack
      dpkg-dev file               # cpack -G DEB: dpkg-shlibdeps, dpkg-deb
      systemd procps man-db       # test_service: systemd-analyze verify of the unit
      groff-base)                 # test_service: man pages render without warnings

missing=()
for p in "${pkgs[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
    echo "installing: ${missing[*]}"
    sudo_cmd=""
    [ "$(id -u)" -eq 0 ] || sudo_cmd="sudo"
    $sudo_cmd apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $sudo_cmd apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi
