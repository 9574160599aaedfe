"""Finding and reading EM images: PNG (grey, or grey + alpha) and multi-page TIFF stacks.

Every slice comes back as a 2-D float32 array in [0, 1]. A folder stands for the
images directly inside it, in name order; a TIFF file gives one slice per page.
Problems a user can fix (a missing folder, a folder without images, an unreadable
file) raise ``InputError`` with one line naming the path.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from phylo.errors import InputError

SUFFIXES = (".png", ".tif", ".tiff")


def find_images(paths: list[str], setting: str) -> list[str]:
    """The image files that ``paths`` (files or folders) stand for, folders expanded in name order.

    ``setting`` names the config key in error messages (e.g. ``data.train``).
    """
    if isinstance(paths, str):
        paths = [paths]
    files = []
    for p in map(Path, paths):
        if p.is_dir():
            found = sorted(f for f in p.iterdir() if f.suffix.lower() in SUFFIXES and not f.name.startswith("."))
            if not found:
                raise InputError(f"{setting}: {p}: no PNG or TIFF images in this folder; "
                                 f"point it at a folder of EM slices")
            files += [str(f) for f in found]
        elif p.is_file():
            files.append(str(p))
        else:
            raise InputError(f"{setting}: {p}: no such file or folder (relative paths start from "
                             f"the folder you run phylo in)")
    if not files:
        raise InputError(f"{setting}: no images given; set it to a folder of PNG or TIFF slices")
    return files


def file_stamps(files: list[str]) -> list[list]:
    """``[path, size, mtime]`` per file: part of the stored results' keys, so an edited image is re-read."""
    out = []
    for f in files:
        st = Path(f).stat()
        out.append([str(Path(f).resolve()), st.st_size, st.st_mtime_ns])
    return out


def to_unit(array: np.ndarray) -> np.ndarray:
    """A grey slice as float32 in [0, 1]: integers scaled by their type's maximum, floats by their range."""
    if array.ndim == 3:  # grey + alpha (or colour): the grey value is channel 0
        array = array[..., 0]
    if array.ndim != 2:
        raise ValueError(f"expected a 2-D grey image, got shape {array.shape}")
    if np.issubdtype(array.dtype, np.integer):
        return (array / np.iinfo(array.dtype).max).astype(np.float32)
    if np.issubdtype(array.dtype, np.bool_):
        return array.astype(np.float32)
    lo, hi = float(array.min()), float(array.max())
    return ((array - lo) / (hi - lo or 1.0)).astype(np.float32)


def read_slices(path: str) -> list[np.ndarray]:
    """The slices in one file: one for a PNG, one per page for a TIFF stack."""
    try:
        if Path(path).suffix.lower() in (".tif", ".tiff"):
            import tifffile

            with tifffile.TiffFile(path) as tif:
                return [to_unit(page.asarray()) for page in tif.pages]
        from PIL import Image

        with Image.open(path) as im:
            if im.mode in ("RGB", "RGBA", "P", "CMYK"):
                im = im.convert("L")
            return [to_unit(np.asarray(im))]
    except (OSError, ValueError, SyntaxError) as exc:
        raise InputError(f"{path}: cannot read this image ({exc}); use grey PNG or TIFF files")


def read_images(files: list[str]) -> list[np.ndarray]:
    """Every slice of every file, in order."""
    return [s for f in files for s in read_slices(f)]


def read_masks(files: list[str]) -> list[np.ndarray]:
    """Mask slices as 0/1 float32 arrays (anything above half the range is foreground)."""
    return [(s > 0.5).astype(np.float32) for s in read_images(files)]
