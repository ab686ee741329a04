#!/bin/sh
# Copy pinned third-party front-end assets (see package.json / package-lock.json)
# into internal/web/static/vendor, from where they are embedded in the binary.
# No CDN, ever: federation intranets often have no internet.
#
# Usage (from anywhere):  npm ci && scripts/vendor-assets.sh
set -eu

root=$(CDPATH= cd -- "$(dirname -- "$0")/.." && pwd)
cd "$root"

if [ ! -d node_modules ]; then
	echo "node_modules/ missing: run 'npm ci' first" >&2
	exit 1
fi

dest=internal/web/static/vendor
mkdir -p "$dest"

copy() {
	src=$1
	dst=$2
	if [ ! -f "$src" ]; then
		echo "missing $src" >&2
		exit 1
	fi
	cp "$src" "$dst"
	echo "vendored $src -> $dst"
}

copy node_modules/htmx.org/dist/htmx.min.js "$dest/htmx.min.js"
# Apache ECharts, full build: only the case statistics page loads it.
copy node_modules/echarts/dist/echarts.min.js "$dest/echarts.min.js"

# Record the pinned versions next to the files, so a reviewer can check them.
node -e '
const lock = require("./package-lock.json");
const names = ["htmx.org", "echarts", "zrender"];
for (const n of names) {
  const p = lock.packages["node_modules/" + n];
  console.log(n + " " + p.version + " " + p.integrity);
}' > "$dest/VERSIONS"
echo "wrote $dest/VERSIONS"
