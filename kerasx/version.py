"""The kerasx version, in a module of its own so that the code writing it into model files (saving)
reads it without importing the `kerasx` package that imports everything."""
__version__ = "0.1.0"
