"""Turn a photo or drawing of one digit into a 28x28 MNIST-style image, the way MNIST was made:
light ink on black, the digit scaled into a 20x20 box keeping its aspect ratio, and placed in a
28x28 canvas so that its centre of mass sits at the centre.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from ..errors import UserError

IMAGE_SUFFIXES = (".png", ".jpg", ".jpeg", ".bmp", ".gif")
MIN_CONTRAST = 40  # grey levels between background and ink; below it there is nothing to read


def read_grayscale(path: Path) -> np.ndarray:
    """The image as float grey levels 0..255; transparent areas count as white paper."""
    from PIL import Image, UnidentifiedImageError

    path = Path(path)
    if not path.exists():
        raise UserError(f"{path}: no such file; check the path")
    if path.stat().st_size == 0:
        raise UserError(f"{path}: the file is empty; pass a PNG, JPEG, BMP or GIF image")
    try:
        with Image.open(path) as image:
            image.load()
            if image.mode in ("RGBA", "LA", "PA") or (image.mode == "P" and "transparency" in image.info):
                rgba = image.convert("RGBA")
                paper = Image.new("RGBA", rgba.size, (255, 255, 255, 255))
                image = Image.alpha_composite(paper, rgba)
            gray = np.asarray(image.convert("L"), dtype=np.float64)
    except UnidentifiedImageError:
        raise UserError(f"{path}: not an image Pillow can read; pass a PNG, JPEG, BMP or GIF image") from None
    except (OSError, SyntaxError, ValueError) as error:
        raise UserError(f"{path}: the image is damaged or truncated ({error}); re-export or re-save it") from None
    return gray


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
        raise UserError(f"{name}: the image is blank (no ink stands out from the background); "
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
    path = Path(path)
    if path.is_dir():
        files = sorted(p for p in path.iterdir() if p.is_file() and p.suffix.lower() in IMAGE_SUFFIXES)
        if not files:
            raise UserError(f"{path}: the folder has no images ({', '.join(IMAGE_SUFFIXES)}); "
                            "point at an image or a folder of them")
        return files
    if not path.exists():
        raise UserError(f"{path}: no such file or folder; check the path")
    return [path]
