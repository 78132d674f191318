"""Model bundles: a trained experiment packed with everything needed to apply it to new scans."""

from lesionbench.bundle.export import export_bundle
from lesionbench.bundle.load import (
    Bundle,
    BundleError,
    compatible_version,
    load_bundle,
    read_manifest,
)
from lesionbench.bundle.manifest import (
    BUNDLE_FORMAT,
    MANIFEST,
    Manifest,
    build_manifest,
    write_manifest,
)

__all__ = [
    "BUNDLE_FORMAT", "MANIFEST", "Bundle", "BundleError", "Manifest", "build_manifest", "compatible_version",
    "export_bundle", "load_bundle", "read_manifest", "write_manifest",
]
