"""File input and output: atomic writes, provenance and image files."""

from lesionbench.io.atomic import atomic_path, write_json, write_text
from lesionbench.io.images import ImageFileError, read_image, read_mask, same_grid, write_image
from lesionbench.io.provenance import file_sha256, provenance, settings_hash

__all__ = [
    "ImageFileError", "atomic_path", "file_sha256", "provenance", "read_image", "read_mask", "same_grid",
    "settings_hash", "write_image", "write_json", "write_text",
]
