from tests.datasets.dataset_files import served  # noqa: F401  (the fixture, for every test here)
