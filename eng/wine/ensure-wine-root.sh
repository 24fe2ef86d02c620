#!/usr/bin/env bash
# Makes sure a Debian 13 (trixie) root with Wine 10 exists, building it when missing.
#
#   eng/wine/ensure-wine-root.sh          prints the root's path on stdout
#
# The root lives outside the repository, in $EMMAP_WINE_ROOT (default /var/cache/emmap-wine/trixie),
# so every clone on the machine shares it. A root is complete when it holds the marker file written
# as the last step of a successful build; anything else at that path is a half-made root and is
# rebuilt. Builds go to a scratch folder beside the root and are renamed into place, under a lock, so
# concurrent callers never see a partial root. Needs root (debootstrap, chroot) and Debian's archive.
set -euo pipefail

root="${EMMAP_WINE_ROOT:-/var/cache/emmap-wine/trixie}"
suite="${EMMAP_WINE_SUITE:-trixie}"
mirror="${EMMAP_WINE_MIRROR:-http://deb.debian.org/debian}"
marker="$root/.emmap-wine-complete"

log() { echo "ensure-wine-root: $*" >&2; }

if [ "$(id -u)" -ne 0 ]; then
  log "must run as root (debootstrap and chroot need it)"
  exit 2
fi

# Unmounts everything mounted at or below $1 (deepest first), so that removing it cannot reach the host.
unmount_below() {
  local dir
  dir=$(realpath -m "$1")
  local mounts
  mounts=$(awk -v d="$dir" '$2 == d || index($2, d "/") == 1 { print $2 }' /proc/self/mounts | sort -r)
  local m
  for m in $mounts; do
    umount "$m" 2>/dev/null || umount -l "$m"
  done
  if awk -v d="$dir" '$2 == d || index($2, d "/") == 1 { found = 1 } END { exit !found }' /proc/self/mounts; then
    log "cannot unmount everything below $dir; refusing to remove it"
    exit 1
  fi
}

remove_tree() {
  [ -e "$1" ] || return 0
  unmount_below "$1"
  rm -rf --one-file-system "$1"
}

is_complete() {
  [ -f "$marker" ] && [ -x "$root/usr/lib/wine/wine64" ] && [ -x "$root/usr/lib/wine/wineserver64" ]
}

if is_complete; then
  echo "$root"
  exit 0
fi

mkdir -p "$(dirname "$root")"
exec 9>"$root.lock"
flock 9

# Another caller may have finished the root while this one waited for the lock.
if is_complete; then
  echo "$root"
  exit 0
fi

if ! command -v debootstrap >/dev/null 2>&1; then
  log "installing debootstrap"
  if ! DEBIAN_FRONTEND=noninteractive apt-get install -y -qq debootstrap >/dev/null 2>&1; then
    apt-get update -qq >/dev/null
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq debootstrap >/dev/null
  fi
fi

if [ -e "$root" ]; then
  log "removing the incomplete root at $root"
  remove_tree "$root"
fi

scratch="$root.partial"
remove_tree "$scratch"
trap 'remove_tree "$scratch"' EXIT

log "building a $suite root with Wine in $root (about a minute)"
started=$(date +%s)
if ! debootstrap --variant=minbase --include=wine64,wine,libwine "$suite" "$scratch" "$mirror" >"$root.log" 2>&1; then
  tail -n 30 "$root.log" >&2
  log "debootstrap failed; the full log is $root.log"
  exit 1
fi

# The apt caches are not needed to run Wine; they are a third of the root.
rm -rf "$scratch"/var/cache/apt/archives/*.deb "$scratch"/var/lib/apt/lists/*

# Wine finds its libraries through /proc/self: give the check a proc of its own, in a private mount namespace
# that disappears with it.
version=$(unshare --mount --pid --fork --kill-child -- \
  sh -c 'mount -t proc proc "$1/proc" && exec chroot "$1" /usr/lib/wine/wine64 --version' sh "$scratch" 2>/dev/null || true)
case "$version" in
  wine-*) ;;
  *)
    log "the new root has no working Wine (got '$version')"
    exit 1
    ;;
esac

printf '%s\n' "$version" >"$scratch/.emmap-wine-complete"
mv "$scratch" "$root"
trap - EXIT
log "built $root with $version in $(( $(date +%s) - started )) s, $(du -sh --one-file-system "$root" | cut -f1)"
echo "$root"
