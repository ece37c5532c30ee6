#!/bin/sh
# The image's install and start-up steps, in one place: the Dockerfile runs them, and so does
# CI (docker/smoke.sh) in a fresh virtual environment, so they cannot rot unnoticed.
#
#   install.sh build SRC WHEELS      build celebbot and its dependencies (with metrics) as wheels
#   install.sh install WHEELS VENV   make a virtual environment with celebbot[metrics] from those wheels only
#   install.sh seed VENV DEST        copy the shipped knowledge into DEST (the knowledge volume)
set -eu

case "${1:-}" in
build)
	python -m pip wheel --no-cache-dir --wheel-dir "$3" "$2[metrics]"
	;;
install)
	python -m venv "$3"
	"$3/bin/python" -m pip install --no-cache-dir --no-index --find-links "$2" 'celebbot[metrics]'
	;;
seed)
	mkdir -p "$3"
	shipped=$("$2/bin/python" -c 'from bot.core import default_knowledge_path; print(default_knowledge_path())')
	cp "$shipped"/*.yaml "$shipped"/*.json "$shipped"/*.md "$3"/
	;;
*)
	echo "usage: install.sh build SRC WHEELS | install WHEELS VENV | seed VENV DEST" >&2
	exit 2
	;;
esac
