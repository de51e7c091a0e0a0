"""Using trained models: predict on your own images, the error analysis, and the demo server."""
