"""callqa: speech analytics and call QA for Russian-speaking call centers."""

__version__ = "0.1.0"
