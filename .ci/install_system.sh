#!/usr/bin/env bash
# Installs the system packages the project needs on Debian 12 (run as root, or with sudo):
# KiCad 9.0.x (pcbnew Python module, kicad-cli, footprint library, demo boards) from
# bookworm-backports, Surface Evolver for the physics tests, Xvfb/xdotool for the GUI test,
# and Chromium for the HTML report screenshot. Safe to run again; does nothing when all is there.
set -euo pipefail

need=()
command -v kicad-cli >/dev/null 2>&1 || need+=(kicad)
[ -d /usr/share/kicad/footprints/Package_BGA.pretty ] || need+=(kicad-footprints)
[ -f /usr/share/kicad/demos/vme-wren/vme-wren.kicad_pcb ] || need+=(kicad-demos)
extra=()
for pair in evolver:evolver-nox Xvfb:xvfb xdotool:xdotool chromium:chromium; do
  command -v "${pair%%:*}" >/dev/null 2>&1 || extra+=("${pair#*:}")
done
/usr/bin/python3 -c 'import numpy' 2>/dev/null || extra+=(python3-numpy)  # KiCad's own Python


if [ ${#need[@]} -eq 0 ] && [ ${#extra[@]} -eq 0 ]; then
  echo "system packages: all present"
  exit 0
fi
if [ "$(id -u)" -ne 0 ]; then
  SUDO=sudo
else
  SUDO=
fi
if ! command -v apt-get >/dev/null 2>&1; then
  echo "error: this is not a Debian/Ubuntu machine; install KiCad 9 (with its Python module" \
       "and kicad-cli) and ${extra[*]} by hand" >&2
  exit 3
fi
if [ ${#need[@]} -gt 0 ] && ! grep -rqs bookworm-backports /etc/apt/sources.list /etc/apt/sources.list.d/; then
  $SUDO tee /etc/apt/sources.list.d/bookworm-backports.sources >/dev/null <<'SRC'
Types: deb
URIs: http://deb.debian.org/debian
Suites: bookworm-backports
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg
SRC
fi
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
if [ ${#need[@]} -gt 0 ]; then
  if ! $SUDO apt-get install -y -qq -t bookworm-backports --no-install-recommends "${need[@]}"; then
    echo "error: KiCad 9 could not be installed from bookworm-backports; the checker needs" \
         "KiCad's pcbnew Python module to read boards" >&2
    exit 3
  fi
fi
if [ ${#extra[@]} -gt 0 ]; then
  $SUDO apt-get install -y -qq --no-install-recommends "${extra[@]}"
fi
echo "system packages: installed ${need[*]} ${extra[*]}"
