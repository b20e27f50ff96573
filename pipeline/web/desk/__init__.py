"""The desk app: dossiers per collectivité, guided form, build, received pièces, audit log."""
