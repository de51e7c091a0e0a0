"""The ladder's rungs, one file each: rNN_name.py holds `RUNG` (a ladder.Rung) and `model()`."""
