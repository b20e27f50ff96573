"""Web desk (`pipeline serve`): a Django project whose views stay thin over the stages.

Floor 10 of the package: it may import every stage below it, nothing imports it back.
"""
import os


def setup(data_dir=None) -> None:
    """Configure Django for the data folder `data_dir` (or $PIPELINE_DATA) and set it up."""
    if data_dir is not None:
        os.environ["PIPELINE_DATA"] = str(data_dir)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "pipeline.web.settings")
    import django

    django.setup()
