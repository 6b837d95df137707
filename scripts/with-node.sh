#!/usr/bin/env bash
# Runs its arguments with a supported Node.js first on PATH, so that npm, npm's scripts and every
# `#!/usr/bin/env node` bin below them run on it:
#   scripts/with-node.sh npm ci && scripts/with-node.sh npm run quickstart
#   scripts/with-node.sh npm test
# The node already on PATH is used when it is 22.17 or newer (the package's engines.node, that of
# MikroORM 7); otherwise Node.js 24.21.0 (CI's main version) is fetched once by
# scripts/fetch-node.sh (an npm package of the official binary, cached outside the repository)
# and its directory put first on PATH. The npm on PATH is kept: it then runs on that Node.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
FALLBACK="${OVERLAY_FALLBACK_NODE:-24.21.0}"
[ $# -gt 0 ] || { echo "usage: scripts/with-node.sh <command> [args...]" >&2; exit 2; }

supported() {
  "$1" -e 'const [a, b] = process.versions.node.split(".").map(Number); process.exit(a > 22 || (a === 22 && b >= 17) ? 0 : 1)' 2>/dev/null
}

if command -v node >/dev/null 2>&1 && supported node; then
  exec "$@"
fi
if ! command -v npm >/dev/null 2>&1; then
  echo "with-node: no node >= 22.17 and no npm on PATH to fetch one with; install Node.js 22.17 or newer" >&2
  exit 1
fi
echo "with-node: $(command -v node >/dev/null 2>&1 && node --version || echo 'no node') on PATH is older than 22.17; using Node.js $FALLBACK from scripts/fetch-node.sh" >&2
node_bin="$("$here/fetch-node.sh" "$FALLBACK")"
supported "$node_bin" || { echo "with-node: $node_bin is not a usable Node.js >= 22.17" >&2; exit 1; }
export PATH="$(dirname "$node_bin"):$PATH"
exec "$@"
