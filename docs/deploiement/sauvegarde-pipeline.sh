#!/bin/bash
# Sauvegarde du bureau web : la base (PostgreSQL, ou SQLite sans PostgreSQL) et le dossier des
# données (fichiers des dossiers : dossier.yaml, documents produits, pièces reçues, lots finaux).
# Lancée chaque nuit par pipeline-sauvegarde.timer, sous le compte « pipeline ».
# Les archives contiennent des données médicales : droits 0600, dossier 0700 ; les copier hors du
# serveur chiffrées (ex. « age » ou « gpg --encrypt » vers la clé du service informatique).
set -euo pipefail
umask 077

source_env() { set -a; . /etc/pipeline/web.env; set +a; }
source_env
DEST=${PIPELINE_BACKUP_DIR:-/srv/sauvegardes/pipeline}
KEEP_DAYS=${PIPELINE_BACKUP_KEEP_DAYS:-30}
STAMP=$(date +%Y-%m-%d_%H%M)
mkdir -p "$DEST"
chmod 700 "$DEST"

# 1. La base. PostgreSQL : pg_dump au format personnalisé (pg_restore le relit) ; SQLite : copie
#    cohérente par l'API de sauvegarde (la base reste ouverte pendant la copie).
if [[ -n "${PIPELINE_DATABASE_URL:-}" ]]; then
    PGPASSWORD=$(cat "${CREDENTIALS_DIRECTORY:-/etc/pipeline}/db-password") \
        pg_dump --format=custom --no-owner --file "$DEST/base_$STAMP.dump" "${PIPELINE_DATABASE_URL%%\?*}"
else
    sqlite3 "$PIPELINE_DATA/desk.sqlite3" ".backup '$DEST/base_$STAMP.sqlite3'"
fi

# 2. Les fichiers des dossiers et la clé secrète (sans les fichiers temporaires ni la file).
tar --create --gzip --file "$DEST/donnees_$STAMP.tar.gz" --directory "$PIPELINE_DATA" \
    --exclude ./tmp --exclude ./static --exclude './taches.sqlite3*' --exclude './desk.sqlite3*' .

# 3. Les sauvegardes de plus de KEEP_DAYS jours sont effacées.
find "$DEST" -maxdepth 1 -type f \( -name 'base_*' -o -name 'donnees_*' \) -mtime +"$KEEP_DAYS" -delete
echo "Sauvegarde écrite dans $DEST ($STAMP)"
