#!/usr/bin/env bash
# Runs a Windows executable under Wine 10 in the Debian 13 root made by ensure-wine-root.sh.
#
#   eng/wine/run.sh [--timeout SECONDS] [--bind DIR]... [--tmpfs DIR:SIZE]... EXE [ARGS...]
#
# - The root is built first if missing (see ensure-wine-root.sh).
# - Everything runs in private mount and PID namespaces: proc, sys, /dev and a fresh /tmp are mounted
#   for this run only and vanish with it, and every process of the run (the program, its children,
#   wineserver) is killed when it ends, so nothing is left mounted or running, even after a kill.
# - EXE's folder and each --bind DIR are bind-mounted into the root at the same path, so a Unix path
#   given as an argument (/some/dir/file) is the same file on the Windows side (drive Z:). Paths under
#   /tmp land in the run's own /tmp; others leave an empty mount point folder in the root.
# - Each --tmpfs DIR:SIZE mounts a fresh tmpfs of SIZE (as mount's size=, e.g. 1m) at DIR inside the root,
#   for tests that need a small file system (a full disk).
# - The Wine prefix is private to these scripts and initialised once (wineboot, no GUI).
# - The run is killed after --timeout seconds (default 600); the exit code is the program's, 124 on timeout.
# - Runs are serialised on the prefix (one wineserver at a time); a child process that the program
#   starts under Wine shares that wineserver, so cross-process tests work within one run.
# Variables named DOTNET_* and EMMAP_* are passed to the program; nothing else of the environment is.
# A program that crashes gets Wine's debugger in its automatic mode: it prints a backtrace to stderr and the
# program exits with a non-zero code (no window, no wait).
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
limit=600
binds=()
tmpfses=()
while [ $# -gt 0 ]; do
  case "$1" in
    --timeout) limit="$2"; shift 2 ;;
    --bind) binds+=("$(realpath "$2")"); shift 2 ;;
    --tmpfs) tmpfses+=("$2"); shift 2 ;;
    --) shift; break ;;
    -*) echo "run.sh: unknown option $1" >&2; exit 2 ;;
    *) break ;;
  esac
done
if [ $# -lt 1 ]; then
  echo "usage: $0 [--timeout SECONDS] [--bind DIR]... [--tmpfs DIR:SIZE]... EXE [ARGS...]" >&2
  exit 2
fi

exe=$(realpath "$1")
shift
if [ ! -f "$exe" ]; then
  echo "run.sh: no such file: $exe" >&2
  exit 2
fi
binds+=("$(dirname "$exe")")

root=$("$here/ensure-wine-root.sh")
prefix=/opt/emmap-wine-prefix

exec 8>"$root.run.lock"
flock 8

passed_env=()
while IFS= read -r name; do
  passed_env+=("$name=${!name}")
done < <(compgen -e | grep -E '^(DOTNET_|EMMAP_)' || true)

# The part below runs as PID 1 of a new PID namespace, with its own mount table.
inner() {
  set -e
  local root="$1" prefix="$2" exe="$3"
  shift 3
  local nbinds="$1"
  shift
  local binds=("${@:1:$nbinds}")
  shift "$nbinds"
  local nenv="$1"
  shift
  local envs=("${@:1:$nenv}")
  shift "$nenv"
  local ntmpfs="$1"
  shift
  local tmpfses=("${@:1:$ntmpfs}")
  shift "$ntmpfs"

  mount --make-rprivate /
  mount -t proc proc "$root/proc"
  mount -t sysfs -o ro sysfs "$root/sys"
  mount --rbind /dev "$root/dev"
  mount -t tmpfs -o mode=1777 tmpfs "$root/tmp"
  local dir
  for dir in "${binds[@]}"; do
    mkdir -p "$root$dir"
    mount --bind "$dir" "$root$dir"
  done
  local spec
  for spec in ${tmpfses[@]+"${tmpfses[@]}"}; do
    mkdir -p "$root${spec%:*}"
    mount -t tmpfs -o "size=${spec##*:},mode=1777" tmpfs "$root${spec%:*}"
  done

  mkdir -m 700 "$root/tmp/xdg"
  local base=(env -i HOME=/root PATH=/usr/local/bin:/usr/bin:/bin LANG=C.UTF-8 XDG_RUNTIME_DIR=/tmp/xdg
    WINEPREFIX="$prefix" WINEDEBUG=-all)
  if [ ! -f "$root$prefix/.emmap-initialized" ]; then
    rm -rf "$root$prefix"
    # No Wine Mono or Gecko: .NET programs bring their own runtime. (The override holds for this command
    # only; later runs need mscoree, through which Wine's loader loads managed assemblies.)
    chroot "$root" "${base[@]}" WINEDLLOVERRIDES="mscoree,mshtml=" wineboot -i >/dev/null 2>&1 || true
    chroot "$root" "${base[@]}" wineserver -w
    if [ ! -f "$root$prefix/system.reg" ]; then
      echo "run.sh: wineboot did not create the prefix" >&2
      return 1
    fi
    touch "$root$prefix/.emmap-initialized"
  fi

  # Whatever an earlier run left in the Windows temp folder (a crashed test's files) goes.
  find "$root$prefix/drive_c/users/root/AppData/Local/Temp" -mindepth 1 -maxdepth 1 -exec rm -rf --one-file-system {} + 2>/dev/null || true

  local rc=0
  chroot "$root" "${base[@]}" "${envs[@]}" sh -c 'cd "$(dirname "$1")" && exec wine "$@"' sh "$exe" "$@" || rc=$?
  chroot "$root" "${base[@]}" wineserver -w || true
  return "$rc"
}

rc=0
timeout --kill-after=10 "$limit" \
  unshare --mount --pid --fork --kill-child -- \
  bash -c "$(declare -f inner); inner \"\$@\"" inner \
  "$root" "$prefix" "$exe" "${#binds[@]}" "${binds[@]}" "${#passed_env[@]}" ${passed_env[@]+"${passed_env[@]}"} \
  "${#tmpfses[@]}" ${tmpfses[@]+"${tmpfses[@]}"} "$@" \
  || rc=$?
if [ "$rc" -eq 124 ] || [ "$rc" -eq 137 ]; then
  echo "run.sh: $(basename "$exe") did not finish within $limit s and was killed" >&2
  rc=124
fi
exit "$rc"
