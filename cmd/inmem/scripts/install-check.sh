#!/usr/bin/env bash
# install-check.sh shows that a release of the command installs with
# `go install github.com/inmemdb/inmem/cmd/inmem@latest`, as docs/cli.md's
# release steps make it: it serves the library and the command, at a made-up
# version and from this checkout's HEAD, from a module proxy in a temporary
# directory (other modules come from the usual proxy), with the command's
# replace directive dropped, and installs the command from it into an empty
# GOPATH and module cache. Run from anywhere in the repository:
#
#	bash cmd/inmem/scripts/install-check.sh
set -euo pipefail
root=$(git rev-parse --show-toplevel)
ver=v0.0.0-installcheck
work=$(mktemp -d)
trap 'chmod -R u+w "$work"; rm -rf "$work"' EXIT
proxy=$work/proxy

# module PATH DIR: serve the module PATH at $ver from the files of DIR.
module() {
	local path=$1 dir=$2 at=$proxy/$1/@v
	mkdir -p "$at" "$work/zip/$path@$ver"
	cp -R "$dir"/. "$work/zip/$path@$ver/"
	(cd "$work/zip" && zip -qr "$at/$ver.zip" "$path@$ver")
	cp "$dir/go.mod" "$at/$ver.mod"
	printf '{"Version":"%s","Time":"2026-01-01T00:00:00Z"}\n' "$ver" > "$at/$ver.info"
	echo "$ver" > "$at/list"
}

# The library: the files git tracks, without the nested modules.
lib=$work/src/lib
mkdir -p "$lib"
git -C "$root" archive HEAD -- . ':!cmd' ':!bench' ':!etcdstore' | tar -x -C "$lib"
module github.com/inmemdb/inmem "$lib"

# The command, its go.mod as a release has it: no replace, the library by
# version.
cmd=$work/src/cmd
mkdir -p "$cmd"
git -C "$root" archive HEAD:cmd/inmem | tar -x -C "$cmd"
(cd "$cmd" && go mod edit -dropreplace github.com/inmemdb/inmem -require github.com/inmemdb/inmem@$ver)
grep -q replace "$cmd/go.mod" && { echo "install-check: a replace directive is left"; exit 1; }
module github.com/inmemdb/inmem/cmd/inmem "$cmd"

# The made-up version is in no checksum database: skip it for our modules.
export GOPATH=$work/gopath GOMODCACHE=$work/modcache GOFLAGS= GOWORK=off
export GOPROXY="file://$proxy,https://proxy.golang.org" GONOSUMDB=github.com/inmemdb/inmem
cd "$work"
go install github.com/inmemdb/inmem/cmd/inmem@latest
echo "install-check: ok: go install github.com/inmemdb/inmem/cmd/inmem@latest built $("$GOPATH/bin/inmem" --version)"
