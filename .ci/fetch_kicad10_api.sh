#!/usr/bin/env bash
# Puts KiCad 10.0.x's SWIG `pcbnew.py` in .cache/kicad10/ without installing KiCad 10 (Debian 12
# cannot: its packages need a newer libc and Python). The file is the API reference for
# tests/kicad/test_swig_names.py, which proves every pcbnew name the plugin uses exists in 9 and 10.
# A private apt state (lists, cache, sources) leaves the machine's /etc/apt untouched.
set -euo pipefail
cd "$(dirname "$0")/.."
out=.cache/kicad10
[ -s "$out/pcbnew.py" ] && { echo "KiCad 10 pcbnew.py: present ($(cat "$out/VERSION"))"; exit 0; }
command -v apt-get >/dev/null 2>&1 || { echo "KiCad 10 pcbnew.py: no apt-get here, the SWIG name test will skip"; exit 0; }
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
mkdir -p "$work/lists/partial" "$work/cache/archives/partial" "$work/none" "$out"
echo "deb [signed-by=/usr/share/keyrings/debian-archive-keyring.gpg] http://deb.debian.org/debian sid main" \
  > "$work/sources.list"
A=(-o Dir::Etc::SourceList="$work/sources.list" -o Dir::Etc::SourceParts="$work/none"
   -o Dir::State::Lists="$work/lists" -o Dir::Cache="$work/cache" -o APT::Sandbox::User=root)
if ! apt-get "${A[@]}" update -qq >"$work/log" 2>&1 || ! (cd "$work" && apt-get "${A[@]}" download kicad >>"$work/log" 2>&1); then
  echo "KiCad 10 pcbnew.py: download failed, the SWIG name test will skip:" >&2
  tail -n 2 "$work/log" >&2
  exit 0
fi
deb=$(ls "$work"/kicad_*.deb)
case "$(basename "$deb")" in
  kicad_10.*) ;;
  *) echo "KiCad 10 pcbnew.py: Debian now ships $(basename "$deb"), not 10.x; the SWIG name test will skip" >&2
     exit 0 ;;
esac
if ! dpkg-deb --fsys-tarfile "$deb" | tar -xO ./usr/lib/python3/dist-packages/pcbnew.py > "$out/pcbnew.py.part"; then
  echo "KiCad 10 pcbnew.py: not in $(basename "$deb"); the SWIG name test will skip" >&2
  rm -f "$out/pcbnew.py.part"
  exit 0
fi
mv "$out/pcbnew.py.part" "$out/pcbnew.py"
basename "$deb" | sed -e 's/^kicad_//' -e 's/_amd64.deb$//' -e 's/_.*//' > "$out/VERSION"
echo "KiCad 10 pcbnew.py: $(cat "$out/VERSION")"
