"""Turn a photo or drawing of one digit into a 28x28 MNIST-style image, the way MNIST was made:
light ink on black, the digit scaled into a 20x20 box keeping its aspect ratio, and placed in a
28x28 canvas so that its centre of mass sits at the centre.
"""

from __future__ import annotations

import os
import stat
import sys
import warnings
from pathlib import Path

import numpy as np

from .. import errors
from ..errors import DamagedFile, ImageTooLarge, NotAnImage, NothingToRead, UserError

IMAGE_SUFFIXES = (".png", ".jpg", ".jpeg", ".bmp", ".gif")
MIN_CONTRAST = 40  # grey levels between background and ink; below it there is nothing to read
MAX_PIXELS = 64_000_000  # a phone photo is 12-50 MP; a bigger "image" is a mistake or a decompression bomb
MIN_SIDE = 8  # pixels; smaller cannot hold a legible digit


def read_grayscale(path: Path) -> np.ndarray:
    """The image file as float grey levels 0..255 (see `decode`)."""
    path = Path(path)
    _check_regular_file(path)
    return decode(path, str(path))


def decode(source, name: str) -> np.ndarray:
    """An image (a path or a binary file object) as float grey levels 0..255; transparent areas
    count as white paper.

    The pixel count is checked from the header, before anything is decoded, so a decompression
    bomb costs nothing. 16-bit images are scaled to 8 bits (/257), not clipped; an animated GIF
    is read from its first frame, with a note.
    """
    from PIL import Image

    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", Image.DecompressionBombWarning)  # our own limit is below
            Image.MAX_IMAGE_PIXELS = None  # the header's size is checked right here, before any decoding
            with Image.open(source) as image:
                _check_size(name, image.size)
                if getattr(image, "n_frames", 1) > 1:
                    print(f"note: {name} has {image.n_frames} frames; reading the first", file=sys.stderr)
                image.load()
                return _grey_levels(image)
    except UserError:
        raise
    except Exception as error:  # noqa: BLE001 - Pillow's failure kinds, named by errors.explain
        explained = errors.explain(error, name)
        if explained is not None:
            raise explained from None
        if isinstance(error, (OSError, SyntaxError, ValueError, EOFError)):
            raise DamagedFile(f"{name}: the image is damaged or truncated ({error}); re-export or re-save it") from None
        raise


def _stat(path: Path) -> os.stat_result:
    """os.stat, with its failures (missing, a symlink loop, a file in the path…) as user errors."""
    try:
        return os.stat(path)
    except OSError as error:
        raise errors.explain(error, str(path)) or NotAnImage(f"{path}: cannot be read ({error})") from None


def _check_regular_file(path: Path) -> None:
    status = _stat(path)
    if stat.S_ISDIR(status.st_mode):
        raise NotAnImage(f"{path}: is a folder; pass an image file, or the folder to read all its images")
    if not stat.S_ISREG(status.st_mode):
        raise NotAnImage(f"{path}: not a regular file (a pipe, socket or device); pass an image file")
    if status.st_size == 0:
        raise NotAnImage(f"{path}: the file is empty; pass a PNG, JPEG, BMP or GIF image")


def _check_size(path, size: tuple[int, int]) -> None:
    width, height = size
    if width * height > MAX_PIXELS:
        raise ImageTooLarge(f"{path}: the image declares {width}×{height} pixels ({width * height / 1e6:.0f} MP), "
                            f"over the {MAX_PIXELS // 1_000_000} MP this tool decodes; scale it down (a digit "
                            "needs no more than a few megapixels)")
    if min(width, height) < MIN_SIDE:
        raise NothingToRead(f"{path}: the image is only {width}×{height} pixels; a digit needs at least "
                            f"{MIN_SIDE}×{MIN_SIDE}, pass a larger picture")


def _grey_levels(image) -> np.ndarray:
    from PIL import Image

    if image.mode.startswith("I;16") or (image.mode == "I" and np.asarray(image).max() > 255):
        return np.asarray(image, dtype=np.float64) / 257.0  # 16-bit 0..65535 onto 0..255
    if image.mode in ("RGBA", "LA", "PA") or (image.mode == "P" and "transparency" in image.info):
        rgba = image.convert("RGBA")
        paper = Image.new("RGBA", rgba.size, (255, 255, 255, 255))
        image = Image.alpha_composite(paper, rgba)
    return np.asarray(image.convert("L"), dtype=np.float64)


def _shift(image: np.ndarray, dy: int, dx: int) -> np.ndarray:
    shifted = np.zeros_like(image)
    h, w = image.shape
    src = image[max(0, -dy):h - max(0, dy), max(0, -dx):w - max(0, dx)]
    shifted[max(0, dy):max(0, dy) + src.shape[0], max(0, dx):max(0, dx) + src.shape[1]] = src
    return shifted


def to_mnist(gray: np.ndarray, name: str = "image") -> np.ndarray:
    """28x28 uint8, ink bright on black, digit in a 20x20 box, centred by centre of mass."""
    from PIL import Image

    border = np.concatenate([gray[0], gray[-1], gray[:, 0], gray[:, -1]])
    background = float(np.median(border))
    ink = gray - background if background < 128 else background - gray  # dark paper stays, light is inverted
    ink = np.clip(ink, 0, None)
    if ink.max() < MIN_CONTRAST:
        raise NothingToRead(f"{name}: the image is blank (no ink stands out from the background); "
                            "nothing to recognise, pass a picture of one digit")
    ink = ink / ink.max() * 255.0
    rows, cols = np.nonzero(ink > 0.25 * 255)  # faint noise and paper texture stay out of the box
    top, bottom, left, right = rows.min(), rows.max() + 1, cols.min(), cols.max() + 1
    digit = ink[top:bottom, left:right]
    scale = 20.0 / max(digit.shape)
    size = (max(1, round(digit.shape[1] * scale)), max(1, round(digit.shape[0] * scale)))
    small = np.asarray(Image.fromarray(digit.astype(np.float32), mode="F").resize(size, Image.LANCZOS))
    canvas = np.zeros((28, 28))
    y0, x0 = (28 - size[1]) // 2, (28 - size[0]) // 2
    canvas[y0:y0 + size[1], x0:x0 + size[0]] = np.clip(small, 0, 255)
    total = canvas.sum()
    cy = (canvas.sum(axis=1) * np.arange(28)).sum() / total
    cx = (canvas.sum(axis=0) * np.arange(28)).sum() / total
    canvas = _shift(canvas, int(round(14.0 - cy)), int(round(14.0 - cx)))  # MNIST digits average (14.0, 14.0)
    return np.clip(np.round(canvas), 0, 255).astype(np.uint8)


def image_files(path: Path) -> list[Path]:
    """The image files a path names: the file itself, or every entry of a folder with an image
    suffix (a non-regular entry among them is kept, so that it is reported, not silently skipped)."""
    path = Path(path)
    if not stat.S_ISDIR(_stat(path).st_mode):
        return [path]
    files = sorted(p for p in path.iterdir() if p.suffix.lower() in IMAGE_SUFFIXES and not p.is_dir())
    if not files:
        raise NotAnImage(f"{path}: the folder has no images ({', '.join(IMAGE_SUFFIXES)}); "
                         "point at an image or a folder of them")
    return files
