"""One module per sub-command of ``grade``."""
