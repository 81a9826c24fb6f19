#!/usr/bin/env bash
# SPDX-License-Identifier: EUPL-1.2
# Checks the system packages PKIP needs and says exactly what is missing.
# With --install (or PKIP_AUTO_INSTALL=1) and root + apt, installs them.
set -u
install=0
tests=0
for arg in "$@"; do
  case "$arg" in
    --install) install=1 ;;
    --tests) tests=1 ;;
  esac
done
if [ "${PKIP_AUTO_INSTALL:-0}" = "1" ]; then install=1; fi

missing_pkgs=()
need_lib() { # library soname, Debian package
  ldconfig -p 2>/dev/null | grep -q "$1" || missing_pkgs+=("$2")
}
need_file() { # path, Debian package
  [ -e "$1" ] || missing_pkgs+=("$2")
}

PY=${PYTHON:-python3}
if ! command -v "$PY" >/dev/null 2>&1; then
  echo "missing: Python 3.11+ ($PY not found) - install python3 (Debian 12: apt-get install python3 python3-venv)" >&2
  exit 1
fi
if ! "$PY" -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else 1)'; then
  echo "missing: Python 3.11 or newer (found $("$PY" --version 2>&1))" >&2
  exit 1
fi
"$PY" -c 'import venv, ensurepip' 2>/dev/null || missing_pkgs+=("python3-venv")
need_lib 'libpango-1.0.so.0' libpango-1.0-0          # WeasyPrint (PDF documents)
need_lib 'libpangoft2-1.0.so.0' libpangoft2-1.0-0
need_lib 'libharfbuzz-subset.so.0' libharfbuzz-subset0  # WeasyPrint font subsetting
need_file /usr/share/fonts/truetype/dejavu/DejaVuSans.ttf fonts-dejavu-core  # Latvian glyphs in PDFs
need_file /usr/bin/xmlsec1 xmlsec1  # SAML 2.0 signatures (latvija.lv sign-in, pysaml2)
if [ "$tests" = 1 ]; then
  # The browser tests drive Debian's Chromium; nothing downloads a browser of its own.
  command -v chromium >/dev/null 2>&1 || missing_pkgs+=("chromium")
  command -v pdftotext >/dev/null 2>&1 || missing_pkgs+=("poppler-utils")
  # The directory tests start a private OpenLDAP (tests/ldap_server.py).
  [ -x /usr/sbin/slapd ] || missing_pkgs+=("slapd")
  command -v ldapsearch >/dev/null 2>&1 || missing_pkgs+=("ldap-utils")
fi

if [ ${#missing_pkgs[@]} -eq 0 ]; then
  exit 0
fi
echo "PKIP needs these Debian packages: ${missing_pkgs[*]}" >&2
if [ "$install" = 1 ] && [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
  echo "installing them with apt-get ..." >&2
  (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing_pkgs[@]}") >&2 || {
    echo "apt-get failed; install them by hand: apt-get install ${missing_pkgs[*]}" >&2
    exit 1
  }
  exit 0
fi
echo "install them with: sudo apt-get install ${missing_pkgs[*]}   (or, as root: make system-deps)" >&2
exit 1
