#!/usr/bin/env bash
# Runs a command with a real, unlocked Secret Service (DESIGN.md §7), for tests of the keychain.
#
#   scripts/with-keyring.sh npx vitest run test/engine/secrets
#
# If DBUS_SESSION_BUS_ADDRESS is set and a Secret Service answers on it (a desktop session, or a
# nested call), the command is exec'd as it is. Otherwise it runs in a private D-Bus session
# (dbus-run-session) with gnome-keyring-daemon started as `--unlock --components=secrets`, the
# password given on stdin; the daemon keeps its keyrings in a scratch HOME/XDG tree in a temp dir,
# removed at exit. gnome-keyring creates the "login" collection on that first unlock and makes it
# the default, so the keyring is empty and unlocked. The command itself gets the caller's HOME,
# XDG_* and DISPLAY back. The command's exit code is passed through; the script's own failures exit 125.
#
# Needs the Debian packages in scripts/apt-packages.txt (dbus, gnome-keyring).
set -euo pipefail

readonly SERVICE_PATH=/org/freedesktop/secrets
readonly INNER_FLAG=--vigil-inside-private-session
# Variables the daemon gets scratch values for (or none), and the command gets back.
readonly SAVED_VARS=(HOME XDG_DATA_HOME XDG_CONFIG_HOME XDG_CACHE_HOME XDG_STATE_HOME XDG_RUNTIME_DIR DISPLAY WAYLAND_DISPLAY)

fail() {
  echo "with-keyring: $*" >&2
  exit 125
}

# Prints the reply of a Secret Service call on the session bus; fails if there is no answer.
secrets_call() {
  dbus-send --session --print-reply --reply-timeout=5000 --dest=org.freedesktop.secrets "$@" 2>/dev/null
}

secret_service_answers() {
  [[ -n "${DBUS_SESSION_BUS_ADDRESS:-}" ]] && command -v dbus-send >/dev/null &&
    secrets_call "$SERVICE_PATH" org.freedesktop.DBus.Properties.Get \
      string:org.freedesktop.Secret.Service string:Collections >/dev/null
}

# The default collection's object path, if it exists and is unlocked.
unlocked_default_collection() {
  local alias_reply collection locked_reply
  alias_reply=$(secrets_call "$SERVICE_PATH" org.freedesktop.Secret.Service.ReadAlias string:default) || return 1
  collection=$(sed -n 's/.*object path "\(.*\)".*/\1/p' <<<"$alias_reply")
  [[ -n "$collection" && "$collection" != / ]] || return 1
  locked_reply=$(secrets_call "$collection" org.freedesktop.DBus.Properties.Get \
    string:org.freedesktop.Secret.Collection string:Locked) || return 1
  grep -q 'boolean false' <<<"$locked_reply" || return 1
  echo "$collection"
}

inside_private_session() {
  local password=vigil-test-keyring daemon_pid='' rc
  # Started by hand, not by D-Bus activation: only --unlock takes a password and creates "login".
  printf '%s' "$password" | gnome-keyring-daemon --unlock --components=secrets >/dev/null ||
    fail "gnome-keyring-daemon --unlock failed"

  # Wait for the daemon to own the name before calling it: an earlier call would make the bus
  # activate a second, locked daemon.
  local tries=0
  until dbus-send --session --print-reply --dest=org.freedesktop.DBus /org/freedesktop/DBus \
    org.freedesktop.DBus.NameHasOwner string:org.freedesktop.secrets 2>/dev/null | grep -q 'boolean true'; do
    tries=$((tries + 1))
    ((tries < 100)) || fail "gnome-keyring-daemon did not claim org.freedesktop.secrets within 10 s"
    sleep 0.1
  done
  tries=0
  until unlocked_default_collection >/dev/null; do
    tries=$((tries + 1))
    ((tries < 100)) || fail "gnome-keyring-daemon started, but after 10 s the Secret Service has no unlocked default collection"
    sleep 0.1
  done
  daemon_pid=$(dbus-send --session --print-reply --dest=org.freedesktop.DBus /org/freedesktop/DBus \
    org.freedesktop.DBus.GetConnectionUnixProcessID string:org.freedesktop.secrets 2>/dev/null |
    sed -n 's/.*uint32 \([0-9][0-9]*\).*/\1/p') || true
  # The daemon forks away into its own session: tell the outer script whom to stop if interrupted.
  [[ -z "$daemon_pid" ]] || echo "$daemon_pid" >"$VIGIL_KEYRING_PIDFILE"

  # Give the command the caller's environment back (the daemon keeps its scratch one).
  local name has value
  for name in "${SAVED_VARS[@]}"; do
    has="VIGIL_KEYRING_HAS_$name" value="VIGIL_KEYRING_ORIG_$name"
    if [[ "${!has}" == 1 ]]; then export "$name=${!value}"; else unset "$name"; fi
    unset "$has" "$value"
  done

  set +e
  "$@"
  rc=$?
  set -e

  # The daemon would exit with the bus anyway; stop it first so the scratch tree is no longer in use.
  if [[ -n "$daemon_pid" ]] && kill "$daemon_pid" 2>/dev/null; then
    for _ in $(seq 50); do kill -0 "$daemon_pid" 2>/dev/null || break; sleep 0.1; done
  fi
  rm -f "$VIGIL_KEYRING_PIDFILE"
  exit "$rc"
}

if [[ "${1:-}" == "$INNER_FLAG" ]]; then
  shift
  inside_private_session "$@"
fi

(($# > 0)) || fail "usage: scripts/with-keyring.sh <command> [args...]"

if secret_service_answers; then
  exec "$@"
fi

for tool in dbus-run-session dbus-send gnome-keyring-daemon; do
  command -v "$tool" >/dev/null ||
    fail "$tool not found; install the packages in scripts/apt-packages.txt (apt-get install -y \$(grep -v '^#' scripts/apt-packages.txt))"
done

script="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)/$(basename "${BASH_SOURCE[0]}")"
scratch=$(mktemp -d "${TMPDIR:-/tmp}/vigil-keyring.XXXXXX")
export VIGIL_KEYRING_PIDFILE="$scratch/keyring-daemon.pid"
child=''
# On a signal, stop everything started here: the private session runs in its own process group
# (dbus-run-session, dbus-daemon, the command), the keyring daemon in its own session.
cleanup() {
  if [[ -n "$child" ]] && kill -0 "$child" 2>/dev/null; then
    kill -TERM -- "-$child" 2>/dev/null || true
    for _ in $(seq 50); do kill -0 "$child" 2>/dev/null || break; sleep 0.1; done
    kill -KILL -- "-$child" 2>/dev/null || true
  fi
  if [[ -s "$VIGIL_KEYRING_PIDFILE" ]]; then kill "$(cat "$VIGIL_KEYRING_PIDFILE")" 2>/dev/null || true; fi
  rm -rf "$scratch"
}
trap cleanup EXIT
trap 'exit 129' HUP
trap 'exit 130' INT
trap 'exit 143' TERM

for name in "${SAVED_VARS[@]}"; do
  if [[ -n "${!name+set}" ]]; then
    export "VIGIL_KEYRING_HAS_$name=1" "VIGIL_KEYRING_ORIG_$name=${!name}"
  else
    export "VIGIL_KEYRING_HAS_$name=0"
  fi
done
# Set before dbus-run-session, so services the bus activates (prompters) share the scratch tree
# and no display: nothing may pop up on a developer's screen or touch their real keyring.
export HOME="$scratch/home"
export XDG_DATA_HOME="$HOME/.local/share" XDG_CONFIG_HOME="$HOME/.config" XDG_CACHE_HOME="$HOME/.cache" XDG_STATE_HOME="$HOME/.local/state"
export XDG_RUNTIME_DIR="$scratch/runtime"
unset DISPLAY WAYLAND_DISPLAY DBUS_SESSION_BUS_ADDRESS
mkdir -p "$XDG_DATA_HOME" "$XDG_CONFIG_HOME" "$XDG_CACHE_HOME" "$XDG_STATE_HOME"
mkdir -m 700 "$XDG_RUNTIME_DIR"

# In the background (and its own process group, via setsid) so this script can react to signals
# while it runs; stdin is passed on explicitly, since a background command would get /dev/null.
setsid dbus-run-session -- bash "$script" "$INNER_FLAG" "$@" <&0 &
child=$!
set +e
wait "$child"
rc=$?
set -e
child=''
exit "$rc"
