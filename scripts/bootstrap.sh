#!/usr/bin/env bash
# Sets up a fresh machine for the grader and builds it:
#   - finds Swift (on PATH, else /opt/swift/usr/bin);
#   - installs the Debian packages the project needs when missing;
#   - builds the `grader` executable (debug).
# Safe to run again: it only installs what is missing and `swift build` is incremental.
set -euo pipefail
cd "$(dirname "$0")/.."

packages=(libsqlite3-dev libseccomp-dev pkg-config)

if ! command -v swift >/dev/null 2>&1; then
    if [ -x /opt/swift/usr/bin/swift ]; then
        export PATH=/opt/swift/usr/bin:$PATH
    else
        echo "bootstrap: Swift 6.1 or later is required (not on PATH, not at /opt/swift); see https://swift.org/install" >&2
        exit 1
    fi
fi

missing=()
for package in "${packages[@]}"; do
    dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed" || missing+=("$package")
done
if [ ${#missing[@]} -gt 0 ]; then
    echo "bootstrap: installing ${missing[*]}" >&2
    if [ "$(id -u)" -eq 0 ]; then sudo=""; elif command -v sudo >/dev/null 2>&1; then sudo="sudo"; else
        echo "bootstrap: need root (or sudo) to install: ${missing[*]}" >&2; exit 1; fi
    $sudo apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

echo "bootstrap: building with $(swift --version 2>/dev/null | head -1)" >&2
swift build "$@" >&2
echo "bootstrap: ready: $(swift build --show-bin-path "$@")/grader" >&2
