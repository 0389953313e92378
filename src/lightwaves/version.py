"""The library version (a leaf module: any module may import it without importing the package's API)."""

__version__ = "0.1.0"
