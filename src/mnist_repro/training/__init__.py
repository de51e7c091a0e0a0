"""Training one version: the run flow, the Keras calls, the shuffled batches and the resumable checkpoint."""
