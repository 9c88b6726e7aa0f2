#!/usr/bin/env bash
# Install what a fresh Debian machine lacks, then the npm dependencies, then
# build everything. Safe to run again: it only installs what is missing.
set -euo pipefail
cd "$(dirname "$0")"

packages=(gcc libc6-dev make patchelf libzydis-dev libmimalloc-dev musl-tools sqlite3 strace tar python3 git file)

missing=()
for p in "${packages[@]}"; do
	if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed'; then
		missing+=("$p")
	fi
done

if ((${#missing[@]})); then
	echo "bootstrap: installing ${missing[*]}" >&2
	if [ "$(id -u)" -eq 0 ]; then
		sudo=()
	elif command -v sudo >/dev/null 2>&1; then
		sudo=(sudo)
	else
		echo "bootstrap: need root or sudo to install: ${missing[*]}" >&2
		exit 1
	fi
	export DEBIAN_FRONTEND=noninteractive
	"${sudo[@]}" apt-get update
	"${sudo[@]}" apt-get install -y "${missing[@]}"
fi

if ! command -v node >/dev/null 2>&1 || ! command -v npm >/dev/null 2>&1; then
	echo "bootstrap: node (>= 20) and npm are required" >&2
	exit 1
fi
node_major=$(node -p 'process.versions.node.split(".")[0]')
if [ "$node_major" -lt 20 ]; then
	echo "bootstrap: node >= 20 is required (found $(node --version))" >&2
	exit 1
fi

npm ci --no-audit --no-fund
npm run build
