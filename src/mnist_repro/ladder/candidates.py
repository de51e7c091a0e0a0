"""The candidates the selection runner measured that the ladder did not keep, each one change to
the rung named in its `below`. They stay here, runnable, so that every record names its recipe."""

CANDIDATES = ()
