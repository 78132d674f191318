"""A distinct, findable value for every attribute of the DICOM basic de-identification profile.

The privacy tests write these into source DICOM files and then search every output for them.
"""

from __future__ import annotations

import datetime

from pydicom.datadict import dictionary_VR

from lesionbench.ingest.deid import basic_profile_tags

#: Value representations that hold text.
TEXT_VRS = {"AE", "CS", "LO", "LT", "PN", "SH", "ST", "UC", "UR", "UT"}


def identifying_markers() -> dict[str, object]:
    """A distinct value for every basic-profile attribute (by name); equal values only where VRs force it."""
    values: dict[str, object] = {}
    for n, (name, tag) in enumerate(sorted(basic_profile_tags().items())):
        vr = dictionary_VR(tag).split(" ")[0]
        day = datetime.date(1877, 1, 1) + datetime.timedelta(days=n)
        if vr in TEXT_VRS:
            values[name] = f"ZQX{n:03d}" + ("^" if vr == "PN" else "")  # a family name, no warning
        elif vr == "DA":
            values[name] = day.strftime("%Y%m%d")
        elif vr == "TM":
            values[name] = f"{n // 60 % 24:02d}{n % 60:02d}17"
        elif vr == "DT":
            values[name] = f"{day:%Y%m%d}{n // 60 % 24:02d}{n % 60:02d}17"
        elif vr == "AS":
            values[name] = "077Y"
        elif vr == "DS":
            values[name] = f"{83 + n}.217"
        elif vr == "US":
            values[name] = 4
        elif vr == "UI":
            values[name] = f"1.2.826.0.1.3680043.10.999.{1000 + n}"
        elif vr in ("OB", "OW"):
            values[name] = f"ZQXBYTES{n:03d}".encode() + b"\0" * 8
        elif vr == "SQ":
            values[name] = f"ZQX{n:03d}"  # the CodeMeaning / TextValue of one item
        else:
            raise AssertionError(f"no marker for VR {vr} of {name}")
    return values
