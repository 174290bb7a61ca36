"""Running Centerpin on existing infrastructure: several app servers behind nginx."""
