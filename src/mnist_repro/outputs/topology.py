"""The layer stack read from the model itself: a table for READMEs and the model.png drawing."""

from __future__ import annotations

import sys

from . import figures, markdown

_SETTINGS = ("units", "filters", "kernel_size", "strides", "padding", "pool_size", "rate", "activation")


def layer_rows(model) -> list[dict]:
    rows = []
    for layer in model.layers:
        config = layer.get_config()
        settings = ", ".join(f"{key}={config[key]}" for key in _SETTINGS if key in config)
        rows.append({
            "name": layer.name,
            "type": type(layer).__name__,
            "settings": settings,
            "output_shape": str(tuple(layer.output.shape)),
            "params": layer.count_params(),
        })
    return rows


def markdown_table(model) -> str:
    rows = [[index, row["name"], row["type"], row["settings"], row["output_shape"], f"{row['params']:,}"]
            for index, row in enumerate(layer_rows(model), 1)]
    rows.append([None, "**total**", None, None, None, f"**{model.count_params():,}**"])
    return markdown.table(["#", "layer", "type", "settings", "output shape", "parameters"], rows)


def draw(model, path) -> str:
    """plot_model with shapes; without graphviz or pydot, a matplotlib drawing and a warning."""
    import keras

    try:
        keras.utils.plot_model(model, to_file=str(path), show_shapes=True, show_layer_names=True)
        if path.exists():
            return "keras.utils.plot_model"
        reason = "plot_model wrote no file"
    except (ImportError, OSError, FileNotFoundError, RuntimeError) as error:
        reason = f"{type(error).__name__}: {str(error).splitlines()[0] if str(error) else ''}"
    print(f"warning: graphviz/pydot unavailable ({reason}); drawing model.png with matplotlib instead. "
          "Install graphviz (apt-get install graphviz) for Keras's own diagram.", file=sys.stderr)
    rows = [(row["name"], row["type"], row["output_shape"]) for row in layer_rows(model)]
    figures.layer_stack(rows, model.name, path)
    return "matplotlib fallback"
