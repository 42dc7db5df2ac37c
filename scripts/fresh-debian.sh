#!/usr/bin/env bash
# Checks the README's two commands exactly as a new user on a fresh Debian 12 runs them.
#
# Builds a minimal Debian 12 (bookworm) with debootstrap in a chroot, gives it the apt
# sources of a normal install (bookworm, bookworm-updates, bookworm-security), installs only
# git, clones the repository's committed HEAD (not the working tree) to /root/cohort, copies
# ../shared next to it, then runs as root with a clean environment:
#   1. scripts/test.sh   (installs the packages, builds, runs every ctest entry)
#   2. scripts/demo.sh   in the background: waits for the console URL, curls the console,
#                        /readyz and /v1/profiles/demo-1, then stops the node with SIGTERM.
# Prints pass/fail per command with timings, the chroot's Node.js version, and exits
# non-zero if either command fails. The chroot is kept (its path is printed) for --reuse.
#
# Behind a TLS-intercepting proxy the host's /usr/local/share/ca-certificates go in too.
# Takes about 30 min on 2 busy cores from nothing (debootstrap 1-2 min, setup.sh's apt
# ~6 min, build ~17 min, ctest ~3-4 min); --reuse skips debootstrap and the package
# installs, and ccache keeps objects (~13 min). Uses ~5 GB of disk. Needs root.
#
# Usage: sudo scripts/fresh-debian.sh [--root DIR | --reuse DIR] [--remove] [REPO]
#   REPO            git repository to clone (default: the one containing this script)
#   --root DIR      debootstrap into DIR (must not exist or be empty)
#                   (default $FRESH_DEBIAN_ROOT or /var/tmp/cohort-fresh-<timestamp>)
#   --reuse DIR     reuse the Debian 12 already debootstrapped in DIR (skip debootstrap,
#                   keep its installed packages and caches; the clone is made afresh)
#   --remove        delete the chroot at the end (after every mount is gone); logs are kept
# Environment:
#   FRESH_DEBIAN_REF       commit, branch or tag to check out (default HEAD: the committed HEAD)
#   FRESH_DEBIAN_MIRROR    Debian mirror (default http://deb.debian.org/debian)
#   FRESH_DEBIAN_SECURITY_MIRROR   (default http://deb.debian.org/debian-security)
#   FRESH_DEBIAN_NICE      niceness of everything run in the chroot (default 10)
#   FRESH_DEBIAN_DEMO_DEADLINE     seconds for demo.sh to print its console URL (default 1200)
#   FRESH_DEBIAN_PROFILE_DEADLINE  seconds for /v1/profiles/demo-1 to answer 200 (default 60)
#   FRESH_DEBIAN_LOGS      log directory (default <ROOT>-logs/<timestamp>)
set -euo pipefail

readonly CHROOT_PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
readonly SUITE=bookworm
MIRROR=${FRESH_DEBIAN_MIRROR:-http://deb.debian.org/debian}
SECURITY_MIRROR=${FRESH_DEBIAN_SECURITY_MIRROR:-http://deb.debian.org/debian-security}
REF=${FRESH_DEBIAN_REF:-HEAD}
NICE=${FRESH_DEBIAN_NICE:-10}
DEMO_DEADLINE=${FRESH_DEBIAN_DEMO_DEADLINE:-1200}
PROFILE_DEADLINE=${FRESH_DEBIAN_PROFILE_DEADLINE:-60}
STAMP=$(date +%Y%m%d-%H%M%S)

ROOT=${FRESH_DEBIAN_ROOT:-}
REUSE=0
REMOVE=0
REPO=""
MOUNTS=()        # mount points made by this run, in mount order
DEMO_PID=""
TAIL_PID=""
LOGGED_PID=""

say() { printf 'fresh-debian: %s\n' "$*"; }
die() { printf 'fresh-debian: error: %s\n' "$*" >&2; exit 2; }
phase() { printf '\n==== fresh-debian: %s ====\n' "$*"; }

usage() { sed -n '/^# Usage:/,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//'; }

parse_args() {
  while [ $# -gt 0 ]; do
    case "$1" in
      --root) [ $# -ge 2 ] || die "--root needs a directory"; ROOT=$2; shift 2 ;;
      --reuse) [ $# -ge 2 ] || die "--reuse needs a directory"; ROOT=$2; REUSE=1; shift 2 ;;
      --remove) REMOVE=1; shift ;;
      -h|--help) usage; exit 0 ;;
      -*) die "unknown flag $1 (see --help)" ;;
      *) [ -z "$REPO" ] || die "only one REPO argument"; REPO=$1; shift ;;
    esac
  done
  [ -n "$REPO" ] || REPO="$(dirname "$(readlink -f "$0")")/.."
  REPO=$(git -C "$REPO" rev-parse --show-toplevel 2>/dev/null) || die "$REPO is not a git repository"
  [ -n "$ROOT" ] || ROOT=/var/tmp/cohort-fresh-$STAMP
  case "$ROOT" in /*) ;; *) ROOT=$PWD/$ROOT ;; esac
  ROOT=$(realpath -m "$ROOT")
  if [ "$ROOT" = / ] || [ "$(dirname "$ROOT")" = / ]; then
    die "refusing ROOT=$ROOT: pick a directory like /var/tmp/cohort-fresh"
  fi
  LOG_DIR=${FRESH_DEBIAN_LOGS:-$ROOT-logs/$STAMP}
  COMMIT=$(git -C "$REPO" rev-parse --verify --quiet "$REF^{commit}") ||
    die "FRESH_DEBIAN_REF=$REF: no such commit, branch or tag in $REPO"
}

require_root() {
  [ "$(id -u)" -eq 0 ] && return
  echo "fresh-debian: must run as root: it runs debootstrap, chroot and mount." >&2
  echo "  sudo $0 $*" >&2
  exit 2
}

# Every mount of this run lives in a private mount namespace: the host never sees them, and
# they vanish with the last process even if this script is killed. The trap unmounts anyway.
enter_private_mount_namespace() {
  [ -z "${FRESH_DEBIAN_IN_NS:-}" ] || return 0
  if unshare --mount --propagation private true 2>/dev/null; then
    exec env FRESH_DEBIAN_IN_NS=1 unshare --mount --propagation private -- bash "$(readlink -f "$0")" "$@"
  fi
  say "warning: unshare --mount unavailable; mounting in the host namespace (the trap unmounts)"
}

# ---- chroot plumbing --------------------------------------------------------------------

# The clean environment of a root login: nothing of the caller's environment leaks in, and
# default signal handling (bash makes background jobs ignore SIGINT; the tests send it).
in_root_cmd() {
  ROOT_CMD=(nice -n "$NICE" chroot "$ROOT" /usr/bin/env -i --default-signal HOME=/root
    PATH="$CHROOT_PATH" TERM=dumb LANG=C.UTF-8)
}
in_root() { in_root_cmd; "${ROOT_CMD[@]}" "$@"; }

mounts_under_root() { awk -v r="$ROOT" '$5 == r || index($5, r "/") == 1 { print $5 }' /proc/self/mountinfo; }

mount_in_root() {  # mount_in_root TARGET MOUNT-ARGS...
  local target=$ROOT$1; shift
  mkdir -p "$target"
  mount "$@" "$target"
  MOUNTS+=("$target")
  mount --make-private "$target"  # nothing mounted below it propagates to the host's copy
}

mount_system() {
  mount_in_root /proc -t proc proc
  mount_in_root /sys -t sysfs sysfs || mount_in_root /sys --bind /sys
  mount_in_root /dev --bind /dev
  mount_in_root /dev/pts --bind /dev/pts
  mount_in_root /dev/shm -t tmpfs -o mode=1777,nosuid,nodev shm  # Chromium's shared memory
}

unmount_all() {
  local i target
  for ((i = ${#MOUNTS[@]} - 1; i >= 0; i--)); do
    target=${MOUNTS[i]}
    umount "$target" 2>/dev/null || umount -l "$target" || say "warning: could not unmount $target"
  done
  MOUNTS=()
}

chroot_pids() {
  local p
  for p in /proc/[0-9]*; do
    [ "$(readlink "$p/root" 2>/dev/null)" = "$ROOT" ] && echo "${p#/proc/}"
  done
  return 0
}

# Ends the processes this run left inside the chroot (a demo node, a hung test), by pid.
stop_chroot_processes() {
  local pids deadline
  mapfile -t pids < <(chroot_pids)
  [ ${#pids[@]} -gt 0 ] || return 0
  say "stopping processes left in the chroot: ${pids[*]}"
  kill -TERM "${pids[@]}" 2>/dev/null || true
  deadline=$((SECONDS + 15))
  while [ -n "$(chroot_pids)" ] && [ $SECONDS -lt $deadline ]; do sleep 0.5; done
  mapfile -t pids < <(chroot_pids)
  [ ${#pids[@]} -eq 0 ] || kill -KILL "${pids[@]}" 2>/dev/null || true
}

cleanup() {
  local rc=$?
  set +e
  [ -z "$TAIL_PID" ] || kill "$TAIL_PID" 2>/dev/null
  [ -z "$DEMO_PID" ] || kill -TERM "$DEMO_PID" 2>/dev/null
  [ -z "$LOGGED_PID" ] || kill_tree "$LOGGED_PID"
  stop_chroot_processes
  unmount_all
  local left
  left=$(mounts_under_root)
  if [ -n "$left" ]; then
    say "error: still mounted under $ROOT (not removing anything):"; echo "$left" >&2
    rc=1
  elif [ "$REMOVE" = 1 ] && [ -d "$ROOT" ]; then
    say "removing $ROOT"
    rm -rf --one-file-system "$ROOT"
  elif [ -d "$ROOT" ]; then
    say "chroot kept at $ROOT (reuse it: $0 --reuse $ROOT)"
  fi
  [ ! -d "${LOG_DIR:-}" ] || say "logs in $LOG_DIR"
  exit $rc
}

# Copies each line to the terminal and, prefixed with the seconds since the start, to LOG.
tee_stamped() {
  local log=$1 start=$SECONDS line
  while IFS= read -r line || [ -n "$line" ]; do
    printf '%s\n' "$line"
    printf '[%5ds] %s\n' $((SECONDS - start)) "$line" >>"$log"
  done
}

# Runs "$@" with its output teed (stamped) into LOG; returns the command's status. In the
# background, waited for: bash runs a trap only once a foreground command has ended, so this
# lets Ctrl-C or a SIGTERM to this script stop the run at once.
logged() {
  local log=$1 rc=0; shift
  ( "$@" </dev/null 2>&1 | tee_stamped "$log"; exit "${PIPESTATUS[0]}" ) &
  LOGGED_PID=$!
  wait "$LOGGED_PID" || rc=$?
  LOGGED_PID=""
  return "$rc"
}

# Ends a process started by this script and its descendants (debootstrap runs on the host).
kill_tree() {
  local child
  for child in $(pgrep -P "$1" || true); do kill_tree "$child"; done
  kill -TERM "$1" 2>/dev/null || true
}

# ---- phases -----------------------------------------------------------------------------

has_debian_system() {
  [ -x "$ROOT/usr/bin/apt-get" ] && [ -f "$ROOT/etc/debian_version" ] && [ ! -d "$ROOT/debootstrap" ]
}

check_root_dir() {
  [ -z "$(mounts_under_root)" ] || die "something is already mounted under $ROOT: $(mounts_under_root | tr '\n' ' ')"
  [ -z "$(chroot_pids)" ] || die "processes are running in $ROOT: $(chroot_pids | tr '\n' ' ')"
  if [ "$REUSE" = 1 ]; then
    has_debian_system && return
    [ ! -e "$ROOT" ] || [ -z "$(ls -A "$ROOT")" ] ||
      die "--reuse $ROOT: not a complete debootstrapped system (a failed debootstrap?); use a new --root"
  else
    [ ! -e "$ROOT" ] || [ -z "$(ls -A "$ROOT")" ] ||
      die "$ROOT exists and is not empty: reuse it with --reuse $ROOT, or pick another --root"
  fi
}

install_debootstrap() {
  command -v debootstrap >/dev/null && return
  say "installing debootstrap on the host"
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq debootstrap >/dev/null 2>&1 || {
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq debootstrap >/dev/null
  }
}

run_debootstrap() {
  if has_debian_system; then
    say "reusing the Debian $(cat "$ROOT/etc/debian_version") in $ROOT (debootstrap skipped)"
    T_DEBOOTSTRAP=0
    return
  fi
  phase "debootstrap --variant=minbase $SUITE $ROOT $MIRROR"
  install_debootstrap
  mkdir -p "$ROOT"
  local t0=$SECONDS
  logged "$LOG_DIR/debootstrap.log" debootstrap --variant=minbase "$SUITE" "$ROOT" "$MIRROR" ||
    die "debootstrap failed (see $LOG_DIR/debootstrap.log)"
  T_DEBOOTSTRAP=$((SECONDS - t0))
  say "debootstrap took ${T_DEBOOTSTRAP} s; $(du -sxh "$ROOT" | cut -f1) on disk"
}

# What a normal Debian 12 install has and a bare debootstrap lacks.
configure_system() {
  cp -L /etc/resolv.conf "$ROOT/etc/resolv.conf"  # so apt and npm resolve names
  [ -s "$ROOT/etc/hosts" ] || printf '127.0.0.1\tlocalhost\n::1\t\tlocalhost ip6-localhost ip6-loopback\n' >"$ROOT/etc/hosts"
  rm -f "$ROOT/etc/apt/sources.list"
  cat >"$ROOT/etc/apt/sources.list.d/debian.sources" <<EOF
Types: deb
URIs: $MIRROR
Suites: $SUITE $SUITE-updates
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg

Types: deb
URIs: $SECURITY_MIRROR
Suites: $SUITE-security
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg
EOF
  # A host behind a TLS-intercepting proxy (like a sandbox or a corporate network) trusts
  # its CA through /usr/local/share/ca-certificates; a user's machine there has it too,
  # else npm fails with SELF_SIGNED_CERT_IN_CHAIN. ca-certificates (which setup.sh pulls
  # in through npm) adds these to the system store that Debian's node uses.
  # FRESH_DEBIAN_HOST_CAS=0 leaves them out.
  if [ "${FRESH_DEBIAN_HOST_CAS:-1}" = 1 ] && compgen -G '/usr/local/share/ca-certificates/*.crt' >/dev/null; then
    mkdir -p "$ROOT/usr/local/share/ca-certificates"
    cp /usr/local/share/ca-certificates/*.crt "$ROOT/usr/local/share/ca-certificates/"
    say "copied the host's local CA certificates: $(cd /usr/local/share/ca-certificates && echo *.crt)"
  fi
  # A chroot has no init: keep package scripts (redis-server's) from starting daemons that
  # would listen on the host's network and outlive this run. Not part of the checked setup.
  printf '#!/bin/sh\nexit 101\n' >"$ROOT/usr/sbin/policy-rc.d"
  chmod 755 "$ROOT/usr/sbin/policy-rc.d"
}

install_git() {
  phase "apt-get update; apt-get install git (in the chroot)"
  local t0=$SECONDS
  # Only git, without its Recommends: the clone is from a local path (no TLS), apt uses
  # http, and npm (installed by setup.sh) Depends on ca-certificates itself, so
  # ca-certificates is not needed here; leaving it out checks setup.sh gets it.
  logged "$LOG_DIR/apt-git.log" in_root sh -c 'apt-get update -q &&
      DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends git' ||
    die "installing git in the chroot failed (see $LOG_DIR/apt-git.log)"
  T_APT=$((SECONDS - t0))
  say "apt update + git took ${T_APT} s"
}

clone_repo() {
  phase "git clone $REPO ($REF) -> /root/cohort"
  local t0=$SECONDS git_dir commit=$COMMIT
  say "commit $(git -C "$REPO" log -1 --format='%h %s' "$commit")"
  git_dir=$(cd "$REPO" && realpath "$(git rev-parse --git-common-dir)")
  rm -rf --one-file-system "$ROOT/root/cohort" "$ROOT/root/shared"
  # The repository's git directory, read-only: the clone sees commits, not the working tree.
  mount_in_root /mnt/cohort-src.git --bind "$git_dir"
  mount -o remount,bind,ro "$ROOT/mnt/cohort-src.git"
  # file:// clones through upload-pack like a remote would (no hardlinks into the host
  # repository); safe.directory because the source may belong to another user; the fetch
  # by id covers a commit on no branch (a detached HEAD).
  # shellcheck disable=SC2016  # expanded by the chroot's sh
  in_root sh -c '
      set -ef
      git="git -c safe.directory=* -c uploadpack.allowAnySHA1InWant=true"
      $git clone -q "file://$0" /root/cohort
      cd /root/cohort
      git cat-file -e "$1^{commit}" 2>/dev/null || $git fetch -q origin "$1"
      [ "$(git rev-parse HEAD)" = "$1" ] || git checkout -q --detach "$1"
      git log -1 --format="fresh-debian: clone at %h (%D)"' /mnt/cohort-src.git "$commit" ||
    die "git clone in the chroot failed"
  umount "$ROOT/mnt/cohort-src.git"
  unset 'MOUNTS[${#MOUNTS[@]}-1]'
  if [ -d "$REPO/../shared" ]; then
    cp -a "$REPO/../shared" "$ROOT/root/shared"
    say "copied $(realpath "$REPO/../shared") to /root/shared ($(du -sh "$ROOT/root/shared" | cut -f1))"
  else
    say "warning: no $REPO/../shared: the test reading \$COHORT_SHARED_DIR will miss it"
  fi
  T_CLONE=$((SECONDS - t0))
}

# Seconds (from the stamped log) of the first line matching REGEX, or "?".
first_stamp() {
  local s
  s=$(grep -m1 -E "^\[ *[0-9]+s\] ($2)" "$1" | sed -E 's/^\[ *([0-9]+)s\].*/\1/') || true
  echo "${s:-?}"
}

run_test_sh() {
  phase "scripts/test.sh (in the chroot, as root, clean environment)"
  local t0=$SECONDS log=$LOG_DIR/test.log
  local rc=0
  logged "$log" in_root bash -c 'cd /root/cohort && scripts/test.sh' || rc=$?
  T_TEST=$((SECONDS - t0))
  TEST_OK=$((rc == 0))
  local b c
  b=$(first_stamp "$log" '\[[0-9]+/[0-9]+\] ')
  c=$(first_stamp "$log" 'Test project ')
  if [ "$b" != "?" ] && [ "$c" != "?" ]; then
    TEST_PHASES="setup.sh + cmake configure ${b} s, build $((c - b)) s, ctest $((T_TEST - c)) s"
  else
    TEST_PHASES="first build line at ${b} s, ctest start at ${c} s"
  fi
  TEST_FAILED=$(sed -n '/The following tests FAILED:/,$p' "$log" |
    sed -nE 's/^\[ *[0-9]+s\][[:space:]]+[0-9]+ - ([^ ]+ \([^)]*\)).*/\1/p' | tr '\n' ' ')
  say "test.sh $([ $TEST_OK = 1 ] && echo passed || echo "FAILED (exit status $rc)") in ${T_TEST} s ($TEST_PHASES)"
  grep -E '^\[ *[0-9]+s\] ([0-9]+% tests passed|Total Test time)' "$log" | sed -E 's/^\[ *[0-9]+s\] /  /' || true
  [ -z "$TEST_FAILED" ] || say "failed ctest entries: $TEST_FAILED"
}

port_in_use() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

http_code() { in_root curl -s -o /dev/null -w '%{http_code}' --max-time 10 "$1" 2>/dev/null || true; }

# Polls URL (with curl inside the chroot) until it answers 200 or DEADLINE seconds pass.
expect_200() {
  local url=$1 deadline=$((SECONDS + $2)) code
  while :; do
    code=$(http_code "$url")
    [ "$code" = 200 ] && { say "  200 $url"; return 0; }
    kill -0 "$DEMO_PID" 2>/dev/null || { say "  the demo node exited; $url last answered ${code:-nothing}"; return 1; }
    [ $SECONDS -lt "$deadline" ] || { say "  $url: ${code:-no answer} after $2 s (wanted 200)"; return 1; }
    sleep 1
  done
}

run_demo_sh() {
  phase "scripts/demo.sh (in the chroot, in the background)"
  local t0=$SECONDS log=$LOG_DIR/demo.log url="" args=() deadline
  if port_in_use 8080; then
    say "127.0.0.1:8080 is taken on this host (the chroot shares its network): passing --listen 127.0.0.1:0"
    args=(--listen 127.0.0.1:0)
  fi
  : >"$log"
  in_root_cmd
  # nice, chroot, env and bash all exec: DEMO_PID ends up being cohortd itself.
  "${ROOT_CMD[@]}" bash -c 'cd /root/cohort && exec scripts/demo.sh "$@"' demo.sh "${args[@]}" \
    </dev/null >"$log" 2>&1 &
  DEMO_PID=$!
  tail -n +1 -F --pid="$DEMO_PID" "$log" 2>/dev/null &
  TAIL_PID=$!
  deadline=$((SECONDS + DEMO_DEADLINE))
  while [ -z "$url" ]; do
    url=$(grep -m1 -oE 'http://[^ ]+/console' "$log" || true)
    [ -n "$url" ] && break
    if ! kill -0 "$DEMO_PID" 2>/dev/null; then
      local rc=0
      wait "$DEMO_PID" || rc=$?
      say "demo.sh exited with status $rc before printing the console URL"
      break
    fi
    [ $SECONDS -lt "$deadline" ] || { say "demo.sh printed no console URL within $DEMO_DEADLINE s"; break; }
    sleep 2
  done
  DEMO_OK=0
  if [ -n "$url" ]; then
    T_DEMO_URL=$((SECONDS - t0))
    say "console URL after ${T_DEMO_URL} s: $url"
    local base=${url%/console}
    expect_200 "$url" 30 && expect_200 "$base/readyz" 30 &&
      expect_200 "$base/v1/profiles/demo-1" "$PROFILE_DEADLINE" && DEMO_OK=1
    [ $DEMO_OK = 0 ] || say "  demo-1: $(in_root curl -s --max-time 10 "$base/v1/profiles/demo-1" | head -c 160)..."
  fi
  stop_demo || DEMO_OK=0
  kill "$TAIL_PID" 2>/dev/null || true
  wait "$TAIL_PID" 2>/dev/null || true
  TAIL_PID=""
  T_DEMO=$((SECONDS - t0))
  say "demo.sh $([ $DEMO_OK = 1 ] && echo passed || echo FAILED) in ${T_DEMO} s"
}

# SIGTERM is how the node is meant to stop: it should exit 0 within 30 s.
stop_demo() {
  [ -n "$DEMO_PID" ] || return 0
  if ! kill -0 "$DEMO_PID" 2>/dev/null; then
    DEMO_PID=""
    return 1
  fi
  kill -TERM "$DEMO_PID"
  local deadline=$((SECONDS + 30)) rc=0
  while kill -0 "$DEMO_PID" 2>/dev/null && [ $SECONDS -lt $deadline ]; do sleep 0.5; done
  if kill -0 "$DEMO_PID" 2>/dev/null; then
    say "the demo node did not stop within 30 s of SIGTERM"
    kill -KILL "$DEMO_PID" 2>/dev/null || true
    rc=1
  fi
  wait "$DEMO_PID" || { local s=$?; say "the demo node exited with status $s after SIGTERM"; rc=1; }
  [ $rc = 1 ] || say "  SIGTERM: the demo node stopped cleanly"
  DEMO_PID=""
  return $rc
}

summary() {
  local node debian verdict
  node=$(in_root node --version 2>/dev/null || echo "no node")
  debian=$(cat "$ROOT/etc/debian_version")
  phase "summary"
  say "phases: debootstrap ${T_DEBOOTSTRAP} s, apt update + git ${T_APT} s, clone ${T_CLONE} s, test.sh ${T_TEST} s ($TEST_PHASES), demo.sh ${T_DEMO} s (console URL after ${T_DEMO_URL:-?} s)"
  say "disk: $(du -sxh "$ROOT" | cut -f1) in $ROOT"
  [ -z "$TEST_FAILED" ] || say "test.sh failed ctest entries: $TEST_FAILED"
  verdict="test.sh $([ $TEST_OK = 1 ] && echo passed || echo FAILED) in ${T_TEST} s; "
  verdict+="demo.sh $([ $DEMO_OK = 1 ] && echo passed || echo FAILED) in ${T_DEMO} s"
  say "$verdict (Debian $debian, node $node)"
  [ $TEST_OK = 1 ] && [ $DEMO_OK = 1 ]
}

main() {
  case " $* " in *" -h "*|*" --help "*) usage; exit 0 ;; esac
  require_root "$@"
  enter_private_mount_namespace "$@"
  parse_args "$@"
  check_root_dir
  mkdir -p "$LOG_DIR"
  say "chroot $ROOT, repository $REPO, logs $LOG_DIR"
  trap cleanup EXIT
  trap 'exit 130' INT
  trap 'exit 143' TERM
  run_debootstrap
  configure_system
  mount_system
  install_git
  clone_repo
  run_test_sh
  run_demo_sh
  summary
}

main "$@"
