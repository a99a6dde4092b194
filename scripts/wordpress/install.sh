#!/usr/bin/env bash
# Installs what the WordPress tests need from Debian's packages: PHP, MariaDB, WordPress itself, PHPUnit and
# PHP_CodeSniffer. Idempotent: when everything is there it prints nothing and touches nothing; apt-get update only
# runs when a package is missing. No TTY needed (CI runs it from inside `npm test`).
set -euo pipefail

packages=(php-cli php-mysql php-curl php-xml php-mbstring mariadb-server wordpress wordpress-theme-twentytwentythree phpunit php-codesniffer)

# Two test files may start at once on a fresh machine: one installs, the other waits and then finds it all there.
exec 9>"${TMPDIR:-/tmp}/postflow-wordpress-install.lock"
flock 9

missing=()
for package in "${packages[@]}"; do
  status="$(dpkg-query -W -f='${Status}' "$package" 2>/dev/null || true)"
  [ "$status" = "install ok installed" ] || missing+=("$package")
done
[ "${#missing[@]}" -eq 0 ] && exit 0

if [ "$(id -u)" -ne 0 ]; then
  if command -v sudo >/dev/null && sudo -n true 2>/dev/null; then
    exec sudo -n "$0" "$@"
  fi
  echo "scripts/wordpress/install.sh: missing ${missing[*]}; run it as root (or with sudo) once" >&2
  exit 1
fi

echo "scripts/wordpress/install.sh: installing ${missing[*]}" >&2
export DEBIAN_FRONTEND=noninteractive
# Nothing these packages bring (mariadb, php-fpm if pulled in) may start as a service: the tests run their own.
policy=/usr/sbin/policy-rc.d
created_policy=0
if [ ! -e "$policy" ]; then
  printf '#!/bin/sh\nexit 101\n' >"$policy"
  chmod +x "$policy"
  created_policy=1
fi
trap '[ "$created_policy" = 1 ] && rm -f "$policy"' EXIT

log="$(mktemp)"
if ! { apt-get update -q && apt-get install -y -q --no-install-recommends "${missing[@]}"; } >"$log" 2>&1; then
  cat "$log" >&2
  rm -f "$log"
  echo "scripts/wordpress/install.sh: apt-get failed" >&2
  exit 1
fi
rm -f "$log"
