"""Préparation et contrôle des dossiers de retraite pour invalidité CNRACL.

Stages, lowest first (a stage never imports a higher one): dossier (YAML → model),
compute (estimates, dates), build (model → documents → upload set), read (file → pages,
words, fields, pièce), validators (the rules), check (facts → findings → report),
watch (drop folder), cli. Data files (forms, pièces, parameters, templates) are package
data, read through `pipeline.resources`.
"""
__version__ = "0.2.0"
