#!/usr/bin/env bash
# The kustomize binary the deployment tests render deploy/k8s with, built once from its Go module
# (the Go module proxy is reachable where prebuilt release binaries are not) and cached.
#
#   deploy/k8s/kustomize.sh path            build if missing; print the binary's path
#   deploy/k8s/kustomize.sh build DIR...    kustomize build DIR (same binary)
#
# Environment:
#   KUSTOMIZE_VERSION     kustomize CLI module version (default v5.7.1)
#   KUSTOMIZE_CACHE_DIR   where binaries are kept (default ~/.cache/trace2test/kustomize)
set -Eeuo pipefail

version="${KUSTOMIZE_VERSION:-v5.7.1}"
cache="${KUSTOMIZE_CACHE_DIR:-${HOME}/.cache/trace2test/kustomize}"
bin="$cache/$version/kustomize"

die() {
  echo "kustomize.sh: $*" >&2
  exit 1
}

ensure() {
  [ -x "$bin" ] && return 0
  command -v go >/dev/null 2>&1 || die "Go is needed to build kustomize $version (install Go 1.22 or newer), or put a kustomize binary at $bin"
  mkdir -p "$cache/$version"
  local tmp
  tmp="$(mktemp -d)"
  # Build into a temporary directory and move into place, so a concurrent caller never runs a
  # half-written binary.
  if ! GOBIN="$tmp" GOFLAGS=-mod=mod go install "sigs.k8s.io/kustomize/kustomize/v5@$version" >"$tmp/go.log" 2>&1; then
    cat "$tmp/go.log" >&2
    rm -rf "$tmp"
    die "go install sigs.k8s.io/kustomize/kustomize/v5@$version failed (output above)"
  fi
  mv -f "$tmp/kustomize" "$bin"
  rm -rf "$tmp"
}

case "${1:-}" in
  path)
    ensure
    echo "$bin"
    ;;
  build)
    shift
    ensure
    for dir in "$@"; do "$bin" build "$dir"; done
    ;;
  *)
    die "usage: kustomize.sh path | build DIR..."
    ;;
esac
