#!/usr/bin/env python3
"""Writes the small numpy/safetensors fixtures under Inputs/ that the
runtime_io unit tests read, so the C++ readers are checked against files
produced by the real libraries rather than by our own writers.

Run from anywhere: python3 make_npy_fixtures.py (needs numpy; safetensors
for python.safetensors). The outputs are committed; rerun only to change
them.
"""

import os

import numpy as np
from numpy.lib import format as npy_format

HERE = os.path.dirname(os.path.abspath(__file__))
INPUTS = os.path.join(HERE, "Inputs")


def save(name, array, version=None):
    path = os.path.join(INPUTS, name)
    with open(path, "wb") as f:
        # write_array rather than np.save: it lets us pick the version and
        # keeps Fortran order instead of silently converting.
        npy_format.write_array(f, array, version=version)


def main():
    os.makedirs(INPUTS, exist_ok=True)
    save("f32_2x3.npy", np.arange(6, dtype="<f4").reshape(2, 3) * 0.25)
    save("f64_3.npy", np.array([0.1, -2.5, 1e300], dtype="<f8"))
    save("f16_4.npy", np.array([1.0, 2.0**-24, np.inf, -0.0], dtype="<f2"))
    save("i32_2x2.npy", np.array([[1, -2], [2**31 - 1, -(2**31)]], dtype="<i4"))
    save("i64_5.npy", np.array([0, -1, 2**40, 2**62, 50256], dtype="<i8"))
    save("u8_4.npy", np.array([0, 1, 128, 255], dtype="|u1"))
    save("bool_3.npy", np.array([True, False, True]))
    save("scalar_f32.npy", np.array(3.5, dtype="<f4"))
    save("empty_i64.npy", np.zeros((0, 3), dtype="<i8"))
    save("v2_f32.npy", np.array([1, 2, 3], dtype="<f4"), version=(2, 0))
    save("v3_f32.npy", np.array([1, 2, 3], dtype="<f4"), version=(3, 0))
    save("fortran_f32.npy",
         np.asfortranarray(np.arange(6, dtype="<f4").reshape(2, 3)))
    save("bigendian_i4.npy", np.array([1, 2], dtype=">i4"))
    save("complex_c8.npy", np.array([1 + 2j], dtype="<c8"))

    from safetensors.numpy import save_file
    save_file(
        {
            "w": (np.arange(6, dtype="<f4") * 0.5 - 1.0).reshape(2, 3),
            "h": np.array([1.0, 2.0**-24, np.inf, np.nan], dtype="<f2"),
            "ids": np.array([1, 2, 3], dtype="<i8"),
        },
        os.path.join(INPUTS, "python.safetensors"),
        metadata={"source": "make_npy_fixtures.py"},
    )


if __name__ == "__main__":
    main()
