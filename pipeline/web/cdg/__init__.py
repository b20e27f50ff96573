"""The CDG's desk (issue 12): every dossier of the collectivités a centre serves, the batch
check with one report per collectivité, and the scanning desk's screen. Views stay thin over
pipeline.status.overview, pipeline.check.letters and pipeline.watch.desk."""
