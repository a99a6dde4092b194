#!/usr/bin/env bash
# Installs the browser the console's tests drive (Playwright through playwright-core, on Debian's Chromium: the
# browsers `npx playwright install` downloads cannot be fetched here). Idempotent: when /usr/bin/chromium is there it
# prints nothing and touches nothing; apt-get update only runs when it is missing. No TTY needed (CI runs it from
# inside `npm test`, through test/helpers/browser.ts).
set -euo pipefail

browser=/usr/bin/chromium
[ -x "$browser" ] && exit 0

# Two test files may start at once on a fresh machine: one installs, the other waits and then finds it there.
exec 9>"${TMPDIR:-/tmp}/postflow-browser-install.lock"
flock 9
[ -x "$browser" ] && exit 0

if [ "$(id -u)" -ne 0 ]; then
  if command -v sudo >/dev/null && sudo -n true 2>/dev/null; then
    exec sudo -n "$0" "$@"
  fi
  echo "scripts/browser/install.sh: $browser is missing; run it as root (or with sudo) once" >&2
  exit 1
fi

echo "scripts/browser/install.sh: installing chromium" >&2
export DEBIAN_FRONTEND=noninteractive
log="$(mktemp)"
if ! { apt-get update -q && apt-get install -y -q chromium; } >"$log" 2>&1; then
  cat "$log" >&2
  rm -f "$log"
  echo "scripts/browser/install.sh: apt-get failed" >&2
  exit 1
fi
rm -f "$log"
