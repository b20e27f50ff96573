#!/usr/bin/env bash
# Installe ce qui manque : paquets Debian (LibreOffice, Tesseract français, Ghostscript,
# libmagic, zbar, Chromium pour le test du rapport HTML) puis l'environnement Python (.venv).
# Idempotent : ne réinstalle rien de ce qui est déjà là.
set -euo pipefail
cd "$(dirname "$0")/.."

APT_PACKAGES=(
  libreoffice-writer-nogui   # conversion DOCX → PDF (soffice --headless)
  python3-uno                # pont Python-LibreOffice : LibreOffice résident (unoserver) pour le guichet et build --batch
  fonts-dejavu fonts-liberation2
  fonts-breip                       # écriture manuscrite des échantillons variés (samples/variations.py)
  tesseract-ocr tesseract-ocr-fra   # OCR en français
  ghostscript qpdf unpaper pngquant # utilisés par OCRmyPDF
  libmagic1                         # typage des fichiers par leur contenu
  poppler-utils                     # pdftoppm (rendu des pages pour les tests)
  chromium                          # test du rapport HTML (headless, sans réseau)
)

missing=()
for p in "${APT_PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "Installation des paquets système manquants : ${missing[*]}"
  SUDO=""
  [ "$(id -u)" -eq 0 ] || SUDO="sudo"
  $SUDO apt-get update -q
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -q --no-install-recommends "${missing[@]}"
fi

PY=${PYTHON:-python3}
if [ ! -x .venv/bin/python ]; then
  echo "Création de l'environnement Python .venv"
  "$PY" -m venv .venv
fi
stamp=.venv/.installed
if [ ! -f "$stamp" ] || [ pyproject.toml -nt "$stamp" ]; then
  .venv/bin/python -m pip install -q --upgrade pip
  .venv/bin/python -m pip install -q -e ".[test]"
  touch "$stamp"
fi
echo "Installation terminée."
