#!/usr/bin/env bash
# Fetches the default texts of `spindle eval-context`: six books of the King James Version
# (1611; its copyright has expired), from Debian's bible-kjv-text package, rendered by the
# bible-kjv package's own `bible` program, verse numbers and chapter headings dropped, one
# paragraph a chapter. Each book is 175–240 KB of English prose, over 32k tokens for common
# tokenizers. Nothing is installed (the packages are unpacked in a scratch folder) and nothing
# is committed; MANIFEST records the packages' versions and each text's SHA-256.
#
#   make eval-texts      (writes ${SPINDLE_TEXTS:-${XDG_CACHE_HOME:-~/.cache}/spindle/texts}/kjv)
set -euo pipefail
out="${SPINDLE_TEXTS:-${XDG_CACHE_HOME:-$HOME/.cache}/spindle/texts}/kjv"
if [ -f "$out/MANIFEST" ]; then
  echo "eval-texts: $out is there"
  exit 0
fi
scratch="$(mktemp -d "${TMPDIR:-/tmp}/spindle-texts.XXXXXX")"
trap 'rm -rf "$scratch"' EXIT
cd "$scratch"
if ! apt-get download bible-kjv bible-kjv-text > apt.log 2>&1; then
  SUDO=$( [ "$(id -u)" = 0 ] || echo sudo )
  $SUDO apt-get update -qq
  apt-get download bible-kjv bible-kjv-text > apt.log 2>&1 || { cat apt.log >&2; exit 1; }
fi
for deb in *.deb; do dpkg-deb -x "$deb" root; done
mkdir -p "$out.partial"
for book in Genesis:Gen Exodus:Exo Psalms:Psa Isaiah:Isa Jeremiah:Jer Ezekiel:Eze; do
  name=${book%%:*}
  root/usr/bin/bible -p root/usr/lib "${book##*:}1:1-150:200" | python3 -c '
import re, sys
chapters, verses = [], []
for line in sys.stdin.read().split("\n"):
    if re.fullmatch(r"[1-3]? ?[A-Z][A-Za-z ]+ \d+", line.strip()):   # a chapter heading
        if verses: chapters.append(" ".join(verses))
        verses = []
    elif line.strip():
        verses.append(re.sub(r"^\s*\d+ ", "", line.strip()))
if verses: chapters.append(" ".join(verses))
sys.stdout.write("\n\n".join(chapters) + "\n")
' > "$out.partial/$name.txt"
done
{
  echo "King James Version (1611; copyright expired), six books, one paragraph a chapter."
  echo "Source: Debian packages $(dpkg-deb -f bible-kjv-text_*.deb Package) $(dpkg-deb -f bible-kjv-text_*.deb Version)"\
    "(text) and $(dpkg-deb -f bible-kjv_*.deb Package) $(dpkg-deb -f bible-kjv_*.deb Version) (its bible program)."
  (cd "$out.partial" && sha256sum *.txt)
} > "$out.partial/MANIFEST"
rm -rf "$out"
mv "$out.partial" "$out"
cat "$out/MANIFEST"
