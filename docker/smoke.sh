#!/bin/sh
# CI's stand-in for `docker build` (no Docker engine runs here): run the image's own install
# and start-up steps (docker/install.sh) in a fresh virtual environment, then check that the
# installed bot starts the way the container will.
set -eu
src=$(cd "$(dirname "$0")/.." && pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

sh "$src/docker/install.sh" build "$src" "$work/wheels" >/dev/null
sh "$src/docker/install.sh" install "$work/wheels" "$work/venv" >/dev/null
sh "$src/docker/install.sh" seed "$work/venv" "$work/knowledge"
bin="$work/venv/bin"
export CELEBBOT_KNOWLEDGE="$work/knowledge" CELEBBOT_DATA="$work/data"

"$bin/celebbot" kb check --quick >/dev/null
"$bin/python" -c "import prometheus_client.aiohttp"  # the metrics extra is in the image
"$bin/celebbot" ask "When did Kim and Kanye meet?" | grep -q 2003
# No bot runs: the health check must say so, with exit status 1.
if "$bin/celebbot" health 2>/dev/null; then echo "smoke: health passed with no bot running" >&2; exit 1; fi
# No token: one clear line and exit status 2, never a traceback.
set +e
out=$(env -u DISCORD_TOKEN "$bin/celebbot" run 2>&1)
code=$?
set -e
if [ "$code" -ne 2 ] || [ "$(printf '%s\n' "$out" | wc -l)" -ne 1 ] || printf '%s' "$out" | grep -q Traceback; then
	echo "smoke: 'celebbot run' without a token gave status $code and: $out" >&2
	exit 1
fi
echo "smoke: image install and start-up steps work ($out)"
