"""Markdown tables: the one way the generated READMEs and the report write them."""

from __future__ import annotations


def table(header: list, rows: list[list]) -> str:
    """The header line, the `|---|` rule, then one line per row, with a space either side of each
    cell. A cell that is None is blank (`| |`); any other is written with str(), so an empty
    value (a layer without settings) keeps its two spaces (`|  |`), as the committed files have it."""
    return "\n".join([_line(header), "|" + "---|" * len(header), *(_line(row) for row in rows)])


def _line(cells: list) -> str:
    return "|" + "|".join(" " if cell is None else f" {cell} " for cell in cells) + "|"
