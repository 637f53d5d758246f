#!/usr/bin/env bash
# package_test.sh SRC_DIR [CMAKE [CPACK]] - build the Debian package in a
# scratch tree (prefix /usr, no tests) and inspect it: control fields and
# library dependencies, the file list, the conffile, the maintainer scripts,
# and the extracted okrd checking the extracted configuration.  With
# OKR_TEST_DPKG_INSTALL=1 it also installs the package on this machine with
# dpkg -i (and purges it again), which changes the machine: off by default.
# Exit 77 (ctest: skipped) when dpkg-deb, dpkg-shlibdeps or file is missing.
set -euo pipefail

src=${1:?usage: package_test.sh SRC_DIR [CMAKE [CPACK]]}
cmake=${2:-cmake}
cpack=${3:-cpack}

for tool in dpkg-deb dpkg-shlibdeps file; do
    if ! command -v "$tool" >/dev/null 2>&1; then
        echo "SKIP: $tool is not installed (scripts/deps.sh installs it)"
        exit 77
    fi
done

tmp=$(mktemp -d "${TMPDIR:-/tmp}/okrd-pkg-XXXXXX")
cleanup() { [ -n "${OKR_KEEP_TMP:-}" ] || rm -rf "$tmp"; }
trap cleanup EXIT

fails=0
pass() { echo "ok: $*"; }
fail() { echo "FAIL: $*"; fails=$((fails + 1)); }
check() { # check DESCRIPTION COMMAND...
    local what=$1
    shift
    if "$@"; then pass "$what"; else fail "$what"; fi
}

echo "== build (prefix /usr) in $tmp"
"$cmake" -S "$src" -B "$tmp/build" -DCMAKE_BUILD_TYPE=RelWithDebInfo -DCMAKE_INSTALL_PREFIX=/usr \
    -DOKR_TESTS=OFF -DOKR_BENCH=OFF -DOKR_SANITIZE=OFF >"$tmp/configure.log" 2>&1 ||
    { cat "$tmp/configure.log"; exit 1; }
"$cmake" --build "$tmp/build" -j"$(nproc)" >"$tmp/build.log" 2>&1 || { cat "$tmp/build.log"; exit 1; }
(cd "$tmp/build" && "$cpack" -G DEB) >"$tmp/cpack.log" 2>&1 || { cat "$tmp/cpack.log"; exit 1; }
deb=$(ls "$tmp"/build/okrd_*.deb)
echo "package: $(basename "$deb")"

echo "== dpkg-deb -I"
info=$(dpkg-deb -I "$deb")
echo "$info"
field() { dpkg-deb -f "$deb" "$1"; }
check "Package is okrd" test "$(field Package)" = okrd
check "Version is set" test -n "$(field Version)"
check "Maintainer is set" test -n "$(field Maintainer)"
check "Description is set" test -n "$(field Description)"
depends=$(field Depends)
for lib in libzmq5 liblmdb0 libconfig9 libmsgpackc2 libc6; do
    check "Depends lists $lib" grep -Eq "(^|, )$lib( |,|$)" <<<"$depends"
done

echo "== dpkg-deb -c"
dpkg-deb -c "$deb" | awk '{print $NF}' | sed 's#^\./#/#' >"$tmp/files"
cat "$tmp/files"
for f in /usr/sbin/okrd /usr/bin/okrctl /etc/okrd/okrd.conf /usr/share/man/man8/okrd.8.gz \
    /usr/share/man/man5/okrd.conf.5.gz /usr/share/man/man1/okrctl.1.gz; do
    check "contains $f" grep -qx "$f" "$tmp/files"
done
check "contains the unit in a systemd unit directory" \
    grep -Eqx '(/usr)?/lib/systemd/system/okrd.service' "$tmp/files"
check "nothing under /usr/local" bash -c "! grep -q '^/usr/local' '$tmp/files'"

echo "== control files"
dpkg-deb -e "$deb" "$tmp/control"
check "conffiles lists /etc/okrd/okrd.conf" grep -qx /etc/okrd/okrd.conf "$tmp/control/conffiles"
for s in postinst prerm postrm; do
    check "$s is executable" test -x "$tmp/control/$s"
    check "$s is valid sh" sh -n "$tmp/control/$s"
    check "$s calls systemctl only when systemd runs" \
        bash -c "! grep -q systemctl '$tmp/control/$s' || grep -q '/run/systemd/system' '$tmp/control/$s'"
done
check "postinst runs systemctl daemon-reload" grep -q "systemctl daemon-reload" "$tmp/control/postinst"

echo "== dpkg-deb -x"
dpkg-deb -x "$deb" "$tmp/root"
unit=$(find "$tmp/root" -path '*/lib/systemd/system/okrd.service' | head -1)
conf="$tmp/root/etc/okrd/okrd.conf"
check "the configuration keeps its state in /var/lib/okrd" \
    grep -Eq '^[[:space:]]*state_dir = "/var/lib/okrd";' "$conf"
check "the unit starts /usr/sbin/okrd on /etc/okrd/okrd.conf" \
    grep -qx 'ExecStart=/usr/sbin/okrd -c /etc/okrd/okrd.conf --foreground' "$unit"
out=$("$tmp/root/usr/sbin/okrd" --check-config "$conf" 2>&1) && rc=0 || rc=$?
echo "okrd --check-config: $out"
check "the extracted okrd accepts the extracted configuration" test "$rc" -eq 0
check "... and says so" test "$out" = "configuration OK"
out=$("$tmp/root/usr/bin/okrctl" --version 2>&1) || true
check "the extracted okrctl runs" grep -q '^okrctl ' <<<"$out"
if command -v groff >/dev/null 2>&1; then
    for m in "$tmp"/root/usr/share/man/man*/*.gz; do
        check "$(basename "$m") renders without warnings" \
            bash -c "w=\$(zcat '$m' | groff -man -Tutf8 -ww -z 2>&1) && [ -z \"\$w\" ]"
    done
fi

if [ "${OKR_TEST_DPKG_INSTALL:-}" = 1 ] &&
    dpkg-query -W -f='${Status}' okrd 2>/dev/null | grep -q "install ok installed"; then
    echo "(dpkg -i skipped: okrd is already installed here, and the test would purge it)"
elif [ "${OKR_TEST_DPKG_INSTALL:-}" = 1 ]; then
    echo "== dpkg -i (OKR_TEST_DPKG_INSTALL=1)"
    check "dpkg -i installs the package" dpkg -i "$deb"
    check "the installed okrd checks /etc/okrd/okrd.conf" /usr/sbin/okrd --check-config /etc/okrd/okrd.conf
    check "the installed man page is found" bash -c "man -w okrd.conf >/dev/null"
    check "dpkg --purge removes it" dpkg --purge okrd
else
    echo "(dpkg -i skipped: set OKR_TEST_DPKG_INSTALL=1 to install the package on this machine)"
fi

echo
if [ "$fails" -gt 0 ]; then
    echo "package_test: $fails check(s) failed"
    exit 1
fi
echo "package_test: all checks passed"
