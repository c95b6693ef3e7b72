"""ctip: the information system of counter-trafficking programmes."""

__version__ = "0.1.0"
