#!/usr/bin/env bash
# Makes sure Debian's chromium is installed for the browser test (puppeteer-core drives it; browser downloads from
# elsewhere are not reachable). Installs it with apt-get when /usr/bin/chromium is missing; needs root, as in CI.
set -euo pipefail

CHROMIUM="${IM_CHROMIUM:-/usr/bin/chromium}"
if [[ -x "$CHROMIUM" ]]; then
  echo "ensure-chromium: $("$CHROMIUM" --version 2>/dev/null || echo "$CHROMIUM") present"
  exit 0
fi
if [[ "$(id -u)" != "0" ]]; then
  echo "ensure-chromium: $CHROMIUM is missing and installing it needs root: apt-get install -y chromium" >&2
  exit 1
fi
echo "ensure-chromium: installing Debian's chromium with apt-get..."
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends chromium fonts-dejavu-core >/dev/null
echo "ensure-chromium: $("$CHROMIUM" --version) installed"
