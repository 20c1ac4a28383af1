#!/usr/bin/env bash
# Set up everything the service and its tests need on a fresh Debian 12 machine:
# system packages (CJK fonts, HarfBuzz's subsetter, poppler for the tests), a virtual
# environment in .venv and the project with its test extras. Safe to run again.
# --tests: also what only the tests use (LibreOffice, to open every Word file).
set -euo pipefail
cd "$(dirname "$0")/.."

APT_PACKAGES=(fonts-noto-cjk fonts-hanazono fonts-dejavu-core libharfbuzz-subset0 libpango-1.0-0
              libpangoft2-1.0-0 libfontconfig1 poppler-utils)
# libreoffice-writer-nogui: the tests convert every Word file to PDF (Word files that match the
# PDFs); fonts-liberation: Times New Roman's metrics for it, as Word has them
# chromium, chromium-driver: the web pages' journeys in a real browser (tests/web/)
if [ "${1:-}" = "--tests" ]; then
  APT_PACKAGES+=(libreoffice-writer-nogui fonts-liberation chromium chromium-driver)
fi
missing=()
for p in "${APT_PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
SUDO=""
[ "$(id -u)" -ne 0 ] && SUDO="sudo"
APT_LOCK_WAIT=${APT_LOCK_WAIT:-600}  # seconds to wait for another apt/dpkg (unattended-upgrades)

# apt-get that waits, up to APT_LOCK_WAIT s, while another process holds an apt/dpkg lock,
# instead of failing: apt-get itself waits for dpkg's frontend lock (DPkg::Lock::Timeout); the
# lists lock (apt-get update) and the archives lock it does not wait for, so a run refused with
# "Could not get lock" (before it changed anything) is tried again.
apt_get() {
  local deadline=$((SECONDS + APT_LOCK_WAIT)) out
  out=$(mktemp)
  while true; do
    if $SUDO env LC_ALL=C.UTF-8 DEBIAN_FRONTEND=noninteractive \
         apt-get -o DPkg::Lock::Timeout="$APT_LOCK_WAIT" "$@" 2>&1 | tee "$out"; then
      rm -f "$out"
      return 0
    fi
    if ! grep -q "Could not get lock" "$out" || [ "$SECONDS" -ge "$deadline" ]; then
      rm -f "$out"
      return 1
    fi
    echo "apt is busy (another process holds its lock); trying again in 5 s"
    sleep 5
  done
}

if [ ${#missing[@]} -gt 0 ]; then
  echo "installing system packages: ${missing[*]}"
  apt_get update -q
  apt_get install -y -q --no-install-recommends "${missing[@]}"
fi

PY=${PYTHON:-python3}
[ -x .venv/bin/python ] || "$PY" -m venv .venv
.venv/bin/python -m pip install -q --upgrade pip
.venv/bin/python -m pip install -q -e ".[test]"
echo "setup done: .venv ready"
