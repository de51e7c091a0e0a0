"""What a run leaves behind: the files of deliverables/ver_N/, their figures, README and console copy."""
