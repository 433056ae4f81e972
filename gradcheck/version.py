"""The package's version, in a module of its own so that the command line and the IPython magic can
read it without importing the whole package."""

__version__ = "0.1.0"
